package io.visprompt.training.engine;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Batches of an {@link ImageCache} in a given order, assembled on a background thread into float buffers while the
 * previous step runs. The queue is bounded (two batches ahead), so memory stays flat. Only Java buffers cross
 * threads; all arrays are made on the training thread.
 */
final class BatchStream implements AutoCloseable {

    record Batch(FloatBuffer pixelsNhwc, int[] labels, int count) {
    }

    private static final Batch END = new Batch(null, null, 0);

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(2);
    private final Thread producer;
    private volatile boolean closed;

    /**
     * @param order      example indices in visiting order
     * @param firstBatch batches to skip (when resuming inside an epoch)
     */
    BatchStream(ImageCache cache, int[] order, int batchSize, int firstBatch) {
        producer = new Thread(() -> produce(cache, order, batchSize, firstBatch), "prompt-batches");
        producer.setDaemon(true);
        producer.start();
    }

    private void produce(ImageCache cache, int[] order, int batchSize, int firstBatch) {
        try {
            for (int start = firstBatch * batchSize; start < order.length && !closed; start += batchSize) {
                int count = Math.min(batchSize, order.length - start);
                FloatBuffer pixels = FloatBuffer.allocate(count * cache.valuesPerImage());
                int[] labels = new int[count];
                for (int i = 0; i < count; i++) {
                    cache.copyTo(order[start + i], pixels);
                    labels[i] = cache.label(order[start + i]);
                }
                pixels.flip();
                put(new Batch(pixels, labels, count));
            }
            put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            try {
                put(e);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void put(Object item) throws InterruptedException {
        while (!closed && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
            // wait for the consumer, or for close()
        }
    }

    /** The next batch, or null at the end. */
    Batch next() {
        try {
            Object item = queue.take();
            if (item instanceof RuntimeException failure) {
                throw failure;
            }
            Batch batch = (Batch) item;
            if (batch == END) {
                queue.offer(END);
                return null;
            }
            return batch;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a batch", e);
        }
    }

    static int[] sequentialOrder(int size) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        return order;
    }

    /** A Fisher-Yates shuffle from the given seed, the same on every run. */
    static int[] shuffledOrder(int size, long seed) {
        int[] order = sequentialOrder(size);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    @Override
    public void close() {
        closed = true;
        producer.interrupt();
        try {
            producer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
