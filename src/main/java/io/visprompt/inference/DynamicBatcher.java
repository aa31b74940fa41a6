package io.visprompt.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import io.visprompt.training.engine.IntraOpThreads;
import io.visprompt.training.engine.PromptedClassifier;

/**
 * Collects concurrent requests for one classifier into batches: one forward pass answers every request queued
 * while the previous pass ran, up to {@code maxBatch}. A lone request runs at once; under load the batches grow by
 * themselves, as requests arrive while a pass runs. With {@code maxWait} above zero the first request of a batch
 * also waits up to that long for company. A request that finds nothing queued and no pass running, for a batch of
 * one known to be fastest on one intra-op thread, is answered on its own thread: handing it to the batcher and
 * back would wake two sleeping threads for a pass of about a millisecond. Each pass runs on one intra-op thread or on all, whichever measured
 * faster for its batch size ({@link ForwardThreads}); the count is the batcher thread's own, training threads keep
 * theirs.
 */
final class DynamicBatcher implements AutoCloseable {

    /**
     * @param waitNanos    from the submit to the start of the forward pass that answered it
     * @param forwardNanos that forward pass (shared by the whole batch)
     */
    record Answer(float[] probabilities, int batchSize, long waitNanos, long forwardNanos) {
    }

    /** Told of every forward pass: how many requests it answered and on how many intra-op threads. */
    interface Passes {
        void record(int batchSize, int threads);
    }

    private record Pending(float[] pixels, CompletableFuture<Answer> answer, long submittedAt) {
    }

    private static final Pending CLOSE = new Pending(null, null, 0);

    private final PromptedClassifier classifier;
    private final String modelId;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Passes passes;
    private final ForwardThreads threads = new ForwardThreads(IntraOpThreads.processDefault());
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread dispatcher;
    /** One forward pass at a time, on the batcher or a caller: what queues meanwhile is the next batch. */
    private final Semaphore pass = new Semaphore(1);
    private static final ThreadLocal<Boolean> SERVING_THREAD = ThreadLocal.withInitial(() -> false);
    /** Submits share it, close takes it alone: after close() returns nothing more is queued or run. */
    private final ReadWriteLock admission = new ReentrantReadWriteLock();
    private volatile boolean closing;

    DynamicBatcher(PromptedClassifier classifier, String modelId, int maxBatch, Duration maxWait, String name,
            Passes passes) {
        this.classifier = classifier;
        this.modelId = modelId;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.passes = passes;
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
        // under the read side: a close cannot slip between the check of closing and the enqueue, which would leave
        // a request behind the batcher's last pass, unanswered (or answered with a 500)
        admission.readLock().lock();
        try {
            if (closing) {
                return java.util.Optional.empty();
            }
            CompletableFuture<Answer> answer = new CompletableFuture<>();
            Pending pending = new Pending(pixels, answer, System.nanoTime());
            if (maxWaitNanos == 0 && queue.isEmpty() && pass.tryAcquire()) {
                try {
                    if (!closing && threads.oneIsFaster(1)) {
                        if (!SERVING_THREAD.get()) {
                            PromptedClassifier.configureServingThread();
                            SERVING_THREAD.set(true);
                        }
                        run(List.of(pending));
                        return java.util.Optional.of(answer);
                    }
                } finally {
                    pass.release();
                }
            }
            queue.add(pending);
            return java.util.Optional.of(answer);
        } finally {
            admission.readLock().unlock();
        }
    }

    /** Answers what is queued, then frees the classifier. */
    @Override
    public void close() {
        admission.writeLock().lock();
        try {
            closing = true;
            queue.add(CLOSE);
        } finally {
            admission.writeLock().unlock();
        }
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
                pass.acquire();
                try {
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
                } finally {
                    pass.release();
                }
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
        pass.acquireUninterruptibly(); // a caller's pass may still be running
        classifier.close();
    }

    private void run(List<Pending> batch) {
        try {
            int count = threads.choose(batch.size());
            IntraOpThreads.use(count);
            long start = System.nanoTime();
            float[][] probabilities = classifier.probabilities(batch.stream().map(Pending::pixels).toList());
            long forward = System.nanoTime() - start;
            threads.record(batch.size(), count, forward);
            passes.record(batch.size(), count);
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                p.answer().complete(new Answer(probabilities[i], batch.size(), start - p.submittedAt(), forward));
            }
        } catch (RuntimeException e) {
            batch.forEach(p -> p.answer().completeExceptionally(e));
        }
    }
}
