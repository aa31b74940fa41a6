package io.visprompt.model.internal;

import java.util.List;

import ai.djl.ndarray.NDArray;
import io.visprompt.model.FrozenModel;

/** A frozen model together with the native resources it holds. */
public interface LoadedModel extends FrozenModel, AutoCloseable {

    /** The weights of every TorchScript module of the model (shared with the model, do not close or modify). */
    List<NDArray> weights();

    @Override
    void close();
}
