package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.visprompt.model.internal.LoadedModel;

/**
 * Black-box prompting on a local model, through queries only: on fashion-border (the unprompted fashion-cnn is at
 * chance, see {@link PromptLearningTest}) SPSA-GC and RGF learn a padding prompt well above chance within a small
 * query budget. Prints the figures next to a white-box run on the same data, for the README.
 */
class BlackBoxLearningIT {

    @TempDir
    Path directory;

    @Test
    void spsaGcLearnsAPromptFromQueriesAlone() throws IOException {
        TrainingOutcome outcome = train(OptimizerKind.SPSA_GC, Double.parseDouble(System.getProperty("bb.lr", "0.04")),
                Integer.getInteger("bb.qps", 10), Long.getLong("bb.budget", 4000L));
        assertThat(outcome.mappingOnlyTestAccuracy()).isLessThan(0.2);
        assertThat(outcome.promptedTestAccuracy()).isGreaterThan(0.4);
    }

    @Test
    void rgfLearnsAPromptFromQueriesAlone() throws IOException {
        TrainingOutcome outcome = train(OptimizerKind.RGF, Double.parseDouble(System.getProperty("bb.lr", "0.04")),
                Integer.getInteger("bb.qps", 10), Long.getLong("bb.budget", 4000L));
        assertThat(outcome.promptedTestAccuracy()).isGreaterThan(0.4);
    }

    private TrainingOutcome train(OptimizerKind kind, double learningRate, int queriesPerStep, long budget)
            throws IOException {
        TrainingData data = ImageFolderZip.unpack(Path.of("src/test/resources/fixtures/data/fashion-border.zip"),
                directory.resolve(kind.wireName()));
        TrainingSettings settings = new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED,
                LabelMapping.BY_NAME, List.of(), Integer.getInteger("bb.epochs", 100), 32, learningRate, 0.9, 0.0, 0,
                kind, 0, 0, new BlackBoxSettings(queriesPerStep, Double.parseDouble(System.getProperty("bb.c", "0.01")),
                        budget));
        List<QueryUsage> usage = new ArrayList<>();
        long started = System.nanoTime();
        TrainingOutcome outcome;
        try (LoadedModel model = EngineFixtures.classifier()) {
            outcome = new PromptTrainer(model, settings).train(data, new TrainingListener() {
                @Override
                public void onQueries(QueryUsage queries) {
                    usage.add(queries);
                }
            }, null);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        QueryUsage last = usage.get(usage.size() - 1);
        System.out.printf("%s lr %s, %d queries/step: %d queries (budget %d) in %.1f s (%.0f queries/s, %.2f ms "
                + "each); test accuracy without prompt %.4f, with prompt %.4f (best validation %.4f at epoch %d)%n",
                kind.wireName(), learningRate, queriesPerStep, last.queries(), budget, seconds,
                last.queriesPerSecond(), last.meanLatencyMillis(), outcome.mappingOnlyTestAccuracy(),
                outcome.promptedTestAccuracy(), outcome.bestValidationAccuracy(), outcome.bestEpoch());
        assertThat(last.queries()).isLessThanOrEqualTo(budget);
        assertThat(last.plannedQueries()).isEqualTo(last.queries());
        return outcome;
    }
}
