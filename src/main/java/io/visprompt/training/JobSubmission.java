package io.visprompt.training;

import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.config.DomainException;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.DatasetSummary;
import io.visprompt.dataset.Datasets;
import io.visprompt.dataset.Split;
import io.visprompt.model.ModelCatalog;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.remote.RemoteModels;
import io.visprompt.security.QuotaExceeded;
import io.visprompt.security.Quotas;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a validated request into a queued job of the caller's tenant: the dataset must be the tenant's (another
 * tenant's dataset is answered like one that does not exist), and the tenant's concurrent-jobs quota must allow it.
 */
@Service
class JobSubmission {

    private final JobQueue queue;
    private final ModelCatalog models;
    private final Datasets datasets;
    private final JsonMapper json;
    private final TrainingProperties properties;
    private final MeterRegistry meters;
    private final Quotas quotas;
    private final RemoteModels remoteModels;

    JobSubmission(JobQueue queue, ModelCatalog models, Datasets datasets, JsonMapper json,
            TrainingProperties properties, MeterRegistry meters, Quotas quotas, RemoteModels remoteModels) {
        this.remoteModels = remoteModels;
        this.queue = queue;
        this.models = models;
        this.datasets = datasets;
        this.json = json;
        this.properties = properties;
        this.meters = meters;
        this.quotas = quotas;
    }

    /** One transaction: the dataset stays reserved until the job that needs it is stored. */
    @Transactional
    UUID submit(Tenant tenant, TrainingJobRequest request, String idempotencyKey) {
        // a catalog model (configured, or uploaded by the tenant), else one of the tenant's remote models
        ModelDescriptor catalogModel = models.find(tenant, request.model()).orElse(null);
        ModelDescriptor model = catalogModel != null ? catalogModel : remoteModels.find(tenant, request.model())
                .orElseThrow(() -> new InvalidTrainingSettings("model", "unknown model '" + request.model()
                        + "'; GET /v1/models lists the models on offer, GET /v1/remote-models the remote ones"));
        DatasetSummary dataset = datasets.reserve(tenant, request.datasetId()).orElseThrow(() -> new InvalidTrainingSettings(
                "dataset_id", "dataset " + request.datasetId() + " does not exist"));
        int trainImages = dataset.imageCounts().getOrDefault(Split.TRAIN, 0);
        if (trainImages == 0) {
            throw new InvalidTrainingSettings("dataset_id", "the dataset has no training images");
        }
        TrainingJobSpec spec = TrainingJobDefaults.resolve(request, model, dataset, properties.defaultEpochs());
        if (catalogModel == null && spec.hyperparameters().queriesPerStep() == null) {
            throw new InvalidTrainingSettings("hyperparameters.optimizer", "model " + model.id() + " is remote and "
                    + "answers queries only: choose a black-box optimizer (spsa_gc or rgf)");
        }
        int batch = spec.hyperparameters().batchSize();
        long stepsPerEpoch = (trainImages + batch - 1) / batch;
        long totalSteps = spec.hyperparameters().queriesPerStep() == null
                ? stepsPerEpoch * spec.hyperparameters().epochs()
                : spec.toSettings().blackBox().stepsWithin(stepsPerEpoch * spec.hyperparameters().epochs());
        int maxAttempts = request.maxAttempts() != null ? request.maxAttempts() : properties.maxAttempts();
        int maxActive = quotas.of(tenant).concurrentJobs();
        UUID newId = UUID.randomUUID();
        UUID id = queue.enqueue(new JobQueue.NewJob(newId, tenant, dataset.id(), model.id(),
                json.writeValueAsString(spec), spec.hyperparameters().epochs(),
                totalSteps, maxAttempts, idempotencyKey), maxActive)
                .orElseThrow(() -> new QuotaExceeded(DomainException.Kind.LIMIT_REACHED, "concurrent_jobs", maxActive,
                        queue.activeJobs(tenant), "The tenant already has " + maxActive + " queued or running jobs, "
                                + "its quota; wait for one to finish or cancel one"));
        if (id.equals(newId)) {
            // not on an idempotent retry, which returns the earlier job; in this transaction, with the job's row
            TrainingJobDefaults.warmupWarning(spec.hyperparameters(), totalSteps)
                    .ifPresent(message -> queue.event(id, "warning", "warning_warmup", message));
        }
        meters.counter("visprompt.training.jobs.submitted", "model", model.id()).increment();
        return id;
    }
}
