package io.visprompt.security;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@code POST /v1/classify} and {@code POST /v2/models/{id}/infer}: 429 {@code rate_limited} with
 * {@code Retry-After} once the caller's tenant has used its token bucket. Runs after authorization, so only
 * authenticated, permitted requests spend tokens.
 */
final class InferenceRateLimitFilter extends OncePerRequestFilter {

    private final TokenBuckets buckets;
    private final Quotas quotas;
    private final SecurityProblems problems;

    InferenceRateLimitFilter(TokenBuckets buckets, Quotas quotas, SecurityProblems problems) {
        this.buckets = buckets;
        this.quotas = quotas;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !EndpointRules.INFERENCE.matches(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
            long waitNanos = buckets.take(caller.tenant());
            if (waitNanos > 0) {
                long seconds = waitNanos == Long.MAX_VALUE ? 3600 : Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
                problems.rateLimited(request, response, seconds, quotas.of(caller.tenant()).inferencePerSecond());
                return;
            }
        }
        chain.doFilter(request, response);
    }
}
