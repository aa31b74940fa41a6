package io.visprompt.evaluation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.config.Tenant;
import io.visprompt.model.ModelCatalog;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import io.visprompt.prompt.LearnedPrompt;
import io.visprompt.prompt.Prompts;
import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;
import io.visprompt.training.engine.PromptTensor;

/**
 * The classification task an evaluation runs: the model, the task's classes in the order of its outputs, and for
 * a prompt its tensor, label mapping and text templates.
 *
 * @param prompt null for a bare model
 */
record EvaluationTask(String modelId, UUID promptId, PromptTensor prompt, List<String> classNames, int[] labelMapping,
        List<String> textTemplates) {

    /** Resolves a spec against the prompts and models as they are now; refuses what cannot be evaluated. */
    static EvaluationTask resolve(Tenant tenant, EvaluationSpec spec, Prompts prompts, ModelCatalog models) {
        if (spec.promptId() != null) {
            LearnedPrompt p = prompts.find(tenant, spec.promptId())
                    .orElseThrow(() -> EvaluationRefused.promptNotFound(spec.promptId()));
            PromptTensor tensor = new PromptTensor(PromptTemplate.fromWire(p.template()), p.size(),
                    PromptPlacement.fromWire(p.placement()), p.height(), p.width(), p.values(), p.mask());
            return new EvaluationTask(p.modelId(), p.id(), tensor, p.classNames(), p.labelMapping(),
                    p.textTemplates() == null ? List.of() : p.textTemplates());
        }
        ModelDescriptor model = models.find(tenant, spec.model()).orElseThrow(() -> EvaluationRefused.invalidField("model",
                "unknown model '" + spec.model() + "'; GET /v1/models lists the models on offer"));
        List<String> classes = spec.classNames();
        if (model.kind() == ModelKind.CLASSIFIER) {
            if (classes == null || classes.isEmpty()) {
                if (model.labels() == null || model.labels().isEmpty()) {
                    throw EvaluationRefused.invalidField("class_names",
                            "model " + model.id() + " has no labels; name the classes");
                }
                classes = model.labels();
            } else if (model.labels() != null && !model.labels().isEmpty() && classes.size() > model.labels().size()) {
                // class i names the model's output i: there is no output for the names beyond the model's own
                throw EvaluationRefused.invalidField("class_names", classes.size() + " class names for model "
                        + model.id() + ", which has " + model.labels().size() + " outputs");
            }
        } else if (classes == null || classes.size() < 2) {
            throw EvaluationRefused.invalidField("class_names", "a CLIP model needs at least two class names");
        }
        if (classes.stream().distinct().count() != classes.size()) {
            throw EvaluationRefused.invalidField("class_names", "class names must be distinct");
        }
        return new EvaluationTask(model.id(), null, null, List.copyOf(classes), null, List.of());
    }

    /**
     * For each of the dataset's labels, the task's class of the same name: the dataset may hold a subset of the
     * task's classes, in any order.
     *
     * @throws EvaluationRefused naming every dataset class the task does not know
     */
    int[] taskLabels(List<String> datasetClasses) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classNames.size(); i++) {
            index.put(classNames.get(i), i);
        }
        int[] mapped = new int[datasetClasses.size()];
        List<String> unknown = new ArrayList<>();
        for (int label = 0; label < datasetClasses.size(); label++) {
            Integer task = index.get(datasetClasses.get(label));
            if (task == null) {
                unknown.add(datasetClasses.get(label));
            } else {
                mapped[label] = task;
            }
        }
        if (!unknown.isEmpty()) {
            throw EvaluationRefused.unknownClasses(unknown, classNames);
        }
        return mapped;
    }
}
