/**
 * Cross-cutting set-up that depends on no feature: the clock, RFC 9457 problem responses, the embedded
 * PostgreSQL default, the OpenAPI description and the {@link io.visprompt.config.Tenant} that owns resources.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Config", allowedDependencies = {})
package io.visprompt.config;
