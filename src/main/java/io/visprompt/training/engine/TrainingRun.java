package io.visprompt.training.engine;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.visprompt.model.FrozenModel;
import io.visprompt.model.ModelKind;

/** One execution of {@link PromptTrainer#train}: all arrays it makes belong to {@code manager}, closed by the caller. */
final class TrainingRun {

    private static final long SHUFFLE_STREAM = 0x5348554646L;
    private static final long PLACEMENT_STREAM = 0x504C414345L;
    private static final long PERTURBATION_STREAM = 0x5045525455L;
    /** BlackVIP's (and Spall's) decay exponent of the SPSA perturbation: {@code c_k = c / (k+1)^0.101}. */
    private static final double SPSA_PERTURBATION_DECAY = 0.101;

    private final FrozenModel model;
    private final TrainingSettings settings;
    private final TrainingData data;
    private final TrainingListener listener;
    private final NDManager manager;
    private final boolean clip;
    private final int side;
    private final int classCount;
    private final VisualPrompt prompt;
    private final float[] mask;

    private ClipTextHead textHead;
    private ImageCache train;
    private ImageCache validation;
    private ImageCache test;
    private ImageCache unpromptedTest;
    /** Black-box runs: queries made and their wall time in this attempt, for the rate and the ETA. */
    private long attemptQueries;
    private long attemptQueryNanos;
    private long attemptStartedNanos;

    TrainingRun(FrozenModel model, TrainingSettings settings, TrainingData data, TrainingListener listener,
            NDManager manager) {
        this.model = model;
        this.settings = settings;
        this.data = data;
        this.listener = listener;
        this.manager = manager;
        this.clip = model.descriptor().kind() == ModelKind.CLIP;
        this.side = model.descriptor().inputSize();
        this.classCount = data.classNames().size();
        this.prompt = VisualPrompt.of(settings.template(), settings.promptSize(), side, side);
        this.mask = prompt.mask();
        if (settings.placement() == PromptPlacement.PIXEL_SHRINK && side - 2 * settings.promptSize() < 1) {
            throw new IllegalArgumentException("prompt size " + settings.promptSize() + " leaves no room to shrink a "
                    + side + " px image into");
        }
    }

    TrainingOutcome execute(TrainingCheckpoint resumeFrom) {
        int sourceClasses = clip ? 0 : sourceClassCount();
        if (!clip) {
            LabelAssignment.requireEnoughSources(sourceClasses, classCount);
        }
        if (data.train().isEmpty()) {
            throw new IllegalArgumentException("The training split has no examples");
        }
        loadData();
        if (clip) {
            listener.onPhase(PromptTrainer.PHASE_TEXT_FEATURES);
            textHead = ClipTextHead.encode(model, manager, data.classNames(), templates());
        }

        int stepsPerEpoch = (train.size() + settings.batchSize() - 1) / settings.batchSize();
        long plannedSteps = (long) stepsPerEpoch * settings.epochs();
        // A black-box run stops at the last step its query budget pays for; the schedule spans those steps.
        long totalSteps = settings.optimizer().blackBox() ? settings.blackBox().stepsWithin(plannedSteps)
                : plannedSteps;
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(settings.learningRate(), settings.warmupSteps(),
                totalSteps);
        PromptOptimizer optimizer = PromptOptimizer.of(settings.optimizer(), mask.length, settings.momentum(),
                settings.weightDecay());
        TrainingState.Shape shape = new TrainingState.Shape(settings.seed(), settings.template(),
                settings.promptSize(), settings.placement(), side, side, settings.optimizer(), train.size(),
                settings.batchSize(), settings.epochs());
        TrainingState state = resumeFrom != null ? resume(resumeFrom, shape, optimizer) : start(shape, sourceClasses);

        while (state.completedEpochs < settings.epochs() && state.step < totalSteps) {
            int epoch = state.completedEpochs;
            long epochStarted = System.nanoTime();
            int firstBatch = (int) (state.step - (long) epoch * stepsPerEpoch);
            if (firstBatch == 0) {
                state.startEpoch();
                if (!clip && settings.labelMapping() == LabelMapping.ITERATIVE) {
                    listener.onPhase(PromptTrainer.PHASE_EVALUATING);
                    state.mapping = frequencyMapping(prompt.toTensor(settings.placement(), state.values),
                            sourceClasses);
                    listener.onEvent("label_mapping", "Epoch " + (epoch + 1) + " maps target classes to source classes "
                            + Arrays.toString(state.mapping));
                }
            }
            listener.onPhase(PromptTrainer.PHASE_TRAINING);
            trainEpoch(state, epoch, firstBatch, stepsPerEpoch, totalSteps, schedule, optimizer);

            listener.onPhase(PromptTrainer.PHASE_EVALUATING);
            PromptTensor current = prompt.toTensor(settings.placement(), state.values);
            double validationAccuracy = accuracy(current, state.mapping, validation);
            // Selection uses validation only, never test; without a validation split the last prompt is kept.
            if (state.bestValues == null || Double.isNaN(validationAccuracy)
                    || validationAccuracy > state.bestValidationAccuracy) {
                state.bestValues = state.values.clone();
                state.bestMapping = state.mapping == null ? null : state.mapping.clone();
                state.bestValidationAccuracy = validationAccuracy;
                state.bestEpoch = epoch + 1;
            }
            double seconds = state.epochTrainNanos / 1e9;
            listener.onEpoch(new EpochMetrics(epoch + 1, state.epochLossSum / Math.max(1, state.epochSeen),
                    (double) state.epochCorrect / Math.max(1, state.epochSeen), validationAccuracy,
                    schedule.rate(Math.max(0, state.step - 1)), seconds > 0 ? state.epochSeen / seconds : 0,
                    (System.nanoTime() - epochStarted) / 1_000_000));
            state.completedEpochs = epoch + 1;
            state.startEpoch();
            listener.onCheckpoint(checkpoint(state, optimizer));
            if (state.completedEpochs < settings.epochs()
                    && listener.afterEpoch(state.completedEpochs) == TrainingListener.Control.FINISH) {
                break;
            }
        }

        listener.onPhase(PromptTrainer.PHASE_EVALUATING);
        PromptTensor best = prompt.toTensor(settings.placement(), state.bestValues);
        int[] mapping = clip ? new int[0] : state.bestMapping;
        double mappingOnly = accuracy(null, state.bestMapping, unpromptedTest);
        int[] bareMapping = clip ? null : bareMapping(sourceClasses);
        double baseline = clip || Arrays.equals(bareMapping, state.bestMapping) ? mappingOnly
                : accuracy(null, bareMapping, unpromptedTest);
        double prompted = accuracy(best, state.bestMapping, test);
        listener.onEvent("finished", String.format(Locale.ROOT, "Best validation accuracy %.4f at epoch %d; test "
                + "accuracy %.4f for the bare model, %.4f without prompt under the run's label mapping, %.4f with "
                + "prompt", state.bestValidationAccuracy, state.bestEpoch, baseline, mappingOnly, prompted));
        return new TrainingOutcome(best, mapping, state.bestValidationAccuracy, state.bestEpoch, baseline,
                mappingOnly, prompted, test.size());
    }

    /** The mapping of a classifier that nothing was learned for: by name when the job maps by name, else identity. */
    private int[] bareMapping(int sourceClasses) {
        return settings.labelMapping() == LabelMapping.BY_NAME
                ? LabelAssignment.byName(model.descriptor().labels(), data.classNames())
                : LabelAssignment.identity(sourceClasses, classCount);
    }

    private void trainEpoch(TrainingState state, int epoch, int firstBatch, int stepsPerEpoch, long totalSteps,
            WarmupCosineSchedule schedule, PromptOptimizer optimizer) {
        PromptedForward promptedForward = forward(state.mapping, settings.placement());
        PromptGradient gradients = new PromptGradient(promptedForward, side, side);
        GradientEstimator estimator = settings.optimizer().blackBox()
                ? GradientEstimator.of(settings.optimizer(), settings.blackBox().queriesPerStep()) : null;
        int[] order = BatchStream.shuffledOrder(train.size(), derivedSeed(SHUFFLE_STREAM, epoch));
        try (BatchStream batches = new BatchStream(train, order, settings.batchSize(), firstBatch)) {
            int batchIndex = firstBatch;
            for (BatchStream.Batch batch = batches.next(); batch != null && state.step < totalSteps;
                    batch = batches.next(), batchIndex++) {
                long started = System.nanoTime();
                double rate = schedule.rate(state.step);
                VisualPrompt.Offset offset = prompt.trainingOffset(
                        new SplittableRandom(derivedSeed(PLACEMENT_STREAM, state.step)));
                double loss;
                int correct;
                if (estimator != null) {
                    GradientEstimator.Estimate estimate = estimateFromQueries(estimator, promptedForward, optimizer,
                            state, batch, offset);
                    optimizer.update(state.values, estimate.gradient(), mask, rate);
                    loss = estimate.loss();
                    correct = estimate.correct();
                } else {
                    PromptGradient.Result result = gradients.compute(manager, batch.pixelsNhwc(), batch.labels(),
                            batch.count(), prompt.placed(state.values, offset));
                    optimizer.update(state.values, prompt.storedGradient(result.gradient(), offset), mask, rate);
                    loss = result.loss();
                    correct = result.correct();
                }
                state.step++;
                if (estimator != null) {
                    listener.onQueries(queryUsage(state.step, totalSteps, estimator.queriesPerStep()));
                }
                state.epochLossSum += loss * batch.count();
                state.epochCorrect += correct;
                state.epochSeen += batch.count();
                state.epochTrainNanos += System.nanoTime() - started;

                boolean lastOfEpoch = batchIndex == stepsPerEpoch - 1 || state.step == totalSteps;
                if (settings.checkpointEvery() > 0 && state.step % settings.checkpointEvery() == 0 && !lastOfEpoch) {
                    listener.onCheckpoint(checkpoint(state, optimizer));
                }
                TrainingListener.Control control = listener.onProgress(new TrainingProgress(epoch + 1,
                        settings.epochs(), state.step, totalSteps, rate, loss));
                if (control == TrainingListener.Control.CANCEL) {
                    throw new TrainingCancelled(state.step);
                }
                if (control == TrainingListener.Control.SUSPEND) {
                    listener.onCheckpoint(checkpoint(state, optimizer));
                    throw new TrainingSuspended(state.step);
                }
            }
        }
    }

    /**
     * One black-box gradient estimate for the batch, from loss queries only. SPSA-GC estimates at its look-ahead
     * point with a decaying perturbation; the directions come from the seed and the step, so a resumed run draws
     * the same ones.
     */
    private GradientEstimator.Estimate estimateFromQueries(GradientEstimator estimator, PromptedForward forward,
            PromptOptimizer optimizer, TrainingState state, BatchStream.Batch batch, VisualPrompt.Offset offset) {
        double perturbation = settings.blackBox().perturbation();
        float[] point = state.values;
        if (optimizer instanceof CorrectedMomentum corrected) {
            perturbation /= Math.pow(state.step + 1, SPSA_PERTURBATION_DECAY);
            point = corrected.lookAhead(state.values, mask);
        }
        if (attemptStartedNanos == 0) {
            attemptStartedNanos = System.nanoTime();
        }
        try (BatchLossOracle oracle = new BatchLossOracle(forward, prompt, offset, manager, batch.pixelsNhwc(),
                batch.labels(), batch.count())) {
            try {
                return estimator.estimate(oracle, point, mask, perturbation,
                        new SplittableRandom(derivedSeed(PERTURBATION_STREAM, state.step)));
            } finally {
                attemptQueries += oracle.queries();
                attemptQueryNanos += oracle.queryNanos();
            }
        }
    }

    /** Queries so far (every step spends the same number, so it follows from the step) and the measured rate. */
    private QueryUsage queryUsage(long step, long totalSteps, int queriesPerStep) {
        double elapsedSeconds = (System.nanoTime() - attemptStartedNanos) / 1e9;
        double rate = elapsedSeconds > 0 ? attemptQueries / elapsedSeconds : 0;
        long planned = totalSteps * queriesPerStep;
        long used = step * queriesPerStep;
        return new QueryUsage(used, settings.blackBox().queryBudget(), planned,
                attemptQueries == 0 ? 0 : attemptQueryNanos / 1e6 / attemptQueries, rate,
                rate > 0 ? Math.round((planned - used) / rate) : -1);
    }

    private TrainingState start(TrainingState.Shape shape, int sourceClasses) {
        TrainingState state = new TrainingState(shape);
        state.values = prompt.initialValues(settings.placement(), settings.seed());
        if (!clip) {
            state.mapping = switch (settings.labelMapping()) {
                case IDENTITY -> LabelAssignment.identity(sourceClasses, classCount);
                case BY_NAME -> LabelAssignment.byName(model.descriptor().labels(), data.classNames());
                // Before any prompt is learnt: no prompt on the normalized image, or the zero initial prompt.
                case FREQUENCY -> frequencyMapping(settings.placement() == PromptPlacement.NORMALIZED ? null
                        : prompt.toTensor(settings.placement(), state.values), sourceClasses);
                // Computed at the start of every epoch.
                case ITERATIVE -> null;
            };
            if (state.mapping != null) {
                listener.onEvent("label_mapping", "Target classes map to source classes "
                        + Arrays.toString(state.mapping));
            }
        }
        return state;
    }

    private TrainingState resume(TrainingCheckpoint checkpoint, TrainingState.Shape shape,
            PromptOptimizer optimizer) {
        TrainingState state = TrainingState.fromBytes(checkpoint.state(), shape);
        optimizer.restore(state.optimizerState);
        listener.onEvent("resumed", "Resumed after epoch " + state.completedEpochs + ", step " + state.step);
        return state;
    }

    private TrainingCheckpoint checkpoint(TrainingState state, PromptOptimizer optimizer) {
        state.optimizerState = optimizer.state();
        return new TrainingCheckpoint(state.completedEpochs, state.step, state.toBytes());
    }

    private void loadData() {
        listener.onPhase(PromptTrainer.PHASE_LOADING_DATA);
        // Any prompt tensor of the run's placement prepares images the same way; the values do not matter.
        PromptTensor placementOnly = prompt.toTensor(settings.placement(), new float[mask.length]);
        int valuesPerImage = side * side * 3;
        Function<BufferedImage, float[]> prompted = image -> PromptedClassifier.prepare(model, placementOnly, image);
        train = ImageCache.decode(data.train(), prompted, valuesPerImage);
        validation = ImageCache.decode(data.validation(), prompted, valuesPerImage);
        test = ImageCache.decode(data.test(), prompted, valuesPerImage);
        unpromptedTest = settings.placement() == PromptPlacement.NORMALIZED ? test
                : ImageCache.decode(data.test(), image -> PromptedClassifier.prepare(model, null, image),
                        valuesPerImage);
        listener.onEvent("data_loaded", train.size() + " training, " + validation.size() + " validation"
                + (data.validationSource() == null ? "" : " (" + data.validationSource() + ")") + " and "
                + test.size() + " test images");
    }

    private List<String> templates() {
        List<String> configured = settings.textTemplates();
        return configured != null && !configured.isEmpty() ? configured : model.descriptor().templates();
    }

    /** Source classes of the classifier, from the width of its output on one blank image. */
    private int sourceClassCount() {
        try (NDManager probe = manager.newSubManager()) {
            NDArray blank = probe.zeros(new Shape(1, 3, side, side));
            return (int) model.forward(blank, false).getShape().get(1);
        }
    }

    private PromptedForward forward(int[] mapping, PromptPlacement placement) {
        return new PromptedForward(model, placement, clip ? textHead : new ClassifierLabelHead(mapping));
    }

    private double accuracy(PromptTensor promptTensor, int[] mapping, ImageCache cache) {
        try (PromptedClassifier classifier = new PromptedClassifier(forward(mapping, settings.placement()),
                promptTensor, classCount, manager)) {
            return classifier.accuracy(cache, settings.batchSize());
        }
    }

    /** ILM-VP's mapping: counts of (top source class, target label) over the training set, assigned greedily. */
    private int[] frequencyMapping(PromptTensor promptTensor, int sourceClasses) {
        long[][] counts = new long[sourceClasses][classCount];
        int[] allSources = IntStream.range(0, sourceClasses).toArray();
        try (PromptedClassifier raw = new PromptedClassifier(forward(allSources, settings.placement()),
                promptTensor, sourceClasses, manager)) {
            raw.predict(train, settings.batchSize(), (predicted, label) -> counts[predicted][label]++);
        }
        return LabelAssignment.greedyOneToOne(counts);
    }

    /** An independent seed per (stream, index), so any step's randomness is reproducible without replaying. */
    private long derivedSeed(long stream, long index) {
        return mix(mix(settings.seed() ^ stream) + index);
    }

    private static long mix(long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
