package io.visprompt.config;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A worker-only process ({@code visprompt.api.enabled=false}) keeps its health and metrics endpoints but serves
 * no API, so a load balancer never routes users to it. It runs before the security filters: the answer is 404
 * with or without an API key. The path is matched as Spring MVC and Spring Security read it (decoded, segment by
 * segment), so {@code /%761/models} is {@code /v1/models}; paths that could be read two ways are refused first by
 * the same firewall as the security filters (400 {@code ambiguous_request}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
@ConditionalOnProperty(name = "visprompt.api.enabled", havingValue = "false")
class ApiRoleFilter extends OncePerRequestFilter {

    private static final RequestMatcher API = new OrRequestMatcher(PathPatternRequestMatcher.pathPattern("/v1/**"),
            PathPatternRequestMatcher.pathPattern("/v2/**"));

    private final HttpFirewall firewall;
    private final RequestRejectedHandler rejected;

    ApiRoleFilter(HttpFirewall firewall, RequestRejectedHandler rejected) {
        this.firewall = firewall;
        this.rejected = rejected;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            firewall.getFirewalledRequest(request);
        } catch (RequestRejectedException e) {
            rejected.handle(request, response, e);
            return;
        }
        if (API.matches(request)) {
            response.setStatus(HttpStatus.NOT_FOUND.value());
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.getWriter().write("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                    + "\"code\":\"api_disabled\",\"detail\":\"This is a worker-only process; use an API process\"}");
            return;
        }
        chain.doFilter(request, response);
    }
}
