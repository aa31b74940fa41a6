package io.visprompt.remote;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Remote endpoint settings ({@code visprompt.remote.*}).
 *
 * @param connectTimeout       to open a connection
 * @param requestTimeout       for one request's answer (a hanging endpoint counts as an error and is retried)
 * @param maxAttempts          tries of one query (429, 5xx, timeouts, connection errors are retried)
 * @param initialBackoff       the first wait between tries; doubled each time, with full jitter
 * @param maxBackoff           the longest wait between tries (also caps a Retry-After)
 * @param maxInFlight          queries in flight at once per endpoint, over all jobs of this process
 * @param secretEnvPrefix      an auth header's environment variable must start with this, so a registration cannot
 *                             read any other variable of the process (a database password)
 * @param secretDirectory      an auth header's secret file must lie under this directory (a mounted Secret)
 */
@ConfigurationProperties("visprompt.remote")
record RemoteProperties(@DefaultValue("2s") Duration connectTimeout, @DefaultValue("30s") Duration requestTimeout,
        @DefaultValue("5") int maxAttempts, @DefaultValue("200ms") Duration initialBackoff,
        @DefaultValue("5s") Duration maxBackoff, @DefaultValue("4") int maxInFlight,
        @DefaultValue("VISPROMPT_REMOTE_SECRET_") String secretEnvPrefix,
        @DefaultValue("/var/run/secrets/visprompt") Path secretDirectory) {
}
