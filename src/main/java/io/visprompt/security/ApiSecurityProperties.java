package io.visprompt.security;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code visprompt.security.*}.
 *
 * @param bootstrapKey     an admin key ({@code vp_<prefix>_<secret>}) that must exist; stored hashed at startup
 *                         (env {@code VISPROMPT_BOOTSTRAP_KEY}, e.g. from a Kubernetes Secret)
 * @param bootstrapKeyFile where the first start on an empty database writes the admin key it generates (mode 600)
 * @param keyCacheTtl      how long a process trusts a key it looked up; a revoked key stops working within this
 * @param audit            what the audit trail records
 * @param quotas           per-tenant limits: defaults, and overrides under {@code tenants.<tenant>}
 */
@ConfigurationProperties("visprompt.security")
record ApiSecurityProperties(String bootstrapKey, @DefaultValue("./data/admin.key") Path bootstrapKeyFile,
        @DefaultValue("3s") Duration keyCacheTtl, @DefaultValue Audit audit, @DefaultValue QuotaDefaults quotas) {

    /**
     * @param inference          also record {@code POST /v1/classify} and {@code /v2/models/{id}/infer}, which change
     *                           nothing stored (off by default: one row per classification)
     * @param retention          how long events are kept; older ones are deleted by a housekeeping task
     * @param retentionInterval  how often that task runs (one process at a time does the work)
     * @param anonymousPerSecond rows per second recorded for requests without a valid key, per remote address (a
     *                           token bucket of {@code anonymousBurst}); all addresses together get ten times both.
     *                           Requests over it are only counted ({@code visprompt.audit.anonymous.dropped})
     * @param anonymousBurst     the bucket's size
     */
    record Audit(@DefaultValue("false") boolean inference, @DefaultValue("90d") Duration retention,
            @DefaultValue("1h") Duration retentionInterval, @DefaultValue("1") double anonymousPerSecond,
            @DefaultValue("20") int anonymousBurst) {
    }

    record QuotaDefaults(@DefaultValue("10GB") DataSize datasetBytes, @DefaultValue("10") int concurrentJobs,
            @DefaultValue("20") double inferencePerSecond, @DefaultValue("40") int inferenceBurst,
            Map<String, QuotaOverride> tenants) {

        QuotaDefaults {
            tenants = tenants == null ? Map.of() : Map.copyOf(tenants);
        }
    }

    /** One tenant's limits; what is left out is the default. */
    record QuotaOverride(DataSize datasetBytes, Integer concurrentJobs, Double inferencePerSecond,
            Integer inferenceBurst) {
    }
}
