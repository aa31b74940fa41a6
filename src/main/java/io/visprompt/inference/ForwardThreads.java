package io.visprompt.inference;

/**
 * Chooses the intra-op thread count of each forward pass of one classifier, one thread or all, by what passes of
 * that batch size (rounded up to a power of two) measured with each. A small pass on several OpenMP threads pays
 * for waking them, which on a small machine costs more than the work it shares (the 32 px demo model answers one
 * image in about 1.1 ms on one thread and 1.7 ms on two); a ResNet-18 batch needs every core. Passes that take
 * {@link #PARALLEL_ABOVE_NANOS} or more on all threads are never tried on one: a wake-up is noise next to them.
 * Every {@link #RETRY_EVERY}th pass of a size runs with the count that measured slower, so the choice follows a
 * change of load. The first pass of each size and count is not counted (it allocates what later passes reuse). Not
 * thread-safe: calls hold the batcher's pass permit.
 */
final class ForwardThreads {

    static final long PARALLEL_ABOVE_NANOS = 20_000_000;
    static final int RETRY_EVERY = 32;
    private static final double SMOOTHING = 0.2;

    private final int all;
    private final double[] oneThread = new double[32];
    private final double[] allThreads = new double[32];
    private final int[] passes = new int[32];
    private final boolean[][] warm = new boolean[2][32];

    ForwardThreads(int all) {
        this.all = all;
        java.util.Arrays.fill(oneThread, Double.NaN);
        java.util.Arrays.fill(allThreads, Double.NaN);
    }

    /** The thread count for a pass over {@code batchSize} images. */
    int choose(int batchSize) {
        if (all <= 1) {
            return 1;
        }
        int size = sizeClass(batchSize);
        if (Double.isNaN(allThreads[size])) {
            return all; // libtorch's default first: nothing is tried on one thread before it is known to be short
        }
        if (allThreads[size] >= PARALLEL_ABOVE_NANOS) {
            return all;
        }
        if (Double.isNaN(oneThread[size])) {
            return 1;
        }
        boolean one = oneThread[size] <= allThreads[size];
        if (++passes[size] % RETRY_EVERY == 0) {
            one = !one;
        }
        return one ? 1 : all;
    }

    /**
     * Whether a pass over {@code batchSize} images is known to be fastest on one thread, without counting it as a
     * pass (so it does not move the next retry).
     */
    boolean oneIsFaster(int batchSize) {
        if (all <= 1) {
            return true;
        }
        int size = sizeClass(batchSize);
        return allThreads[size] < PARALLEL_ABOVE_NANOS && oneThread[size] <= allThreads[size];
    }

    /** What a pass over {@code batchSize} images took on {@code threads} threads. */
    void record(int batchSize, int threads, long nanos) {
        double[] measured = threads == 1 ? oneThread : allThreads;
        int size = sizeClass(batchSize);
        if (!warm[threads == 1 ? 0 : 1][size]) {
            warm[threads == 1 ? 0 : 1][size] = true; // the first pass of a shape allocates and is not typical
            return;
        }
        measured[size] = Double.isNaN(measured[size]) ? nanos : measured[size] + SMOOTHING * (nanos - measured[size]);
    }

    private static int sizeClass(int batchSize) {
        return 32 - Integer.numberOfLeadingZeros(Math.max(1, batchSize) - 1);
    }
}
