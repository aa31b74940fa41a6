package io.visprompt.training.engine;

/** The prompt optimizers, each with the learning rate it is used with when a job does not set one. */
public enum OptimizerKind {
    /** SGD with momentum, as in Bahng et al. (lr 40). */
    SGD(40.0),
    /** SGD whose step is lr * g / ||g||_2 (EVP); about 3 works on small prompts, 30 already collapses. */
    NORMALIZED_SGD(3.0),
    /** {@code torch.optim.Adam}, as ILM-VP trains prompts for plain CNNs (lr 0.01, PyTorch's default). */
    ADAM(0.01),
    /**
     * Black-box: BlackVIP's SPSA with gradient correction (Nesterov look-ahead momentum), from queries only; the
     * model is never differentiated.
     */
    SPSA_GC(0.04),
    /** Black-box: BAR's random gradient-free estimate (Gaussian directions, forward differences) with momentum SGD. */
    RGF(0.04);

    private final double defaultLearningRate;

    OptimizerKind(double defaultLearningRate) {
        this.defaultLearningRate = defaultLearningRate;
    }

    public double defaultLearningRate() {
        return defaultLearningRate;
    }

    /** Whether the optimizer learns from queries alone (loss values), never from the model's gradient. */
    public boolean blackBox() {
        return this == SPSA_GC || this == RGF;
    }

    /** The name in the API and in stored settings, such as {@code normalized_sgd}. */
    public String wireName() {
        return WireNames.of(this);
    }

    /** The constant with this API name (any case), whatever the default locale. */
    public static OptimizerKind fromWire(String name) {
        return WireNames.parse(OptimizerKind.class, name);
    }
}
