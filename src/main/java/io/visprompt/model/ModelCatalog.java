package io.visprompt.model;

import java.util.List;
import java.util.Optional;

/** The models this deployment offers, from configuration. */
public interface ModelCatalog {

    List<ModelDescriptor> models();

    Optional<ModelDescriptor> find(String id);

    /** Loads (once, then shared) the model with the given id; throws {@link UnknownModelException} for an unknown id. */
    FrozenModel load(String id);
}
