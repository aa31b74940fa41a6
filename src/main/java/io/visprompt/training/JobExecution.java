package io.visprompt.training;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

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

    JobExecution(JobQueue queue, Datasets datasets, ModelCatalog models, Prompts prompts, JsonMapper json,
            TransactionTemplate transactions, Clock clock, TrainingProperties properties, MeterRegistry meters) {
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
        return new JobProgressReporter(lease, queue, clock, properties);
    }

    void execute(JobQueue.ClaimedJob job, JobProgressReporter reporter) {
        Lease lease = job.lease();
        Timer.Sample sample = Timer.start(meters);
        String outcome;
        try {
            outcome = train(job, reporter);
        } catch (LeaseLost e) {
            log.warn("{}; stopping without further writes", e.getMessage());
            outcome = "lease_lost";
        } catch (TrainingCancelled e) {
            outcome = queue.acknowledgeCancel(lease) ? "cancelled" : "lease_lost";
        } catch (TrainingSuspended e) {
            outcome = queue.release(lease) ? "released" : "lease_lost";
        } catch (IllegalArgumentException e) {
            // the job cannot succeed on another worker either: a problem with its data or settings
            outcome = queue.fail(lease, e.getMessage()) ? "failed" : "lease_lost";
        } catch (RuntimeException | Error e) {
            log.error("Job {} failed", lease.jobId(), e);
            outcome = queue.fail(lease, e.getClass().getSimpleName() + ": " + e.getMessage()) ? "failed" : "lease_lost";
        }
        sample.stop(meters.timer("visprompt.training.job.duration", "outcome", outcome));
        meters.counter("visprompt.training.jobs.finished", "outcome", outcome).increment();
    }

    private String train(JobQueue.ClaimedJob job, JobProgressReporter reporter) {
        Lease lease = job.lease();
        TrainingJobSpec spec = json.readValue(job.specJson(), TrainingJobSpec.class);
        DatasetSummary dataset = datasets.find(job.tenant(), job.datasetId()).orElseThrow(() ->
                new IllegalArgumentException("dataset " + job.datasetId() + " no longer exists"));
        TrainingData data = new TrainingData(dataset.classNames(), examples(job.tenant(), dataset.id(), Split.TRAIN),
                examples(job.tenant(), dataset.id(), Split.VAL), examples(job.tenant(), dataset.id(), Split.TEST),
                dataset.validation() == null ? null : dataset.validation().describe());
        if (data.validation().isEmpty()) {
            reporter.onEvent("warning", "The dataset has no validation images: the last epoch's prompt is kept");
        }
        Optional<TrainingCheckpoint> checkpoint = queue.checkpoint(lease.jobId());
        checkpoint.ifPresent(c -> reporter.onEvent("resumed",
                "Resuming from the checkpoint at step " + c.step() + " (" + c.completedEpochs() + " epochs done)"));
        reporter.onPhase("loading_model");
        FrozenModel model = models.load(job.modelId());
        TrainingOutcome result = new PromptTrainer(model, spec.toSettings()).train(data, reporter,
                checkpoint.orElse(null));
        return transactions.execute(tx -> {
            LearnedPrompt saved = prompts.save(job.tenant(), toPrompt(job, spec, dataset, result));
            if (!queue.succeed(lease, json.writeValueAsString(resultOf(saved.id(), result)))) {
                tx.setRollbackOnly();
                return "lease_lost";
            }
            return "succeeded";
        });
    }

    private List<TrainingExample> examples(Tenant tenant, UUID datasetId, Split split) {
        return datasets.images(tenant, datasetId, split).stream()
                .map((DatasetImage image) -> new TrainingExample(image.file(), image.label())).toList();
    }

    private static LearnedPrompt toPrompt(JobQueue.ClaimedJob job, TrainingJobSpec spec, DatasetSummary dataset,
            TrainingOutcome result) {
        PromptTensor p = result.prompt();
        return new LearnedPrompt(null, job.lease().jobId(), dataset.id(), job.modelId(),
                p.template().name().toLowerCase(), p.size(), p.placement().name().toLowerCase(), p.height(),
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
