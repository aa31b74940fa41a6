package io.visprompt.training.engine;

public enum OptimizerKind {
    /** SGD with momentum, as in Bahng et al. */
    SGD,
    /** SGD whose step is lr * g / ||g||_2 (EVP). */
    NORMALIZED_SGD;

    /** The name in the API and in stored settings, such as {@code normalized_sgd}. */
    public String wireName() {
        return WireNames.of(this);
    }

    /** The constant with this API name (any case), whatever the default locale. */
    public static OptimizerKind fromWire(String name) {
        return WireNames.parse(OptimizerKind.class, name);
    }
}
