package io.visprompt.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.context.annotation.Primary;
import org.springframework.stereotype.Component;

import io.visprompt.config.Tenant;

/** Configured models first (their ids win), then uploaded ones, each visible to its tenant only. */
@Primary
@Component
class TenantModelCatalog implements ModelCatalog {

    private final ConfiguredModelCatalog configured;
    private final UploadedModels uploaded;

    TenantModelCatalog(ConfiguredModelCatalog configured, UploadedModels uploaded) {
        this.configured = configured;
        this.uploaded = uploaded;
    }

    @Override
    public List<ModelDescriptor> models() {
        return configured.models();
    }

    @Override
    public List<ModelDescriptor> models(Tenant tenant) {
        List<ModelDescriptor> all = new ArrayList<>(configured.models());
        uploaded.list(tenant).forEach(model -> all.add(model.descriptor()));
        return all;
    }

    @Override
    public Optional<ModelDescriptor> find(String id) {
        Optional<ModelDescriptor> model = configured.find(id);
        return model.isPresent() ? model : uploaded.findAny(id).map(UploadedModel::descriptor);
    }

    @Override
    public Optional<ModelDescriptor> find(Tenant tenant, String id) {
        Optional<ModelDescriptor> model = configured.find(id);
        return model.isPresent() ? model : uploaded.find(tenant, id).map(UploadedModel::descriptor);
    }

    @Override
    public FrozenModel load(String id) {
        return configured.find(id).isPresent() ? configured.load(id) : uploaded.load(id);
    }
}
