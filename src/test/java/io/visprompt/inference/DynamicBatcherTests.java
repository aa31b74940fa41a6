package io.visprompt.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.visprompt.model.internal.LoadedModel;
import io.visprompt.model.internal.TorchScriptModels;
import io.visprompt.training.engine.PromptedClassifier;
import org.junit.jupiter.api.Test;

/**
 * Closing a batcher (a model released, a prompt evicted) while clients submit: each request is either refused at
 * once (the caller asks for a fresh batcher) or answered; none is left behind the last pass to hang or fail.
 */
class DynamicBatcherTests {

    @Test
    void aCloseAmidSubmitsAnswersEveryAdmittedRequestAndAdmitsNoneAfterIt() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try (LoadedModel model = TorchScriptModels.openDirectory("fashion-cnn",
                Path.of("src/main/resources/models/fashion-cnn"))) {
            int classes = model.descriptor().labels().size();
            int answered = 0;
            int refused = 0;
            for (int round = 0; round < 30; round++) {
                PromptedClassifier classifier = new PromptedClassifier(model, null, model.descriptor().labels(),
                        null, null);
                float[] pixels = classifier.prepare(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB));
                DynamicBatcher batcher = new DynamicBatcher(classifier, "fashion-cnn", 8, Duration.ZERO,
                        "close-test-" + round, (batchSize, threads) -> { });
                CountDownLatch halfway = new CountDownLatch(20);
                List<Future<Optional<CompletableFuture<DynamicBatcher.Answer>>>> submits = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    submits.add(clients.submit(() -> {
                        halfway.countDown();
                        return batcher.submit(pixels);
                    }));
                }
                halfway.await(10, TimeUnit.SECONDS);
                batcher.close();
                assertThat(batcher.submit(pixels)).as("nothing is admitted once close() returned").isEmpty();
                for (Future<Optional<CompletableFuture<DynamicBatcher.Answer>>> submit : submits) {
                    Optional<CompletableFuture<DynamicBatcher.Answer>> answer = submit.get(10, TimeUnit.SECONDS);
                    if (answer.isEmpty()) {
                        refused++;
                        continue;
                    }
                    assertThat(answer.get().get(10, TimeUnit.SECONDS).probabilities()).hasSize(classes);
                    answered++;
                }
                assertThat(batcher.awaitClosed(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(answered + refused).isEqualTo(30 * 40);
            assertThat(answered).isPositive();
        } finally {
            clients.shutdownNow();
        }
    }
}
