package io.visprompt.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The malloc that libtorch's CPU tensors come from in this process. glibc hands every buffer above 32 MB back to
 * the kernel when it is freed, so a CPU training step page-faults its activations in again each time; a caching
 * allocator keeps them. Measured on ResNet-18 at batch 32 (bench/README.md): 1.2-1.4x more images/s with tcmalloc.
 * It has to be preloaded before the JVM starts ({@code LD_PRELOAD=libtcmalloc_minimal.so.4}, as the image does), so
 * the process can only report which one it got.
 */
enum NativeAllocator {
    TCMALLOC, JEMALLOC, GLIBC, UNKNOWN;

    private static final Path MAPS = Path.of("/proc/self/maps");

    /** Whether freed tensor buffers stay in the process for the next step. */
    boolean caches() {
        return this == TCMALLOC || this == JEMALLOC;
    }

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static NativeAllocator ofThisProcess() {
        try {
            return of(Files.readAllLines(MAPS));
        } catch (IOException | UnsupportedOperationException e) {
            return UNKNOWN; // not Linux: nothing to tell
        }
    }

    /** From the lines of {@code /proc/<pid>/maps}: a mapped tcmalloc or jemalloc library means it serves malloc. */
    static NativeAllocator of(List<String> mapsLines) {
        boolean libc = false;
        for (String line : mapsLines) {
            int slash = line.lastIndexOf('/');
            String file = slash < 0 ? "" : line.substring(slash + 1);
            if (file.startsWith("libtcmalloc")) {
                return TCMALLOC;
            }
            if (file.startsWith("libjemalloc")) {
                return JEMALLOC;
            }
            libc |= file.startsWith("libc.so") || file.startsWith("libc-");
        }
        return libc ? GLIBC : UNKNOWN;
    }
}
