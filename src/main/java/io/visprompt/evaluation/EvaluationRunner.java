package io.visprompt.evaluation;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import io.visprompt.training.engine.TrainingCancelled;
import io.visprompt.training.engine.TrainingListener;
import io.visprompt.training.engine.TrainingProgress;
import io.visprompt.training.engine.TrainingSuspended;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs a claimed evaluation: the task's classifier with the prompt and (for a prompt) without it over every image of
 * the split, in batches, asking the queue after each batch whether to go on. A requeued evaluation starts again
 * from the first image: it has nothing worth a checkpoint.
 */
@Component
class EvaluationRunner implements QueuedJobRunner {

    static final String KIND = "evaluation";
    static final int BATCH = 32;
    /** Misclassified examples kept per evaluation, the most confident first. */
    static final int MAX_ERRORS = 1000;

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
        listener.onPhase("loading_model");
        FrozenModel model = models.load(task.modelId());
        listener.onPhase("evaluating");
        int n = examples.size();
        int classes = task.classNames().size();
        float[][] withPrompt = task.prompt() == null ? null : new float[n][];
        float[][] withoutPrompt = new float[n][];
        try (PromptedClassifier prompted = task.prompt() == null ? null : classifier(model, task, true);
                PromptedClassifier bare = classifier(model, task, false)) {
            for (int start = 0; start < n; start += BATCH) {
                int end = Math.min(n, start + BATCH);
                List<BufferedImage> images = new ArrayList<>();
                for (int i = start; i < end; i++) {
                    images.add(read(examples.get(i).image()));
                }
                if (prompted != null) {
                    copy(prompted.probabilities(images.stream().map(prompted::prepare).toList()), withPrompt, start);
                }
                copy(bare.probabilities(images.stream().map(bare::prepare).toList()), withoutPrompt, start);
                TrainingListener.Control control = listener.onProgress(new TrainingProgress(1, 1, end, n, 0, 0));
                if (control == TrainingListener.Control.CANCEL) {
                    throw new TrainingCancelled(end);
                }
                if (control == TrainingListener.Control.SUSPEND) {
                    throw new TrainingSuspended(end);
                }
            }
        }
        int[] labels = examples.stream().mapToInt(e -> taskLabels[e.label()]).toArray();
        ClassificationReport promptedReport = withPrompt == null ? null
                : ClassificationReport.of(withPrompt, labels, classes);
        ClassificationReport bareReport = ClassificationReport.of(withoutPrompt, labels, classes);
        Map<String, Object> report = EvaluationReport.of(task.classNames(), spec.split(), promptedReport, bareReport);
        List<Map<String, Object>> errors = errors(dataset, examples, labels, task.classNames(),
                withPrompt != null ? withPrompt : withoutPrompt, withPrompt != null ? withoutPrompt : null);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("examples", n);
        summary.put("accuracy", EvaluationReport.finite((promptedReport != null ? promptedReport : bareReport).accuracy()));
        summary.put("accuracy_without_prompt", EvaluationReport.finite(bareReport.accuracy()));
        summary.put("misclassified", errors.size());
        run.succeed(json.writeValueAsString(summary),
                () -> results.save(run.jobId(), run.tenant(), task.classNames(), report, errors));
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
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(float[][] rows, float[][] into, int start) {
        System.arraycopy(rows, 0, into, start, rows.length);
    }

    /** The misclassified examples (by the prompted classifier, or the bare model), the most confident first. */
    private static List<Map<String, Object>> errors(DatasetSummary dataset, List<Example> examples, int[] labels,
            List<String> classNames, float[][] probabilities, float[][] withoutPrompt) {
        record Mistake(int index, int predicted, float confidence) {
        }
        List<Mistake> mistakes = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            int predicted = argMax(probabilities[i]);
            if (predicted != labels[i]) {
                mistakes.add(new Mistake(i, predicted, probabilities[i][predicted]));
            }
        }
        mistakes.sort(Comparator.comparingDouble((Mistake m) -> -m.confidence()).thenComparingInt(Mistake::index));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Mistake m : mistakes.subList(0, Math.min(MAX_ERRORS, mistakes.size()))) {
            Example example = examples.get(m.index());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", m.index());
            row.put("split", example.image().split().wireName());
            row.put("true_class", classNames.get(labels[m.index()]));
            row.put("predicted_class", classNames.get(m.predicted()));
            row.put("confidence", (double) m.confidence());
            row.put("true_class_probability", (double) probabilities[m.index()][labels[m.index()]]);
            if (withoutPrompt != null) {
                int bare = argMax(withoutPrompt[m.index()]);
                row.put("predicted_class_without_prompt", classNames.get(bare));
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
