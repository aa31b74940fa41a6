package io.visprompt.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.visprompt.training.engine.PromptedClassifier;

/**
 * Collects concurrent requests for one classifier into batches: one forward pass answers every request queued
 * while the previous pass ran, up to {@code maxBatch}. A lone request runs at once; under load the batches grow by
 * themselves, as requests arrive while a pass runs. With {@code maxWait} above zero the first request of a batch
 * also waits up to that long for company.
 */
final class DynamicBatcher implements AutoCloseable {

    /**
     * @param waitNanos    from the submit to the start of the forward pass that answered it
     * @param forwardNanos that forward pass (shared by the whole batch)
     */
    record Answer(float[] probabilities, int batchSize, long waitNanos, long forwardNanos) {
    }

    private record Pending(float[] pixels, CompletableFuture<Answer> answer, long submittedAt) {
    }

    private static final Pending CLOSE = new Pending(null, null, 0);

    private final PromptedClassifier classifier;
    private final String modelId;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Consumer<Integer> batchSizes;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread dispatcher;
    private volatile boolean closing;

    DynamicBatcher(PromptedClassifier classifier, String modelId, int maxBatch, Duration maxWait, String name,
            Consumer<Integer> batchSizes) {
        this.classifier = classifier;
        this.modelId = modelId;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.batchSizes = batchSizes;
        this.dispatcher = new Thread(this::dispatch, "visprompt-batcher-" + name);
        this.dispatcher.setDaemon(true);
        this.dispatcher.start();
    }

    PromptedClassifier classifier() {
        return classifier;
    }

    /** The frozen model the classifier runs. */
    String modelId() {
        return modelId;
    }

    /** Queues one prepared image; empty when this batcher is closing (the caller asks for a fresh one). */
    java.util.Optional<CompletableFuture<Answer>> submit(float[] pixels) {
        if (closing) {
            return java.util.Optional.empty();
        }
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        queue.add(new Pending(pixels, answer, System.nanoTime()));
        return java.util.Optional.of(answer);
    }

    /** Answers what is queued, then frees the classifier. */
    @Override
    public void close() {
        closing = true;
        queue.add(CLOSE);
    }

    /**
     * After {@link #close}: waits until the last forward pass is done and the classifier freed, so the model under
     * it can be closed; false when that took longer than {@code timeout}.
     */
    boolean awaitClosed(Duration timeout) throws InterruptedException {
        dispatcher.join(Math.max(1, timeout.toMillis()));
        return !dispatcher.isAlive();
    }

    private void dispatch() {
        PromptedClassifier.configureServingThread();
        List<Pending> batch = new ArrayList<>(maxBatch);
        boolean stop = false;
        while (!stop) {
            try {
                Pending first = queue.take();
                if (first == CLOSE) {
                    break;
                }
                batch.add(first);
                // what queued up during the previous forward pass goes in at once; waiting for more is optional
                queue.drainTo(batch, maxBatch - 1);
                if (batch.remove(CLOSE)) {
                    stop = true;
                }
                long deadline = System.nanoTime() + maxWaitNanos;
                while (!stop && maxWaitNanos > 0 && batch.size() < maxBatch) {
                    Pending next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    if (next == CLOSE) {
                        stop = true;
                        break;
                    }
                    batch.add(next);
                }
                run(batch);
            } catch (InterruptedException e) {
                stop = true;
            } finally {
                batch.clear();
            }
        }
        for (Pending left; (left = queue.poll()) != null; ) {
            if (left != CLOSE) {
                left.answer().completeExceptionally(new IllegalStateException("classifier closed"));
            }
        }
        classifier.close();
    }

    private void run(List<Pending> batch) {
        try {
            long start = System.nanoTime();
            float[][] probabilities = classifier.probabilities(batch.stream().map(Pending::pixels).toList());
            long forward = System.nanoTime() - start;
            batchSizes.accept(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                p.answer().complete(new Answer(probabilities[i], batch.size(), start - p.submittedAt(), forward));
            }
        } catch (RuntimeException e) {
            batch.forEach(p -> p.answer().completeExceptionally(e));
        }
    }
}
