package io.visprompt.security;

import java.io.IOException;
import java.util.Comparator;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import io.visprompt.config.ApiProblem;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Refusals from the filter chain, rendered by the same {@code @RestControllerAdvice} as every other error (through
 * Spring MVC's {@link HandlerExceptionResolver}), so they are {@code application/problem+json} with a {@code code}:
 * {@code unauthenticated} (401, {@code WWW-Authenticate: Bearer}), {@code forbidden} (403, naming the scopes that
 * would allow the request) and {@code rate_limited} (429, {@code Retry-After}).
 */
final class SecurityProblems {

    private final HandlerExceptionResolver resolver;

    SecurityProblems(HandlerExceptionResolver resolver) {
        this.resolver = resolver;
    }

    void unauthenticated(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        boolean presented = request.getHeader(HttpHeaders.AUTHORIZATION) != null;
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, presented
                ? "Bearer realm=\"visprompt\", error=\"invalid_token\", error_description=\"unknown or revoked API key\""
                : "Bearer realm=\"visprompt\"");
        render(request, response, new ApiProblem(HttpStatus.UNAUTHORIZED, "unauthenticated", presented
                ? "The API key is unknown, revoked or malformed"
                : "This endpoint needs an API key: send Authorization: Bearer <key>"));
    }

    void forbidden(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        Set<Scope> required = EndpointRules.requiredFor(request);
        String names = String.join(" or ", required.stream().sorted(Comparator.naturalOrder()).map(Scope::wireName).toList());
        render(request, response, new ApiProblem(HttpStatus.FORBIDDEN, "forbidden",
                "This API key lacks the scope " + names + " that " + request.getMethod() + " "
                        + request.getRequestURI() + " needs")
                .with("required_scopes", required.stream().sorted().map(Scope::wireName).toList()));
    }

    void rateLimited(HttpServletRequest request, HttpServletResponse response, long retryAfterSeconds, double perSecond)
            throws IOException {
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
        render(request, response, new ApiProblem(HttpStatus.TOO_MANY_REQUESTS, "rate_limited",
                "Too many inference requests for this tenant (" + perSecond + " per second); retry after "
                        + retryAfterSeconds + " s")
                .with("retry_after_seconds", retryAfterSeconds));
    }

    private void render(HttpServletRequest request, HttpServletResponse response, ApiProblem problem)
            throws IOException {
        ModelAndView handled = resolver.resolveException(request, response, null, problem);
        if (handled == null && !response.isCommitted()) {
            response.sendError(problem.status().value(), problem.getMessage());
        }
    }
}
