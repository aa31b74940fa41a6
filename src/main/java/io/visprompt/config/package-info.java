/**
 * Cross-cutting set-up that depends on no feature: the clock, RFC 9457 problem responses, the embedded
 * PostgreSQL default and the OpenAPI description.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Config")
package io.visprompt.config;
