package io.visprompt.security;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The HTTP API's security: stateless bearer API keys (no sessions, no CSRF: there is no cookie to ride on),
 * authorization by {@link EndpointRules}, problem+json refusals, the inference rate limit, the audit trail and the
 * {@link io.visprompt.config.Tenant} controller argument.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    /**
     * For the web console and Swagger UI, which load only their own scripts (ES modules and files, no inline script)
     * and styles, show images from blob: and data: URLs, and call only this origin. Inline styles stay allowed: the
     * console sets bar widths with style attributes.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** Runs just outside Spring Security's filter chain, so that it sees the chain's refusals. */
    static final int AUDIT_FILTER_ORDER = SecurityFilterProperties.DEFAULT_FILTER_ORDER - 1;

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, ApiKeyAuthenticationProvider keys, Quotas quotas,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver, MeterRegistry meters)
            throws Exception {
        SecurityProblems problems = new SecurityProblems(resolver);
        RequestAttributeSecurityContextRepository contexts = new RequestAttributeSecurityContextRepository();

        AuthenticationFilter bearer = new AuthenticationFilter(new ProviderManager(timed(keys, meters)),
                SecurityConfiguration::bearerKey);
        bearer.setRequestMatcher(new NegatedRequestMatcher(EndpointRules.OPEN));
        bearer.setSecurityContextRepository(contexts);
        bearer.setSuccessHandler((request, response, authentication) ->
                request.setAttribute(Caller.ATTRIBUTE, authentication.getPrincipal()));
        bearer.setFailureHandler(problems::unauthenticated);

        return http
                .csrf(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .headers(headers -> headers
                        .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.NO_REFERRER)))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .securityContext(c -> c.securityContextRepository(contexts))
                .exceptionHandling(e -> e.authenticationEntryPoint(problems::unauthenticated)
                        .accessDeniedHandler(problems::forbidden))
                .authorizeHttpRequests(authorize -> {
                    // the REQUEST dispatch was authorized; its forwards, async and error dispatches need no new check
                    authorize.dispatcherTypeMatchers(DispatcherType.FORWARD, DispatcherType.ASYNC, DispatcherType.ERROR)
                            .permitAll();
                    EndpointRules.configure(authorize);
                })
                .addFilterAfter(new DatabaseUnavailableFilter(resolver), HeaderWriterFilter.class)
                .addFilterBefore(bearer, AnonymousAuthenticationFilter.class)
                .addFilterAfter(new InferenceRateLimitFilter(new TokenBuckets(quotas, System::nanoTime), quotas, problems),
                        AuthorizationFilter.class)
                .build();
    }

    /**
     * No Spring Security observations: with any {@code ObservationRegistry} in the context Spring Security wraps every
     * filter of the chain in an observation decorator, even when {@code management.observations.enable.spring.security}
     * turns the observations themselves off; under {@code bench/classify-load.sh} the decorator was about a tenth
     * of the request threads' Java samples (JFR). {@code http.server.requests} and
     * {@code visprompt.security.authentication} still time every request and key check.
     */
    @Bean
    SecurityObservationSettings noSecurityObservations() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    FilterRegistrationBean<AuditFilter> auditFilter(AuditLog audit, Clock clock, ApiSecurityProperties properties,
            MeterRegistry meters) {
        FilterRegistrationBean<AuditFilter> registration = new FilterRegistrationBean<>(
                new AuditFilter(audit, clock, properties.audit().inference(), new AnonymousAuditLimit(
                        properties.audit().anonymousPerSecond(), properties.audit().anonymousBurst(), System::nanoTime),
                        meters));
        registration.setOrder(AUDIT_FILTER_ORDER);
        return registration;
    }

    @Bean
    WebMvcConfigurer tenantArgument() {
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(new TenantArgumentResolver());
            }
        };
    }

    /**
     * The key check, timed ({@code visprompt.security.authentication}): with the key cache warm it is a hash and a
     * map lookup; a miss adds a database round trip. The serving benchmark prints it next to the classify phases.
     */
    private static AuthenticationProvider timed(ApiKeyAuthenticationProvider keys, MeterRegistry meters) {
        Timer timer = Timer.builder("visprompt.security.authentication")
                .description("Checking a presented API key (the key cache, else the database)").register(meters);
        return new AuthenticationProvider() {
            @Override
            public Authentication authenticate(Authentication authentication) {
                long start = System.nanoTime();
                try {
                    return keys.authenticate(authentication);
                } finally {
                    timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public boolean supports(Class<?> authentication) {
                return keys.supports(authentication);
            }
        };
    }

    /** {@code Authorization: Bearer <key>}; no such header: no key (anonymous, refused where a key is needed). */
    private static ApiKeyAuthentication bearerKey(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return null;
        }
        String key = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : "";
        ApiKeyFormat.prefixOf(key).ifPresent(prefix -> request.setAttribute(Caller.PRESENTED_PREFIX_ATTRIBUTE, prefix));
        return ApiKeyAuthentication.presented(key);
    }
}
