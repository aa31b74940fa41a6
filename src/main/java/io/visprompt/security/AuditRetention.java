package io.visprompt.security;

import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes audit events older than {@code visprompt.security.audit.retention} (90 days unless set), in batches, every
 * {@code retention-interval}. Every process runs it; an advisory lock lets one at a time do the work.
 */
@Component
class AuditRetention {

    private static final Logger log = LoggerFactory.getLogger(AuditRetention.class);
    private static final int BATCH = 10_000;

    private final AuditLog audit;
    private final Clock clock;
    private final Duration retention;

    AuditRetention(AuditLog audit, Clock clock, ApiSecurityProperties properties) {
        this.audit = audit;
        this.clock = clock;
        this.retention = properties.audit().retention();
    }

    @Scheduled(initialDelayString = "${visprompt.security.audit.retention-interval:1h}",
            fixedDelayString = "${visprompt.security.audit.retention-interval:1h}")
    long deleteExpired() {
        long deleted = 0;
        int batch;
        do {
            batch = audit.deleteBefore(clock.instant().minus(retention), BATCH);
            deleted += batch;
        } while (batch == BATCH);
        if (deleted > 0) {
            log.info("Deleted {} audit events older than {}", deleted, retention);
        }
        return deleted;
    }
}
