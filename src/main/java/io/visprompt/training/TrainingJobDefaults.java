package io.visprompt.training;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.visprompt.dataset.DatasetSummary;
import io.visprompt.dataset.Split;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import io.visprompt.training.engine.LabelMapping;
import io.visprompt.training.engine.OptimizerKind;
import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;

/**
 * Fills a request's gaps with the paper's defaults (Bahng et al.: padding 30 at 224 px, SGD lr 40, momentum 0.9,
 * 1000 warm-up steps then cosine, batch 256 for CLIP and 128 otherwise) and checks what depends on the model and
 * dataset. Every refusal names the field. The one copy of these defaults: {@code GET /v1/training-jobs/defaults}
 * shows them (the console reads them there). Two defaults are adapted to the job: the learning rate is the chosen
 * optimizer's ({@link OptimizerKind#defaultLearningRate()}), and the warm-up is at most a tenth of the job's steps
 * ({@link #defaultWarmupSteps}), because the paper's 1000 steps assume 1000 epochs.
 */
final class TrainingJobDefaults {

    static final PromptTemplate TEMPLATE = PromptTemplate.PADDING;
    static final PromptPlacement PLACEMENT = PromptPlacement.NORMALIZED;
    static final LabelMapping LABEL_MAPPING = LabelMapping.IDENTITY;
    static final OptimizerKind OPTIMIZER = OptimizerKind.SGD;
    static final int PAPER_PROMPT_SIZE = 30;
    static final int PAPER_INPUT_SIZE = 224;
    static final int BATCH_SIZE_CLIP = 256;
    static final int BATCH_SIZE_CLASSIFIER = 128;
    /** The default optimizer's; each optimizer has its own ({@link OptimizerKind#defaultLearningRate()}). */
    static final double LEARNING_RATE = OPTIMIZER.defaultLearningRate();
    static final double MOMENTUM = 0.9;
    static final double WEIGHT_DECAY = 0.0;
    /** The paper's warm-up: the most a job given none gets ({@link #defaultWarmupSteps}). */
    static final int WARMUP_STEPS = 1000;
    /** A job given no warm-up warms up for 1/10 of its steps, at most {@link #WARMUP_STEPS}. */
    static final int DEFAULT_WARMUP_DIVISOR = 10;
    /** A given warm-up longer than this share of the job's steps is accepted with a {@code warning_warmup} event. */
    static final double WARMUP_WARNING_SHARE = 0.5;
    static final long SEED = 0L;
    static final int CHECKPOINT_EVERY = 200;
    /** Black-box optimizers: BlackVIP averages 5 SPSA directions (10 queries); RGF gets 9 directions + the point. */
    static final int QUERIES_PER_STEP = 10;
    /** The finite-difference step c, on prompt values of the order of 1. */
    static final double PERTURBATION = 0.01;
    /** Training queries a black-box job given no budget may make. */
    static final long QUERY_BUDGET = 20_000;

    private TrainingJobDefaults() {
    }

    /**
     * What {@code GET /v1/training-jobs/defaults} shows: each setting's default, its choices, per model, and the job
     * statuses in lifecycle order (what {@code GET /v1/training-jobs?status=} takes).
     */
    record View(String object, PromptView prompt, OutputView output, HyperparameterView hyperparameters,
            Map<String, ModelDefaults> models, List<String> statuses) {
    }

    record PromptView(String template, List<String> templates, String placement, List<String> placements,
            int paperSize, int paperInputSize) {
    }

    record OutputView(String labelMapping, List<String> labelMappings, String textTemplate) {
    }

    /**
     * {@code learning_rates}: each optimizer's default learning rate, by its API name; {@code black_box_optimizers}:
     * those that learn from queries only and take the query settings.
     */
    record HyperparameterView(int epochs, int batchSizeClassifier, int batchSizeClip, double learningRate,
            double momentum, double weightDecay, int warmupSteps, String optimizer, List<String> optimizers,
            Map<String, Double> learningRates, long seed, int checkpointEvery, List<String> blackBoxOptimizers,
            long queryBudget, int queriesPerStep, double perturbation) {
    }

    /** The defaults that depend on the model. */
    record ModelDefaults(int promptSize, int batchSize, List<String> textTemplates) {
    }

    static View describe(List<ModelDescriptor> models, int defaultEpochs) {
        Map<String, ModelDefaults> byModel = new LinkedHashMap<>();
        for (ModelDescriptor model : models) {
            byModel.put(model.id(), new ModelDefaults(promptSize(model), batchSize(model),
                    model.kind() == ModelKind.CLIP ? model.textTemplates() : List.of()));
        }
        return new View("training_defaults",
                new PromptView(TEMPLATE.wireName(), names(PromptTemplate.values(), PromptTemplate::wireName),
                        PLACEMENT.wireName(), names(PromptPlacement.values(), PromptPlacement::wireName),
                        PAPER_PROMPT_SIZE, PAPER_INPUT_SIZE),
                new OutputView(LABEL_MAPPING.wireName(), names(LabelMapping.values(), LabelMapping::wireName),
                        ModelDescriptor.DEFAULT_TEXT_TEMPLATE),
                new HyperparameterView(defaultEpochs, BATCH_SIZE_CLASSIFIER, BATCH_SIZE_CLIP, LEARNING_RATE, MOMENTUM,
                        WEIGHT_DECAY, WARMUP_STEPS, OPTIMIZER.wireName(), names(OptimizerKind.values(),
                        OptimizerKind::wireName), learningRates(), SEED, CHECKPOINT_EVERY,
                        Arrays.stream(OptimizerKind.values()).filter(OptimizerKind::blackBox)
                                .map(OptimizerKind::wireName).toList(), QUERY_BUDGET, QUERIES_PER_STEP, PERTURBATION),
                byModel, names(JobStatus.values(), JobStatus::wireName));
    }

    private static Map<String, Double> learningRates() {
        Map<String, Double> rates = new LinkedHashMap<>();
        for (OptimizerKind kind : OptimizerKind.values()) {
            rates.put(kind.wireName(), kind.defaultLearningRate());
        }
        return rates;
    }

    /** The requested baselines, checked; null for none (stored specs then look as before). */
    private static List<String> baselines(List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            return null;
        }
        for (String baseline : requested) {
            if (!TrainingJobSpec.LINEAR_PROBE.equals(baseline)) {
                throw new InvalidTrainingSettings("baselines", "'" + baseline + "' is not a baseline; the one on offer "
                        + "is " + TrainingJobSpec.LINEAR_PROBE);
            }
        }
        return List.of(TrainingJobSpec.LINEAR_PROBE);
    }

    static TrainingJobSpec resolve(TrainingJobRequest request, ModelDescriptor model, DatasetSummary dataset,
            int defaultEpochs) {
        var prompt = Optional.ofNullable(request.prompt()).orElse(new TrainingJobRequest.PromptOptions(null, null, null));
        var output = Optional.ofNullable(request.output()).orElse(new TrainingJobRequest.OutputOptions(null, null));
        var hp = Optional.ofNullable(request.hyperparameters()).orElse(
                new TrainingJobRequest.HyperparameterOptions(null, null, null, null, null, null, null, null, null,
                        null, null, null));

        PromptTemplate template = wire("prompt.template", prompt.template(), TEMPLATE, PromptTemplate::fromWire,
                names(PromptTemplate.values(), PromptTemplate::wireName));
        PromptPlacement placement = wire("prompt.placement", prompt.placement(), PLACEMENT, PromptPlacement::fromWire,
                names(PromptPlacement.values(), PromptPlacement::wireName));
        int size = prompt.size() != null ? prompt.size() : promptSize(model);
        checkPromptSize(template, size, model.inputSize());

        LabelMapping mapping = wire("output.label_mapping", output.labelMapping(), LABEL_MAPPING, LabelMapping::fromWire,
                names(LabelMapping.values(), LabelMapping::wireName));
        List<String> textTemplates = output.textTemplates() != null ? output.textTemplates() : model.textTemplates();
        if (model.kind() == ModelKind.CLIP) {
            for (String t : textTemplates) {
                if (!t.contains("{}")) {
                    throw new InvalidTrainingSettings("output.text_templates", "each template needs a {} for the class name");
                }
            }
        } else {
            int sources = model.labels() == null ? 0 : model.labels().size();
            if (sources > 0 && dataset.classNames().size() > sources) {
                throw new InvalidTrainingSettings("dataset_id", "the dataset has " + dataset.classNames().size()
                        + " classes but model " + model.id() + " only " + sources + " output classes to map them to");
            }
        }

        OptimizerKind optimizer = wire("hyperparameters.optimizer", hp.optimizer(), OPTIMIZER, OptimizerKind::fromWire,
                names(OptimizerKind.values(), OptimizerKind::wireName));
        int batch = hp.batchSize() != null ? hp.batchSize() : batchSize(model);
        int epochs = hp.epochs() != null ? hp.epochs() : defaultEpochs;
        long totalSteps = totalSteps(dataset.imageCounts().getOrDefault(Split.TRAIN, 0), batch, epochs);
        Long queryBudget = null;
        Integer queriesPerStep = null;
        Double perturbation = null;
        if (optimizer.blackBox()) {
            queriesPerStep = hp.queriesPerStep() != null ? hp.queriesPerStep() : QUERIES_PER_STEP;
            if (optimizer == OptimizerKind.SPSA_GC && queriesPerStep % 2 != 0) {
                throw new InvalidTrainingSettings("hyperparameters.queries_per_step",
                        "spsa_gc makes 2 queries per direction: give an even number");
            }
            queryBudget = hp.queryBudget() != null ? hp.queryBudget() : QUERY_BUDGET;
            if (queryBudget < queriesPerStep) {
                throw new InvalidTrainingSettings("hyperparameters.query_budget", "a budget of " + queryBudget
                        + " queries does not pay for one step of " + queriesPerStep);
            }
            perturbation = hp.perturbation() != null ? hp.perturbation() : PERTURBATION;
            totalSteps = Math.min(totalSteps, queryBudget / queriesPerStep);
        } else if (hp.queryBudget() != null || hp.queriesPerStep() != null || hp.perturbation() != null) {
            throw new InvalidTrainingSettings("hyperparameters.optimizer", "query_budget, queries_per_step and "
                    + "perturbation need a black-box optimizer (spsa_gc or rgf)");
        }
        return new TrainingJobSpec(
                new TrainingJobSpec.Prompt(template.wireName(), size, placement.wireName()),
                new TrainingJobSpec.Output(mapping.wireName(),
                        model.kind() == ModelKind.CLIP ? List.copyOf(textTemplates) : List.of()),
                new TrainingJobSpec.Hyperparameters(
                        epochs, batch,
                        hp.learningRate() != null ? hp.learningRate() : optimizer.defaultLearningRate(),
                        hp.momentum() != null ? hp.momentum() : MOMENTUM,
                        hp.weightDecay() != null ? hp.weightDecay() : WEIGHT_DECAY,
                        hp.warmupSteps() != null ? hp.warmupSteps() : defaultWarmupSteps(totalSteps),
                        optimizer.wireName(),
                        hp.seed() != null ? hp.seed() : SEED,
                        hp.checkpointEvery() != null ? hp.checkpointEvery() : CHECKPOINT_EVERY,
                        queryBudget, queriesPerStep, perturbation),
                baselines(request.baselines()));
    }

    /** The paper's 30 px at 224 px, scaled to the model's input so the prompt covers the same fraction. */
    static int promptSize(ModelDescriptor model) {
        return Math.max(1, Math.round((float) PAPER_PROMPT_SIZE * model.inputSize() / PAPER_INPUT_SIZE));
    }

    static int batchSize(ModelDescriptor model) {
        return model.kind() == ModelKind.CLIP ? BATCH_SIZE_CLIP : BATCH_SIZE_CLASSIFIER;
    }

    /** Steps of a job: every epoch ends with a partial batch when the images do not divide evenly. */
    static long totalSteps(int trainImages, int batchSize, int epochs) {
        return (long) ((trainImages + batchSize - 1) / batchSize) * epochs;
    }

    /**
     * {@code min(1000, floor(totalSteps / 10))}: the paper's 1000 steps for long jobs, a tenth of the steps for short
     * ones (a 3-epoch job of 237 steps gets 23 instead of never reaching its learning rate).
     */
    static int defaultWarmupSteps(long totalSteps) {
        return (int) Math.min(WARMUP_STEPS, totalSteps / DEFAULT_WARMUP_DIVISOR);
    }

    /** Why a job's warm-up is longer than half its steps, if it is; such a job is accepted with this warning. */
    static Optional<String> warmupWarning(TrainingJobSpec.Hyperparameters hp, long totalSteps) {
        int warmup = hp.warmupSteps();
        if (warmup <= WARMUP_WARNING_SHARE * totalSteps) {
            return Optional.empty();
        }
        double peak = hp.learningRate() * Math.min(1.0, (double) totalSteps / warmup);
        String effect = warmup >= totalSteps
                ? "the learning rate climbs to " + threeDigits(peak) + " of " + threeDigits(hp.learningRate())
                        + " and never decays"
                : String.format(Locale.ROOT, "only %d steps are left for the cosine decay", totalSteps - warmup);
        return Optional.of(String.format(Locale.ROOT, "warmup_steps %d is %.0f%% of the job's %d steps: %s; "
                + "leave it unset for %d (1/%d of the steps, at most %d)", warmup, 100.0 * warmup / totalSteps,
                totalSteps, effect, defaultWarmupSteps(totalSteps), DEFAULT_WARMUP_DIVISOR, WARMUP_STEPS));
    }

    private static String threeDigits(double value) {
        return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static void checkPromptSize(PromptTemplate template, int size, int inputSize) {
        if (template == PromptTemplate.PADDING && 2 * size >= inputSize) {
            throw new InvalidTrainingSettings("prompt.size", "a padding of " + size + " px leaves no image inside a "
                    + inputSize + " px input (needs size < " + (inputSize + 1) / 2 + ")");
        }
        if (template != PromptTemplate.PADDING && size > inputSize) {
            throw new InvalidTrainingSettings("prompt.size", "a " + size + " px patch does not fit a " + inputSize + " px input");
        }
    }

    private static <E extends Enum<E>> E wire(String field, String value, E fallback, Function<String, E> parse,
            List<String> allowed) {
        if (value == null) {
            return fallback;
        }
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidTrainingSettings(field, "must be one of " + allowed);
        }
    }

    private static <E extends Enum<E>> List<String> names(E[] values, Function<E, String> wireName) {
        return Arrays.stream(values).map(wireName).toList();
    }
}
