package io.visprompt.security;

import io.visprompt.config.Tenant;
import org.springframework.stereotype.Component;

/** Quotas from configuration: the defaults, overridden per tenant. */
@Component
class ConfiguredQuotas implements Quotas {

    private final ApiSecurityProperties.QuotaDefaults defaults;

    ConfiguredQuotas(ApiSecurityProperties properties) {
        this.defaults = properties.quotas();
    }

    @Override
    public Quota of(Tenant tenant) {
        ApiSecurityProperties.QuotaOverride o = defaults.tenants().get(tenant.id());
        if (o == null) {
            return new Quota(defaults.datasetBytes(), defaults.concurrentJobs(), defaults.inferencePerSecond(),
                    defaults.inferenceBurst());
        }
        return new Quota(o.datasetBytes() != null ? o.datasetBytes() : defaults.datasetBytes(),
                o.concurrentJobs() != null ? o.concurrentJobs() : defaults.concurrentJobs(),
                o.inferencePerSecond() != null ? o.inferencePerSecond() : defaults.inferencePerSecond(),
                o.inferenceBurst() != null ? o.inferenceBurst() : defaults.inferenceBurst());
    }
}
