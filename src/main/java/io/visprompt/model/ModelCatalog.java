package io.visprompt.model;

import java.util.List;
import java.util.Optional;

import io.visprompt.config.Tenant;

/**
 * The models this deployment offers: those from configuration, visible to every tenant, and those a tenant uploaded,
 * visible to that tenant only.
 */
public interface ModelCatalog {

    /** The configured models. */
    List<ModelDescriptor> models();

    /** Any model by id, whoever owns it: for references checked when they were made (a job's, a prompt's model). */
    Optional<ModelDescriptor> find(String id);

    /** Loads (once, then shared) the model with the given id; throws {@link UnknownModelException} for an unknown id. */
    FrozenModel load(String id);

    /** The configured models and the tenant's own. */
    default List<ModelDescriptor> models(Tenant tenant) {
        return models();
    }

    /** A model the tenant may use: a configured one or its own upload; another tenant's reads as unknown. */
    default Optional<ModelDescriptor> find(Tenant tenant, String id) {
        return find(id);
    }
}
