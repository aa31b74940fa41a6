package io.visprompt.training.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op (OpenMP) thread count, which is a setting of the calling thread: {@code at::set_num_threads}
 * sets the caller's OpenMP {@code nthreads-var} ({@code omp_set_num_threads}) and {@code at::get_num_threads} reads
 * the caller's ({@code omp_get_max_threads}), so a serving thread can run small passes on one thread while training
 * threads use every core. One part is process-wide: {@code set_num_threads} also stores the count in a global that
 * a thread which never set its own takes on at its first libtorch call. So every thread that computes sets its own:
 * training workers {@link #useProcessDefault()}, serving threads per pass ({@link #use(int)}).
 */
public final class IntraOpThreads {

    /** The count libtorch gave a thread before anyone chose one here (OMP_NUM_THREADS, the DJL property, or cores). */
    private static final int PROCESS_DEFAULT = initialCount();

    private IntraOpThreads() {
    }

    private static int initialCount() {
        Engine.getEngine("PyTorch"); // loads libtorch
        return Math.max(1, JniUtils.getNumThreads());
    }

    /** The process's default count: the most a pass here uses. */
    public static int processDefault() {
        return PROCESS_DEFAULT;
    }

    /** The calling thread's count. */
    public static int current() {
        return JniUtils.getNumThreads();
    }

    /** Sets the calling thread's count (and libtorch's global default for threads that never set one). */
    public static void use(int threads) {
        if (JniUtils.getNumThreads() != threads) {
            JniUtils.setNumThreads(threads);
        }
    }

    /** The calling thread computes with the process default, whatever a serving thread chose last. */
    public static void useProcessDefault() {
        use(PROCESS_DEFAULT);
    }
}
