/**
 * Access control for the HTTP API, on Spring Security: bearer API keys ({@code vp_<prefix>_<secret>}, stored as a
 * prefix and a SHA-256) with scopes and a tenant, the scope each endpoint needs, per-tenant quotas and inference
 * rate limits, the audit trail of mutating requests, and the first admin key. Depends on no feature module;
 * features use {@link io.visprompt.security.Quotas} and receive the caller's {@link io.visprompt.config.Tenant} as a
 * controller argument.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Security", allowedDependencies = {"config"})
package io.visprompt.security;
