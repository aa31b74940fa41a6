package io.visprompt.training.engine;

public enum OptimizerKind {
    /** SGD with momentum, as in Bahng et al. */
    SGD,
    /** SGD whose step is lr * g / ||g||_2 (EVP). */
    NORMALIZED_SGD
}
