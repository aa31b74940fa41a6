package io.visprompt.training;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.visprompt.dataset.DatasetSummary;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import io.visprompt.training.engine.LabelMapping;
import io.visprompt.training.engine.OptimizerKind;
import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;

/**
 * Fills a request's gaps with the paper's defaults (Bahng et al.: padding 30 at 224 px, SGD lr 40, momentum 0.9,
 * 1000 warm-up steps then cosine, batch 256 for CLIP and 128 otherwise) and checks what depends on the model and
 * dataset. Every refusal names the field.
 */
final class TrainingJobDefaults {

    static final int PAPER_PROMPT_SIZE = 30;
    static final int PAPER_INPUT_SIZE = 224;
    static final int PAPER_EPOCHS = 1000;
    static final String DEFAULT_TEXT_TEMPLATE = "This is a photo of a {}";

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

        String optimizer = wire("hyperparameters.optimizer", hp.optimizer(), OptimizerKind.SGD, OptimizerKind.values());
        int batch = hp.batchSize() != null ? hp.batchSize() : model.kind() == ModelKind.CLIP ? 256 : 128;
        return new TrainingJobSpec(
                new TrainingJobSpec.Prompt(template, size, placement),
                new TrainingJobSpec.Output(mapping, model.kind() == ModelKind.CLIP ? List.copyOf(textTemplates) : List.of()),
                new TrainingJobSpec.Hyperparameters(
                        hp.epochs() != null ? hp.epochs() : defaultEpochs, batch,
                        hp.learningRate() != null ? hp.learningRate() : 40.0,
                        hp.momentum() != null ? hp.momentum() : 0.9,
                        hp.weightDecay() != null ? hp.weightDecay() : 0.0,
                        hp.warmupSteps() != null ? hp.warmupSteps() : 1000, optimizer,
                        hp.seed() != null ? hp.seed() : 0L,
                        hp.checkpointEvery() != null ? hp.checkpointEvery() : 200));
    }

    private static void checkPromptSize(String template, int size, int inputSize) {
        if ("padding".equals(template) && 2 * size >= inputSize) {
            throw new InvalidTrainingSettings("prompt.size", "a padding of " + size + " px leaves no image inside a "
                    + inputSize + " px input (needs size < " + (inputSize + 1) / 2 + ")");
        }
        if (!"padding".equals(template) && size > inputSize) {
            throw new InvalidTrainingSettings("prompt.size", "a " + size + " px patch does not fit a " + inputSize + " px input");
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
        throw new InvalidTrainingSettings(field, "must be one of " + Arrays.stream(allowed)
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
    }
}
