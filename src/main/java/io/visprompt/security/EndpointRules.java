package io.visprompt.security;

import static io.visprompt.security.Scope.ADMIN;
import static io.visprompt.security.Scope.CLASSIFY;
import static io.visprompt.security.Scope.DATASETS_READ;
import static io.visprompt.security.Scope.DATASETS_WRITE;
import static io.visprompt.security.Scope.JOBS_READ;
import static io.visprompt.security.Scope.JOBS_WRITE;
import static io.visprompt.security.Scope.PROMPTS_READ;
import static io.visprompt.security.Scope.MODELS_WRITE;
import static io.visprompt.security.Scope.PROMPTS_WRITE;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * The one table of who may call what: open paths (probes, Prometheus, OpenAPI, the web console's static files),
 * then each API endpoint with the scopes that allow it (any one of them; none listed = any valid key). The first
 * matching rule decides; anything not listed needs {@code admin}. A GET rule is HEAD's rule too. The filter chain is built from this table and a
 * 403 names the scopes from it.
 */
final class EndpointRules {

    /** One row: {@code method} null matches every method. */
    record Rule(HttpMethod method, String pattern, boolean open, Set<Scope> anyOf, RequestMatcher matcher) {
    }

    static final List<Rule> RULES;
    /** Requests that need no key, where a key is not even read. */
    static final RequestMatcher OPEN;
    /** Inference requests, rate-limited per tenant. */
    static final RequestMatcher INFERENCE = new OrRequestMatcher(
            PathPatternRequestMatcher.pathPattern(HttpMethod.POST, "/v1/classify"),
            PathPatternRequestMatcher.pathPattern(HttpMethod.POST, "/v2/models/*/infer"));

    static {
        List<Rule> rules = new ArrayList<>();
        // operators: probes and Prometheus scrape without a key; other actuator endpoints need admin
        open(rules, HttpMethod.GET, "/actuator/health");
        open(rules, HttpMethod.GET, "/actuator/health/liveness");
        open(rules, HttpMethod.GET, "/actuator/health/readiness");
        open(rules, HttpMethod.GET, "/actuator/prometheus");
        // API description and Swagger UI (the UI sends the key itself: "Authorize")
        open(rules, HttpMethod.GET, "/v3/api-docs");
        open(rules, HttpMethod.GET, "/v3/api-docs/**");
        open(rules, HttpMethod.GET, "/v3/api-docs.yaml");
        open(rules, HttpMethod.GET, "/swagger-ui.html");
        open(rules, HttpMethod.GET, "/swagger-ui/**");
        // the web console's static files (its API calls carry the key)
        open(rules, HttpMethod.GET, "/");
        open(rules, HttpMethod.GET, "/index.html");
        open(rules, HttpMethod.GET, "/favicon.ico");
        open(rules, HttpMethod.GET, "/*.js");
        open(rules, HttpMethod.GET, "/*.css");
        open(rules, HttpMethod.GET, "/js/**");
        open(rules, HttpMethod.GET, "/css/**");
        open(rules, HttpMethod.GET, "/webjars/**");

        scoped(rules, HttpMethod.GET, "/v1/models", Set.of());
        scoped(rules, HttpMethod.GET, "/v1/models/**", Set.of());
        scoped(rules, HttpMethod.POST, "/v1/models", Set.of(MODELS_WRITE));
        scoped(rules, HttpMethod.DELETE, "/v1/models/*", Set.of(MODELS_WRITE));

        scoped(rules, HttpMethod.GET, "/v1/datasets", Set.of(DATASETS_READ));
        scoped(rules, HttpMethod.GET, "/v1/datasets/**", Set.of(DATASETS_READ));
        scoped(rules, HttpMethod.POST, "/v1/datasets", Set.of(DATASETS_WRITE));
        scoped(rules, HttpMethod.POST, "/v1/datasets/*/derive", Set.of(DATASETS_WRITE));
        scoped(rules, HttpMethod.DELETE, "/v1/datasets/*", Set.of(DATASETS_WRITE));

        scoped(rules, HttpMethod.GET, "/v1/training-jobs", Set.of(JOBS_READ));
        scoped(rules, HttpMethod.GET, "/v1/training-jobs/**", Set.of(JOBS_READ));
        scoped(rules, HttpMethod.POST, "/v1/training-jobs", Set.of(JOBS_WRITE));
        scoped(rules, HttpMethod.POST, "/v1/training-jobs/*/cancel", Set.of(JOBS_WRITE));
        scoped(rules, HttpMethod.POST, "/v1/training-jobs/*/resume", Set.of(JOBS_WRITE));
        // a sweep's trials are training jobs: the same scopes
        scoped(rules, HttpMethod.GET, "/v1/sweeps", Set.of(JOBS_READ));
        scoped(rules, HttpMethod.GET, "/v1/sweeps/**", Set.of(JOBS_READ));
        scoped(rules, HttpMethod.POST, "/v1/sweeps", Set.of(JOBS_WRITE));
        scoped(rules, HttpMethod.POST, "/v1/sweeps/*/cancel", Set.of(JOBS_WRITE));

        scoped(rules, HttpMethod.GET, "/v1/evaluations", Set.of(JOBS_READ));
        scoped(rules, HttpMethod.GET, "/v1/evaluations/**", Set.of(JOBS_READ));
        scoped(rules, HttpMethod.POST, "/v1/evaluations", Set.of(JOBS_WRITE));
        scoped(rules, HttpMethod.POST, "/v1/evaluations/*/cancel", Set.of(JOBS_WRITE));

        // metadata, content (.png/.npy/raw), mask and previews on dataset images
        scoped(rules, HttpMethod.GET, "/v1/prompts", Set.of(PROMPTS_READ));
        scoped(rules, HttpMethod.GET, "/v1/prompts/**", Set.of(PROMPTS_READ));
        scoped(rules, HttpMethod.POST, "/v1/prompts", Set.of(PROMPTS_WRITE));
        scoped(rules, HttpMethod.DELETE, "/v1/prompts/*", Set.of(PROMPTS_WRITE));

        scoped(rules, HttpMethod.POST, "/v1/classify", Set.of(CLASSIFY));

        scoped(rules, HttpMethod.GET, "/v2/health/**", Set.of());
        scoped(rules, HttpMethod.GET, "/v2/models/*", Set.of(PROMPTS_READ, CLASSIFY));
        scoped(rules, HttpMethod.GET, "/v2/models/*/ready", Set.of(PROMPTS_READ, CLASSIFY));
        scoped(rules, HttpMethod.POST, "/v2/models/*/infer", Set.of(CLASSIFY));

        scoped(rules, null, "/v1/api-keys", Set.of(ADMIN));
        scoped(rules, null, "/v1/api-keys/**", Set.of(ADMIN));
        scoped(rules, null, "/v1/audit-events", Set.of(ADMIN));
        scoped(rules, null, "/v1/audit-events/**", Set.of(ADMIN));
        RULES = List.copyOf(rules);
        OPEN = new OrRequestMatcher(RULES.stream().filter(Rule::open).map(Rule::matcher).toList());
    }

    private EndpointRules() {
    }

    static void configure(AuthorizeHttpRequestsConfigurer<?>.AuthorizationManagerRequestMatcherRegistry registry) {
        for (Rule rule : RULES) {
            var authorized = registry.requestMatchers(rule.matcher());
            if (rule.open()) {
                authorized.permitAll();
            } else if (rule.anyOf().isEmpty()) {
                authorized.authenticated();
            } else {
                authorized.hasAnyAuthority(rule.anyOf().stream().map(Scope::authority).toArray(String[]::new));
            }
        }
        registry.anyRequest().hasAuthority(ADMIN.authority());
    }

    /** The scopes that would allow this request (admin for anything not listed). */
    static Set<Scope> requiredFor(HttpServletRequest request) {
        Optional<Rule> rule = RULES.stream().filter(r -> r.matcher().matches(request)).findFirst();
        return rule.map(Rule::anyOf).filter(s -> !s.isEmpty()).orElse(Set.of(ADMIN));
    }

    private static void open(List<Rule> rules, HttpMethod method, String pattern) {
        rules.add(new Rule(method, pattern, true, Set.of(), matcher(method, pattern)));
    }

    private static void scoped(List<Rule> rules, HttpMethod method, String pattern, Set<Scope> anyOf) {
        rules.add(new Rule(method, pattern, false, anyOf, matcher(method, pattern)));
    }

    /** A GET rule covers HEAD too (Spring MVC answers HEAD from the GET handler, without the body). */
    private static RequestMatcher matcher(HttpMethod method, String pattern) {
        if (method == null) {
            return PathPatternRequestMatcher.pathPattern(pattern);
        }
        if (method == HttpMethod.GET) {
            return new OrRequestMatcher(PathPatternRequestMatcher.pathPattern(HttpMethod.GET, pattern),
                    PathPatternRequestMatcher.pathPattern(HttpMethod.HEAD, pattern));
        }
        return PathPatternRequestMatcher.pathPattern(method, pattern);
    }
}
