package io.visprompt.training;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.DatasetImage;
import io.visprompt.dataset.DatasetSummary;
import io.visprompt.dataset.Datasets;
import io.visprompt.dataset.Split;
import io.visprompt.model.FrozenModel;
import io.visprompt.model.ModelCatalog;
import io.visprompt.prompt.LearnedPrompt;
import io.visprompt.prompt.Prompts;
import io.visprompt.remote.QueryControl;
import io.visprompt.remote.RemoteEndpointUnavailable;
import io.visprompt.remote.RemoteModels;
import io.visprompt.remote.RemoteQueryCancelled;
import io.visprompt.training.engine.LinearProbe;
import io.visprompt.training.engine.PromptTensor;
import io.visprompt.training.engine.PromptTrainer;
import io.visprompt.training.engine.TrainingCancelled;
import io.visprompt.training.engine.TrainingCheckpoint;
import io.visprompt.training.engine.TrainingData;
import io.visprompt.training.engine.TrainingExample;
import io.visprompt.training.engine.TrainingOutcome;
import io.visprompt.training.engine.TrainingSuspended;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/** Runs one claimed job with the engine and records how it ended, always under the job's lease. */
@Component
class JobExecution {

    private static final Logger log = LoggerFactory.getLogger(JobExecution.class);

    private final JobQueue queue;
    private final Datasets datasets;
    private final ModelCatalog models;
    private final Prompts prompts;
    private final JsonMapper json;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final TrainingProperties properties;
    private final MeterRegistry meters;
    private final ObjectProvider<QueuedJobRunner> runners;
    private final Sweeps sweeps;
    private final RemoteModels remoteModels;

    JobExecution(JobQueue queue, Datasets datasets, ModelCatalog models, Prompts prompts, JsonMapper json,
            TransactionTemplate transactions, Clock clock, TrainingProperties properties, MeterRegistry meters,
            ObjectProvider<QueuedJobRunner> runners, Sweeps sweeps, RemoteModels remoteModels) {
        this.runners = runners;
        this.sweeps = sweeps;
        this.remoteModels = remoteModels;
        this.queue = queue;
        this.datasets = datasets;
        this.models = models;
        this.prompts = prompts;
        this.json = json;
        this.transactions = transactions;
        this.clock = clock;
        this.properties = properties;
        this.meters = meters;
    }

    JobProgressReporter reporterFor(Lease lease) {
        return new JobProgressReporter(lease, queue, clock, properties, meters, sweeps);
    }

    /**
     * Runs the job and records how it ended. A transient database or storage failure (a restart, a refused
     * connection) is retried inside the lease by the reporter and here; one that outlasts the retries gives the job
     * back to the queue, to resume from its last checkpoint: it never fails the job. Only the job's own errors do.
     */
    void execute(JobQueue.ClaimedJob job, JobProgressReporter reporter) {
        Lease lease = job.lease();
        Timer.Sample sample = Timer.start(meters);
        String outcome;
        try {
            outcome = JobQueue.TRAINING.equals(job.kind()) ? train(job, reporter) : runOtherKind(job, reporter);
        } catch (LeaseLost e) {
            log.warn("{}; stopping without further writes", e.getMessage());
            outcome = "lease_lost";
        } catch (TrainingCancelled | RemoteQueryCancelled e) {
            outcome = lastWrite(lease, reporter, () -> queue.acknowledgeCancel(lease), "cancelled");
        } catch (RemoteEndpointUnavailable e) {
            // the endpoint stayed down through every retry: the job fails naming it (never its credentials)
            log.error("Job {} failed: {}", lease.jobId(), e.getMessage());
            outcome = lastWrite(lease, reporter, () -> queue.fail(lease, new JobFailure(e.code(), e.getMessage())),
                    "failed");
        } catch (TrainingSuspended e) {
            outcome = lastWrite(lease, reporter, () -> queue.release(lease, "shutdown"), "released");
            countRequeue(outcome, "shutdown");
        } catch (RuntimeException e) {
            if (TransientFailures.isTransient(e)) {
                log.warn("Job {}: a database or storage failure outlasted the retries; giving the job back to the "
                        + "queue to resume from its last checkpoint", lease.jobId(), e);
                outcome = lastWrite(lease, reporter, () -> queue.release(lease, "database or storage unavailable"),
                        "requeued");
                countRequeue(outcome, "transient");
            } else {
                outcome = fail(lease, reporter, e);
            }
        } catch (Error e) {
            outcome = fail(lease, reporter, e);
        }
        sample.stop(meters.timer("visprompt.training.job.duration", "outcome", outcome));
        meters.counter("visprompt.training.jobs.finished", "outcome", outcome).increment();
        try {
            // a sweep's next trial; should this fail, the periodic top-up submits it
            sweeps.afterJobEnded(lease.jobId());
        } catch (RuntimeException e) {
            log.warn("Job {}: could not advance its sweep now ({}); the periodic top-up will", lease.jobId(),
                    e.toString());
        }
    }

    private String fail(Lease lease, JobProgressReporter reporter, Throwable e) {
        // users see a code and a safe message; the exception (SQL text, server paths) goes to the log only
        JobFailure failure = JobFailure.of(e);
        log.error("Job {} failed ({})", lease.jobId(), failure.code(), e);
        return lastWrite(lease, reporter, () -> queue.fail(lease, failure), "failed");
    }

    /**
     * The job's closing write, retried on transient failures for up to the lease duration (the lease may still
     * hold that long); if the database stays away, the lease expires and the reaper requeues the job.
     */
    private String lastWrite(Lease lease, JobProgressReporter reporter, Supplier<Boolean> write, String outcome) {
        try {
            return reporter.retryFor(properties.leaseDuration()).call("Closing write of job " + lease.jobId(), write)
                    ? outcome : "lease_lost";
        } catch (RuntimeException e) {
            log.warn("Job {}: could not record '{}' ({}); its lease will expire and the job be requeued",
                    lease.jobId(), outcome, e.toString());
            return "abandoned";
        }
    }

    private void countRequeue(String outcome, String reason) {
        if (!"lease_lost".equals(outcome) && !"abandoned".equals(outcome)) {
            Counter.builder("visprompt.training.requeues").tag("reason", reason)
                    .description("Running jobs given back to the queue (shutdown, transient failure, expired lease)")
                    .register(meters).increment();
        }
    }

    private String train(JobQueue.ClaimedJob job, JobProgressReporter reporter) {
        Lease lease = job.lease();
        TrainingJobSpec spec = json.readValue(job.specJson(), TrainingJobSpec.class);
        DatasetSummary dataset = datasets.find(job.tenant(), job.datasetId()).orElseThrow(() ->
                new JobFailure.Rejected(JobFailure.DATASET_NOT_FOUND, "The job's dataset no longer exists"));
        TrainingData data = new TrainingData(dataset.classNames(), examples(job.tenant(), dataset.id(), Split.TRAIN),
                examples(job.tenant(), dataset.id(), Split.VAL), examples(job.tenant(), dataset.id(), Split.TEST),
                dataset.validation() == null ? null : dataset.validation().describe());
        if (data.validation().isEmpty()) {
            reporter.onEvent("warning", "The dataset has no validation images: the last epoch's prompt is kept");
        }
        Optional<TrainingCheckpoint> checkpoint = queue.checkpoint(lease.jobId());
        if (checkpoint.isPresent()) {
            TrainingCheckpoint c = checkpoint.get();
            Counter.builder("visprompt.training.resumes")
                    .description("Jobs that resumed from a checkpoint of an earlier attempt").register(meters).increment();
            reporter.onEvent("resumed",
                    "Resuming from the checkpoint at step " + c.step() + " (" + c.completedEpochs() + " epochs done)");
        }
        reporter.onPhase("loading_model");
        boolean remote = models.find(job.modelId()).isEmpty();
        QueryControl queries = new QueryControl(reporter::stopRequested);
        if (remote) {
            reporter.watch(queries);
        }
        if (remote && remoteModels.find(job.tenant(), job.modelId()).isEmpty()) {
            throw new JobFailure.Rejected("model_not_found", "The job's model " + job.modelId() + " no longer exists");
        }
        FrozenModel model = remote ? remoteModels.open(job.tenant(), job.modelId(), queries)
                : models.load(job.modelId());
        TrainingOutcome result = new PromptTrainer(model, spec.toSettings()).train(data, reporter,
                checkpoint.orElse(null));
        Map<String, Object> probe = spec.wantsLinearProbe() ? linearProbe(model, data, spec, reporter) : Map.of();
        // the result is worth a retry: a requeue would train again from the last checkpoint
        return reporter.retryFor(properties.transientRetry()).call("Saving the result of job " + lease.jobId(),
                () -> transactions.execute(tx -> {
                    LearnedPrompt saved = prompts.save(job.tenant(), toPrompt(job, spec, dataset, result));
                    Map<String, Object> resultView = resultOf(saved.id(), result);
                    if (remote) {
                        resultView.put("remote_queries", queries.queries());
                        resultView.put("remote_retries", queries.retries());
                        resultView.put("remote_errors", queries.errors());
                    }
                    resultView.putAll(probe);
                    String stopReason = reporter.stopReason();
                    if (stopReason != null) {
                        resultView.put("stopped_reason", stopReason);
                    }
                    boolean written = stopReason == null
                            ? queue.succeed(lease, json.writeValueAsString(resultView))
                            : queue.stop(lease, json.writeValueAsString(resultView), stopReason);
                    if (!written) {
                        tx.setRollbackOnly();
                        return "lease_lost";
                    }
                    return stopReason == null ? "succeeded" : "stopped";
                }));
    }

    /** A job of another kind (an evaluation), run by the {@link QueuedJobRunner} of that kind under the lease. */
    private String runOtherKind(JobQueue.ClaimedJob job, JobProgressReporter reporter) {
        QueuedJobRunner runner = runners.orderedStream().filter(r -> r.kind().equals(job.kind())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no runner for jobs of kind " + job.kind()));
        Lease lease = job.lease();
        String[] outcome = {"lease_lost"};
        runner.run(new QueuedJobRun() {
            @Override
            public UUID jobId() {
                return lease.jobId();
            }

            @Override
            public Tenant tenant() {
                return job.tenant();
            }

            @Override
            public UUID datasetId() {
                return job.datasetId();
            }

            @Override
            public String modelId() {
                return job.modelId();
            }

            @Override
            public String specJson() {
                return job.specJson();
            }

            @Override
            public int attempt() {
                return lease.attempt();
            }

            @Override
            public Optional<TrainingCheckpoint> checkpoint() {
                return queue.checkpoint(lease.jobId());
            }

            @Override
            public io.visprompt.training.engine.TrainingListener listener() {
                return reporter;
            }

            @Override
            public boolean succeed(String resultJson, Runnable alongside) {
                String result = reporter.retryFor(properties.transientRetry()).call(
                        "Saving the result of job " + lease.jobId(), () -> transactions.execute(tx -> {
                            alongside.run();
                            if (!queue.succeed(lease, resultJson)) {
                                tx.setRollbackOnly();
                                return "lease_lost";
                            }
                            return "succeeded";
                        }));
                outcome[0] = result;
                return "succeeded".equals(result);
            }
        });
        return outcome[0];
    }

    /**
     * The linear-probe baseline (the paper's strongest comparator): logistic regression on the frozen model's
     * features of the training images, its L2 strength chosen on the validation images, scored on the test images.
     */
    private static Map<String, Object> linearProbe(FrozenModel model, TrainingData data, TrainingJobSpec spec,
            JobProgressReporter reporter) {
        reporter.onPhase("linear_probe");
        int batch = spec.hyperparameters().batchSize();
        LinearProbe.Result probe = LinearProbe.fit(LinearProbe.features(model, data.train(), batch),
                LinearProbe.features(model, data.validation(), batch), LinearProbe.features(model, data.test(), batch),
                data.classNames().size(), LinearProbe.C_GRID);
        reporter.onEvent("linear_probe", String.format(java.util.Locale.ROOT,
                "Linear probe on %s: C=%s chosen on validation, test accuracy %.4f", model.probeFeatureSource(),
                probe.chosen().c(), probe.chosen().testAccuracy()));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("linear_probe_test_accuracy", finite(probe.chosen().testAccuracy()));
        result.put("linear_probe_validation_accuracy", finite(probe.chosen().validationAccuracy()));
        result.put("linear_probe_c", probe.chosen().c());
        result.put("linear_probe_features", model.probeFeatureSource());
        return result;
    }

    private List<TrainingExample> examples(Tenant tenant, UUID datasetId, Split split) {
        return datasets.images(tenant, datasetId, split).stream()
                .map((DatasetImage image) -> new TrainingExample(image.file(), image.label())).toList();
    }

    private static LearnedPrompt toPrompt(JobQueue.ClaimedJob job, TrainingJobSpec spec, DatasetSummary dataset,
            TrainingOutcome result) {
        PromptTensor p = result.prompt();
        return new LearnedPrompt(null, job.lease().jobId(), dataset.id(), job.modelId(),
                p.template().wireName(), p.size(), p.placement().wireName(), p.height(),
                p.width(), p.values(), p.mask(), dataset.classNames(),
                result.labelMapping() == null || result.labelMapping().length == 0 ? null : result.labelMapping(),
                spec.output().textTemplates().isEmpty() ? null : spec.output().textTemplates(),
                finite(result.bestValidationAccuracy()), finite(result.zeroShotTestAccuracy()),
                finite(result.promptedTestAccuracy()), null);
    }

    /**
     * Test accuracies of the bare model (baseline), of the label mapping alone (no prompt, the run's mapping) and
     * with the prompt, and the gains over both. {@code zero_shot_test_accuracy} and {@code test_accuracy_gain} are
     * kept for existing clients: they are the mapping-only accuracy and the gain over it.
     */
    static Map<String, Object> resultOf(UUID promptId, TrainingOutcome r) {
        Double baseline = finite(r.baselineTestAccuracy());
        Double mappingOnly = finite(r.mappingOnlyTestAccuracy());
        Double prompted = finite(r.promptedTestAccuracy());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("prompt_id", promptId);
        result.put("best_epoch", r.bestEpoch());
        result.put("best_validation_accuracy", finite(r.bestValidationAccuracy()));
        result.put("baseline_test_accuracy", baseline);
        result.put("mapping_only_test_accuracy", mappingOnly);
        result.put("prompted_test_accuracy", prompted);
        result.put("gain_over_baseline", difference(prompted, baseline));
        result.put("gain_over_mapping_only", difference(prompted, mappingOnly));
        result.put("zero_shot_test_accuracy", mappingOnly);
        result.put("test_accuracy_gain", difference(prompted, mappingOnly));
        result.put("test_examples", r.testExamples());
        return result;
    }

    private static Double difference(Double a, Double b) {
        return a == null || b == null ? null : a - b;
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
