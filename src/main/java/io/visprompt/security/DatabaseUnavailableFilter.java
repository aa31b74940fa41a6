package io.visprompt.security;

import java.io.IOException;

import io.visprompt.config.DatabaseUnavailable;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * The key lookup runs in the security filter chain, outside Spring MVC's exception handling: when it cannot reach
 * PostgreSQL, this answers 503 {@code database_unavailable} with {@code Retry-After} through the same advice as a
 * controller's failure, instead of letting the exception escape to a 500 error page.
 */
final class DatabaseUnavailableFilter extends OncePerRequestFilter {

    private final HandlerExceptionResolver resolver;

    DatabaseUnavailableFilter(HandlerExceptionResolver resolver) {
        this.resolver = resolver;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (RuntimeException e) {
            if (!DatabaseUnavailable.causedBy(e) || response.isCommitted()) {
                throw e;
            }
            response.resetBuffer();
            resolver.resolveException(request, response, null,
                    e instanceof DataAccessResourceFailureException ? e
                            : new DataAccessResourceFailureException("The database is unavailable", e));
        }
    }
}
