package io.visprompt.security;

import java.io.IOException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.util.UrlPathHelper;

/**
 * Writes one {@code audit_events} row per mutating request (POST, PUT, PATCH, DELETE), refused ones included, once
 * its status is known. It runs outside the Spring Security filter chain, so 401, 403 and 429 refusals are recorded
 * too; the caller comes from request attributes the chain sets. Inference requests change nothing stored and are
 * left out unless {@code visprompt.security.audit.inference=true}. A failed write is logged and counted
 * ({@code visprompt.audit.write.failures}); it does not fail the request, whose response is already on its way.
 * Requests without a valid key are recorded up to {@link AnonymousAuditLimit}; the rest are only counted
 * ({@code visprompt.audit.anonymous.dropped}).
 */
final class AuditFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(AuditFilter.class);
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final int MAX_PATH = 2000;
    private static final int MAX_ID = 200;
    private static final Pattern TEMPLATE_VARIABLE = Pattern.compile("\\{([^}:]+)(?::[^}]*)?}");
    private static final Map<String, String> RESOURCE_TYPES = Map.of("datasets", "dataset", "training-jobs",
            "training_job", "prompts", "prompt", "api-keys", "api_key", "classify", "classification",
            "audit-events", "audit_event", "models", "prompt");

    private final AuditLog audit;
    private final Clock clock;
    private final boolean includeInference;
    private final Counter failures;
    private final AnonymousAuditLimit anonymous;
    private final Counter anonymousDropped;

    AuditFilter(AuditLog audit, Clock clock, boolean includeInference, AnonymousAuditLimit anonymous,
            MeterRegistry meters) {
        this.audit = audit;
        this.clock = clock;
        this.includeInference = includeInference;
        this.anonymous = anonymous;
        this.failures = Counter.builder("visprompt.audit.write.failures")
                .description("Audit events that could not be written").register(meters);
        this.anonymousDropped = Counter.builder("visprompt.audit.anonymous.dropped")
                .description("Requests without a valid key not recorded: over the anonymous audit limit")
                .register(meters);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !MUTATING.contains(request.getMethod())
                || (!includeInference && EndpointRules.INFERENCE.matches(request));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException e) {
            record(request, response, 500);
            throw e;
        }
        if (request.isAsyncStarted()) {
            request.getAsyncContext().addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    record(request, response, response.getStatus());
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                }

                @Override
                public void onError(AsyncEvent event) {
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                }
            });
            return;
        }
        record(request, response, response.getStatus());
    }

    private void record(HttpServletRequest request, HttpServletResponse response, int status) {
        try {
            Caller caller = request.getAttribute(Caller.ATTRIBUTE) instanceof Caller c ? c : null;
            if (caller == null && !anonymous.allow(request.getRemoteAddr())) {
                anonymousDropped.increment();
                return;
            }
            String prefix = caller != null ? caller.keyPrefix()
                    : (String) request.getAttribute(Caller.PRESENTED_PREFIX_ATTRIBUTE);
            String path = request.getRequestURI();
            Resource resource = resource(request.getMethod(), route(request), response.getHeader(HttpHeaders.LOCATION));
            audit.append(new AuditLog.AuditEvent(null, clock.instant().truncatedTo(ChronoUnit.MICROS),
                    caller != null ? caller.tenant().id() : null, prefix, request.getMethod(),
                    truncate(path, MAX_PATH), resource.type(), truncate(resource.id(), MAX_ID), resource.action(),
                    status));
        } catch (RuntimeException e) {
            failures.increment();
            log.error("Could not write the audit event of {} {} ({})", request.getMethod(), request.getRequestURI(),
                    status, e);
        }
    }

    record Resource(String type, String id, String action) {
    }

    /**
     * The decoded path of what handled the request: the matched controller pattern with its (decoded) variables,
     * else (refused before a controller, e.g. 401) the decoded path as Spring MVC reads it. Never the raw URI, in
     * which {@code /%761/datasets} would not look like {@code /v1/datasets}.
     */
    static String route(HttpServletRequest request) {
        if (request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE) instanceof String pattern
                && !pattern.contains("*")
                && request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> variables) {
            Matcher variable = TEMPLATE_VARIABLE.matcher(pattern);
            StringBuilder route = new StringBuilder();
            while (variable.find()) {
                Object value = variables.get(variable.group(1));
                variable.appendReplacement(route, Matcher.quoteReplacement(value == null ? "" : value.toString()));
            }
            return variable.appendTail(route).toString();
        }
        return UrlPathHelper.defaultInstance.getPathWithinApplication(request);
    }

    /**
     * What a request acted on, read from its path: {@code /v1/<collection>[/<id>[/<verb>]]} or
     * {@code /v2/models/<id>/<verb>}. A create's id comes from the response's {@code Location}.
     */
    static Resource resource(String method, String path, String location) {
        String[] segments = path.replaceFirst("^/+", "").split("/");
        if (segments.length < 2 || !(segments[0].equals("v1") || segments[0].equals("v2"))) {
            return new Resource(null, null, method.toLowerCase(Locale.ROOT)); // OPTIONS, not optıons
        }
        String collection = segments[1];
        String type = RESOURCE_TYPES.getOrDefault(collection, collection);
        String id = segments.length > 2 ? segments[2] : null;
        String verb = segments.length > 3 ? segments[3] : null;
        if (id == null && "POST".equals(method) && location != null) {
            id = location.substring(location.lastIndexOf('/') + 1);
        }
        String action;
        if (verb != null) {
            action = verb;
        } else if ("classify".equals(collection)) {
            action = "classify";
        } else {
            action = switch (method) {
                case "POST" -> "create";
                case "DELETE" -> "api-keys".equals(collection) ? "revoke" : "delete";
                default -> "update";
            };
        }
        return new Resource(type, id, action);
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
