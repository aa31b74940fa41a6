package io.visprompt.evaluation;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import io.visprompt.config.Tenant;
import io.visprompt.dataset.DatasetImage;
import io.visprompt.dataset.DatasetSummary;
import io.visprompt.dataset.Datasets;
import io.visprompt.dataset.Split;
import io.visprompt.evaluation.metrics.ClassificationReport;
import io.visprompt.model.FrozenModel;
import io.visprompt.model.ModelCatalog;
import io.visprompt.prompt.Prompts;
import io.visprompt.training.JobRejected;
import io.visprompt.training.QueuedJobRun;
import io.visprompt.training.QueuedJobRunner;
import io.visprompt.training.engine.PromptedClassifier;
import io.visprompt.training.engine.TrainingCheckpoint;
import io.visprompt.training.engine.TrainingCancelled;
import io.visprompt.training.engine.TrainingListener;
import io.visprompt.training.engine.TrainingProgress;
import io.visprompt.training.engine.TrainingSuspended;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs a claimed evaluation: the task's classifier with the prompt and (for a prompt) without it over every image of
 * the split, in batches, asking the queue after each batch whether to go on. Every {@link #CHECKPOINT_BATCHES}
 * batches, and when its worker shuts down, it checkpoints its counts so far under the job's lease (as training
 * does); a requeued evaluation goes on from the last checkpoint's image, and its report equals an uninterrupted
 * run's exactly.
 */
@Component
class EvaluationRunner implements QueuedJobRunner {

    static final String KIND = "evaluation";
    static final int BATCH = 32;
    /** Misclassified examples kept per evaluation, the most confident first. */
    static final int MAX_ERRORS = 1000;
    /** A checkpoint every this many batches (and when the worker shuts down), from which a requeued run resumes. */
    static final int CHECKPOINT_BATCHES = 4;

    private final Datasets datasets;
    private final Prompts prompts;
    private final ModelCatalog models;
    private final EvaluationResults results;
    private final JsonMapper json;

    EvaluationRunner(Datasets datasets, Prompts prompts, ModelCatalog models, EvaluationResults results,
            JsonMapper json) {
        this.datasets = datasets;
        this.prompts = prompts;
        this.models = models;
        this.results = results;
        this.json = json;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** One image to classify, with what the dataset's image endpoint needs to show it. */
    record Example(DatasetImage image, int label, int indexInClass) {
    }

    /**
     * A misclassified example: its position in the split, the predicted class and its probability, the true class's
     * probability and (for a prompt) the class predicted without it, else -1.
     */
    record Mistake(int index, int predicted, float confidence, float trueProbability, int predictedWithoutPrompt) {
    }

    /**
     * What a checkpoint keeps after {@code position} images: the counts of both reports and the most confident
     * mistakes so far. Going on from it over the same images gives the report of an uninterrupted run exactly.
     */
    record Partial(int position, ClassificationReport.State prompted, ClassificationReport.State bare,
            List<Mistake> mistakes) {
    }

    @Override
    public void run(QueuedJobRun run) {
        TrainingListener listener = run.listener();
        EvaluationSpec spec = json.readValue(run.specJson(), EvaluationSpec.class);
        listener.onPhase("loading_data");
        DatasetSummary dataset = datasets.find(run.tenant(), spec.datasetId()).orElseThrow(() ->
                new JobRejected("dataset_not_found", "The evaluation's dataset no longer exists"));
        EvaluationTask task;
        int[] taskLabels;
        try {
            task = EvaluationTask.resolve(run.tenant(), spec, prompts, models);
            taskLabels = task.taskLabels(dataset.classNames());
        } catch (EvaluationRefused refused) {
            throw new JobRejected(refused.code(), refused.getMessage());
        }
        List<Example> examples = examples(run.tenant(), dataset, spec.split());
        int n = examples.size();
        int classes = task.classNames().size();
        int[] labels = examples.stream().mapToInt(e -> taskLabels[e.label()]).toArray();
        Partial resumed = run.checkpoint().map(c -> json.readValue(c.state(), Partial.class))
                .filter(p -> p.position() <= n && p.bare().confusion().length == classes).orElse(null);
        ClassificationReport.Tally promptedTally = task.prompt() == null ? null
                : resumed != null && resumed.prompted() != null ? new ClassificationReport.Tally(resumed.prompted())
                : new ClassificationReport.Tally(classes);
        ClassificationReport.Tally bareTally = resumed != null ? new ClassificationReport.Tally(resumed.bare())
                : new ClassificationReport.Tally(classes);
        List<Mistake> mistakes = resumed != null ? new ArrayList<>(resumed.mistakes()) : new ArrayList<>();
        int from = resumed != null ? resumed.position() : 0;
        if (resumed != null) {
            listener.onEvent("resumed", "Resuming from the checkpoint at image " + from + " of " + n
                    + ": images 1 to " + from + " are not classified again");
        }
        listener.onPhase("loading_model");
        FrozenModel model = models.load(task.modelId());
        listener.onPhase("evaluating");
        try (PromptedClassifier prompted = task.prompt() == null ? null : classifier(model, task, true);
                PromptedClassifier bare = classifier(model, task, false)) {
            int batches = 0;
            for (int start = from; start < n; start += BATCH) {
                int end = Math.min(n, start + BATCH);
                List<BufferedImage> images = new ArrayList<>();
                for (int i = start; i < end; i++) {
                    images.add(read(examples.get(i).image()));
                }
                float[][] withPrompt = prompted == null ? null
                        : prompted.probabilities(images.stream().map(prompted::prepare).toList());
                float[][] withoutPrompt = bare.probabilities(images.stream().map(bare::prepare).toList());
                for (int i = start; i < end; i++) {
                    float[] p = withPrompt != null ? withPrompt[i - start] : withoutPrompt[i - start];
                    if (promptedTally != null) {
                        promptedTally.add(withPrompt[i - start], labels[i]);
                    }
                    bareTally.add(withoutPrompt[i - start], labels[i]);
                    int predicted = argMax(p);
                    if (predicted != labels[i]) {
                        mistakes.add(new Mistake(i, predicted, p[predicted], p[labels[i]],
                                withPrompt != null ? argMax(withoutPrompt[i - start]) : -1));
                    }
                }
                if (mistakes.size() > 2 * MAX_ERRORS) {
                    keepMostConfident(mistakes);
                }
                batches++;
                TrainingListener.Control control = listener.onProgress(new TrainingProgress(1, 1, end, n, 0, 0));
                if (control == TrainingListener.Control.CANCEL) {
                    throw new TrainingCancelled(end);
                }
                boolean suspend = control == TrainingListener.Control.SUSPEND;
                if (end < n && (suspend || batches % CHECKPOINT_BATCHES == 0)) {
                    keepMostConfident(mistakes);
                    Partial partial = new Partial(end, promptedTally == null ? null : promptedTally.state(),
                            bareTally.state(), mistakes);
                    // fenced by the lease like a training checkpoint: a lost lease throws here
                    listener.onCheckpoint(new TrainingCheckpoint(0, end, json.writeValueAsBytes(partial)));
                }
                if (suspend) {
                    throw new TrainingSuspended(end);
                }
            }
        }
        keepMostConfident(mistakes);
        ClassificationReport promptedReport = promptedTally == null ? null : promptedTally.report();
        ClassificationReport bareReport = bareTally.report();
        Map<String, Object> report = EvaluationReport.of(task.classNames(), spec.split(), promptedReport, bareReport);
        List<Map<String, Object>> errors = errors(dataset, examples, labels, task.classNames(), mistakes);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("examples", n);
        summary.put("accuracy", EvaluationReport.finite((promptedReport != null ? promptedReport : bareReport).accuracy()));
        summary.put("accuracy_without_prompt", EvaluationReport.finite(bareReport.accuracy()));
        summary.put("misclassified", errors.size());
        if (resumed != null) {
            summary.put("resumed_at_image", from);
        }
        run.succeed(json.writeValueAsString(summary),
                () -> results.save(run.jobId(), run.tenant(), task.classNames(), report, errors));
    }

    /** The {@link #MAX_ERRORS} most confident mistakes, ties by position: the same whatever the batches. */
    private static void keepMostConfident(List<Mistake> mistakes) {
        mistakes.sort(Comparator.comparingDouble((Mistake m) -> -m.confidence()).thenComparingInt(Mistake::index));
        if (mistakes.size() > MAX_ERRORS) {
            mistakes.subList(MAX_ERRORS, mistakes.size()).clear();
        }
    }

    private static PromptedClassifier classifier(FrozenModel model, EvaluationTask task, boolean withPrompt) {
        try {
            return new PromptedClassifier(model, withPrompt ? task.prompt() : null, task.classNames(),
                    task.labelMapping(), task.textTemplates());
        } catch (IllegalArgumentException e) {
            throw new JobRejected("invalid_evaluation_input", e.getMessage());
        }
    }

    /**
     * The split's images (every split's for {@code all}, train then val then test), each with its position among
     * its class's stored images, train first (how {@code GET /v1/datasets/{id}/classes/{label}/images/{n}} counts).
     */
    private List<Example> examples(Tenant tenant, DatasetSummary dataset, String split) {
        int classes = dataset.classNames().size();
        int[] before = new int[classes];
        List<Example> examples = new ArrayList<>();
        for (Split s : Split.values()) {
            List<DatasetImage> images = datasets.images(tenant, dataset.id(), s);
            int[] inSplit = new int[classes];
            boolean wanted = "all".equals(split) || s.wireName().equals(split);
            for (DatasetImage image : images) {
                int label = image.label();
                if (wanted) {
                    examples.add(new Example(image, label, before[label] + inSplit[label]));
                }
                inSplit[label]++;
            }
            for (int c = 0; c < classes; c++) {
                before[c] += inSplit[c];
            }
        }
        return examples;
    }

    private static BufferedImage read(DatasetImage image) {
        try {
            BufferedImage read = ImageIO.read(image.file().toFile());
            if (read == null) {
                throw new IOException("not an image: " + image.file().getFileName());
            }
            return read;
        } catch (IOException e) {
            if (!Files.exists(image.file())) {
                // as in training: an image the dataset lists that is gone fails the evaluation, never requeues it
                throw new UncheckedIOException(new NoSuchFileException(image.file().toString()));
            }
            throw new UncheckedIOException(e);
        }
    }

    /** The misclassified examples (by the prompted classifier, or the bare model), the most confident first. */
    private static List<Map<String, Object>> errors(DatasetSummary dataset, List<Example> examples, int[] labels,
            List<String> classNames, List<Mistake> mistakes) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Mistake m : mistakes) {
            Example example = examples.get(m.index());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", m.index());
            row.put("split", example.image().split().wireName());
            row.put("true_class", classNames.get(labels[m.index()]));
            row.put("predicted_class", classNames.get(m.predicted()));
            row.put("confidence", (double) m.confidence());
            row.put("true_class_probability", (double) m.trueProbability());
            if (m.predictedWithoutPrompt() >= 0) {
                row.put("predicted_class_without_prompt", classNames.get(m.predictedWithoutPrompt()));
            }
            row.put("image_url", "/v1/datasets/" + dataset.id() + "/classes/" + example.label() + "/images/"
                    + example.indexInClass());
            rows.add(row);
        }
        return rows;
    }

    private static int argMax(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }
}
