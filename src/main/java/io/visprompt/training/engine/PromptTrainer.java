package io.visprompt.training.engine;

import ai.djl.ndarray.NDManager;
import io.visprompt.model.FrozenModel;

/**
 * Learns a visual prompt for a frozen model (Bahng et al.). Each epoch trains on the training split, evaluates on
 * the validation split and keeps the prompt with the best validation accuracy; the test split is used once, at the
 * end, to report accuracy without and with that prompt. Runs on the calling thread (plus one thread that assembles
 * batches); on CPU a given seed gives the same prompt, bit for bit, also across a suspend and resume.
 */
public final class PromptTrainer {

    public static final String PHASE_LOADING_DATA = "loading_data";
    public static final String PHASE_TEXT_FEATURES = "computing_text_features";
    public static final String PHASE_TRAINING = "training";
    public static final String PHASE_EVALUATING = "evaluating";

    private final FrozenModel model;
    private final TrainingSettings settings;

    public PromptTrainer(FrozenModel model, TrainingSettings settings) {
        requirePositive("epochs", settings.epochs());
        requirePositive("batch size", settings.batchSize());
        requirePositive("prompt size", settings.promptSize());
        if (!(settings.learningRate() > 0)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + settings.learningRate());
        }
        if (settings.momentum() < 0 || settings.momentum() >= 1) {
            throw new IllegalArgumentException("momentum must be in [0,1), got " + settings.momentum());
        }
        if (settings.weightDecay() < 0 || settings.warmupSteps() < 0 || settings.checkpointEvery() < 0) {
            throw new IllegalArgumentException("weight decay, warm-up steps and checkpoint interval must be >= 0");
        }
        if (settings.optimizer().blackBox()) {
            BlackBoxSettings blackBox = settings.blackBox();
            // Also fails early on a query count the estimator cannot use (odd for SPSA).
            GradientEstimator estimator = GradientEstimator.of(settings.optimizer(), blackBox.queriesPerStep());
            if (!(blackBox.perturbation() > 0)) {
                throw new IllegalArgumentException("perturbation must be positive, got " + blackBox.perturbation());
            }
            if (blackBox.queryBudget() < 0 || blackBox.queryBudget() > 0
                    && blackBox.queryBudget() < estimator.queriesPerStep()) {
                throw new IllegalArgumentException("a query budget of " + blackBox.queryBudget()
                        + " does not pay for one step of " + estimator.queriesPerStep() + " queries");
            }
        }
        // Fails early on a prompt that does not fit the model's input.
        VisualPrompt.of(settings.template(), settings.promptSize(), model.descriptor().inputSize(),
                model.descriptor().inputSize());
        this.model = model;
        this.settings = settings;
    }

    /**
     * @param resumeFromOrNull a checkpoint from an earlier run with the same settings and data, or null
     * @throws TrainingCancelled        when the listener answers {@code CANCEL}
     * @throws TrainingSuspended        after a checkpoint, when the listener answers {@code SUSPEND}
     * @throws IllegalArgumentException when the task does not fit the model (for example more classes than a
     *                                  classifier has) or the checkpoint belongs to another run
     */
    public TrainingOutcome train(TrainingData data, TrainingListener listener, TrainingCheckpoint resumeFromOrNull) {
        if (data.classNames().isEmpty()) {
            throw new IllegalArgumentException("The task has no classes");
        }
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            return new TrainingRun(model, settings, data, listener, manager).execute(resumeFromOrNull);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
