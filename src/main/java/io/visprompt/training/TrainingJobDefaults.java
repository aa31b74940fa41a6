package io.visprompt.training;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.visprompt.config.ApiProblem;
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
 * dataset. Every refusal names the field. Two defaults are adapted to the job: the learning rate is the chosen
 * optimizer's ({@link OptimizerKind#defaultLearningRate()}), and the warm-up is at most a tenth of the job's steps
 * ({@link #defaultWarmupSteps}), because the paper's 1000 steps assume 1000 epochs.
 */
final class TrainingJobDefaults {

    static final int PAPER_PROMPT_SIZE = 30;
    static final int PAPER_INPUT_SIZE = 224;
    static final int PAPER_EPOCHS = 1000;
    static final String DEFAULT_TEXT_TEMPLATE = "This is a photo of a {}";
    static final int PAPER_WARMUP_STEPS = 1000;
    /** A job given no warm-up warms up for 1/10 of its steps, at most {@link #PAPER_WARMUP_STEPS}. */
    static final int DEFAULT_WARMUP_DIVISOR = 10;
    /** A given warm-up longer than this share of the job's steps is accepted with a {@code warning_warmup} event. */
    static final double WARMUP_WARNING_SHARE = 0.5;

    private TrainingJobDefaults() {
    }

    static TrainingJobSpec resolve(TrainingJobRequest request, ModelDescriptor model, DatasetSummary dataset,
            int defaultEpochs) {
        var prompt = Optional.ofNullable(request.prompt()).orElse(new TrainingJobRequest.PromptOptions(null, null, null));
        var output = Optional.ofNullable(request.output()).orElse(new TrainingJobRequest.OutputOptions(null, null));
        var hp = Optional.ofNullable(request.hyperparameters()).orElse(
                new TrainingJobRequest.HyperparameterOptions(null, null, null, null, null, null, null, null, null));

        String template = wire("prompt.template", prompt.template(), PromptTemplate.PADDING, PromptTemplate.values());
        String placement = wire("prompt.placement", prompt.placement(), PromptPlacement.NORMALIZED, PromptPlacement.values());
        // The paper's 30 px at 224 px, scaled to the model's input so the prompt covers the same fraction.
        int size = prompt.size() != null ? prompt.size()
                : Math.max(1, Math.round((float) PAPER_PROMPT_SIZE * model.inputSize() / PAPER_INPUT_SIZE));
        checkPromptSize(template, size, model.inputSize());

        String mapping = wire("output.label_mapping", output.labelMapping(), LabelMapping.IDENTITY, LabelMapping.values());
        List<String> textTemplates = output.textTemplates() != null ? output.textTemplates()
                : model.templates() != null && !model.templates().isEmpty() ? model.templates()
                : List.of(DEFAULT_TEXT_TEMPLATE);
        if (model.kind() == ModelKind.CLIP) {
            for (String t : textTemplates) {
                if (!t.contains("{}")) {
                    throw ApiProblem.invalidField("output.text_templates", "each template needs a {} for the class name");
                }
            }
        } else {
            int sources = model.labels() == null ? 0 : model.labels().size();
            if (sources > 0 && dataset.classNames().size() > sources) {
                throw ApiProblem.invalidField("dataset_id", "the dataset has " + dataset.classNames().size()
                        + " classes but model " + model.id() + " only " + sources + " output classes to map them to");
            }
        }

        String optimizer = wire("hyperparameters.optimizer", hp.optimizer(), OptimizerKind.SGD, OptimizerKind.values());
        int batch = hp.batchSize() != null ? hp.batchSize() : model.kind() == ModelKind.CLIP ? 256 : 128;
        int epochs = hp.epochs() != null ? hp.epochs() : defaultEpochs;
        long totalSteps = totalSteps(dataset.imageCounts().getOrDefault(Split.TRAIN, 0), batch, epochs);
        return new TrainingJobSpec(
                new TrainingJobSpec.Prompt(template, size, placement),
                new TrainingJobSpec.Output(mapping, model.kind() == ModelKind.CLIP ? List.copyOf(textTemplates) : List.of()),
                new TrainingJobSpec.Hyperparameters(
                        epochs, batch,
                        hp.learningRate() != null ? hp.learningRate()
                                : OptimizerKind.valueOf(optimizer.toUpperCase(Locale.ROOT)).defaultLearningRate(),
                        hp.momentum() != null ? hp.momentum() : 0.9,
                        hp.weightDecay() != null ? hp.weightDecay() : 0.0,
                        hp.warmupSteps() != null ? hp.warmupSteps() : defaultWarmupSteps(totalSteps), optimizer,
                        hp.seed() != null ? hp.seed() : 0L,
                        hp.checkpointEvery() != null ? hp.checkpointEvery() : 200));
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
        return (int) Math.min(PAPER_WARMUP_STEPS, totalSteps / DEFAULT_WARMUP_DIVISOR);
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
                totalSteps, effect, defaultWarmupSteps(totalSteps), DEFAULT_WARMUP_DIVISOR, PAPER_WARMUP_STEPS));
    }

    private static String threeDigits(double value) {
        return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static void checkPromptSize(String template, int size, int inputSize) {
        if ("padding".equals(template) && 2 * size >= inputSize) {
            throw ApiProblem.invalidField("prompt.size", "a padding of " + size + " px leaves no image inside a "
                    + inputSize + " px input (needs size < " + (inputSize + 1) / 2 + ")");
        }
        if (!"padding".equals(template) && size > inputSize) {
            throw ApiProblem.invalidField("prompt.size", "a " + size + " px patch does not fit a " + inputSize + " px input");
        }
    }

    private static <E extends Enum<E>> String wire(String field, String value, E fallback, E[] allowed) {
        if (value == null) {
            return fallback.name().toLowerCase(Locale.ROOT);
        }
        for (E e : allowed) {
            if (e.name().equalsIgnoreCase(value)) {
                return e.name().toLowerCase(Locale.ROOT);
            }
        }
        throw ApiProblem.invalidField(field, "must be one of " + Arrays.stream(allowed)
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
    }
}
