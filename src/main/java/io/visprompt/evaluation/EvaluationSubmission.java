package io.visprompt.evaluation;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.visprompt.config.Tenant;
import io.visprompt.dataset.DatasetSummary;
import io.visprompt.dataset.Datasets;
import io.visprompt.dataset.Split;
import io.visprompt.model.ModelCatalog;
import io.visprompt.prompt.Prompts;
import io.visprompt.training.QueuedJobs;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/** Checks an evaluation request and queues it, as a job of kind {@code evaluation}, for the caller's tenant. */
@Service
class EvaluationSubmission {

    static final Set<String> SPLITS = Set.of("test", "train", "val", "all");

    private final QueuedJobs jobs;
    private final Datasets datasets;
    private final Prompts prompts;
    private final ModelCatalog models;
    private final JsonMapper json;

    EvaluationSubmission(QueuedJobs jobs, Datasets datasets, Prompts prompts, ModelCatalog models, JsonMapper json) {
        this.jobs = jobs;
        this.datasets = datasets;
        this.prompts = prompts;
        this.models = models;
        this.json = json;
    }

    /** One transaction: the dataset stays reserved until the job that needs it is stored. */
    @Transactional
    UUID submit(Tenant tenant, EvaluationRequest request, String idempotencyKey) {
        if ((request.promptId() == null) == (request.model() == null || request.model().isBlank())) {
            throw EvaluationRefused.invalidField("prompt_id", "name either prompt_id or model (with class_names)");
        }
        if (request.promptId() != null && request.classNames() != null) {
            throw EvaluationRefused.invalidField("class_names", "a prompt has its own classes; leave class_names out");
        }
        String split = request.split() == null ? "test" : request.split();
        if (!SPLITS.contains(split)) {
            throw EvaluationRefused.invalidField("split", "must be one of test, train, val, all");
        }
        EvaluationSpec asked = new EvaluationSpec(request.promptId(), request.model(), request.classNames(),
                request.datasetId(), split);
        EvaluationTask task = EvaluationTask.resolve(tenant, asked, prompts, models);
        DatasetSummary dataset = datasets.reserve(tenant, request.datasetId()).orElseThrow(() ->
                EvaluationRefused.invalidField("dataset_id", "dataset " + request.datasetId() + " does not exist"));
        task.taskLabels(dataset.classNames());
        long images = "all".equals(split) ? dataset.imageCounts().values().stream().mapToLong(Integer::longValue).sum()
                : dataset.imageCounts().getOrDefault(Split.valueOf(split.toUpperCase(java.util.Locale.ROOT)), 0);
        if (images == 0) {
            throw EvaluationRefused.invalidField("split", "the dataset has no " + split + " images");
        }
        // the stored spec names the task as resolved: a bare model's classes are fixed at submission
        EvaluationSpec spec = new EvaluationSpec(task.promptId(), task.promptId() == null ? task.modelId() : null,
                task.promptId() == null ? List.copyOf(task.classNames()) : null, dataset.id(), split);
        return jobs.enqueue(tenant, EvaluationRunner.KIND, dataset.id(), task.modelId(), json.writeValueAsString(spec),
                images, idempotencyKey);
    }
}
