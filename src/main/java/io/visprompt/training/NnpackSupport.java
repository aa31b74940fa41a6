package io.visprompt.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether libtorch's NNPACK convolution kernels can run on this CPU. On x86 NNPACK needs AVX2; without it libtorch
 * uses its other kernels (same results) but logs "Could not initialize NNPACK! Reason: Unsupported hardware" on
 * every convolution unless {@code TORCH_CPP_LOG_LEVEL=ERROR} was set before the JVM started (DJL 0.35.1 has no
 * switch to turn NNPACK off), so the worker says it once instead.
 */
enum NnpackSupport {
    /** An x86 CPU with AVX2. */
    AVAILABLE,
    /** An x86 CPU without AVX2: libtorch cannot initialise NNPACK. */
    NO_AVX2,
    /** Not x86 (ARM's NNPACK needs only NEON, which every 64-bit ARM has) or no {@code /proc/cpuinfo}. */
    NOT_CHECKED;

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    /** The c10 levels (by name or number) at which libtorch's warnings are not printed. */
    private static final Set<String> QUIET_LEVELS = Set.of("ERROR", "FATAL", "2", "3");

    static NnpackSupport ofThisCpu() {
        try {
            return of(Files.readAllLines(CPUINFO));
        } catch (IOException | UnsupportedOperationException e) {
            return NOT_CHECKED; // not Linux: nothing to tell
        }
    }

    /**
     * What a CPU worker should log once at start: nothing where NNPACK works; else that it does not, and, when
     * {@code TORCH_CPP_LOG_LEVEL} (the value given, null if unset) still lets warnings through, that libtorch will
     * repeat its own on every convolution.
     */
    List<String> warnings(String torchCppLogLevel) {
        if (this != NO_AVX2) {
            return List.of();
        }
        String unavailable = "NNPACK is unavailable on this CPU (no AVX2); libtorch uses its other convolution kernels";
        if (torchCppLogLevel != null && QUIET_LEVELS.contains(torchCppLogLevel.trim().toUpperCase(Locale.ROOT))) {
            return List.of(unavailable);
        }
        return List.of(unavailable, "TORCH_CPP_LOG_LEVEL is " + (torchCppLogLevel == null ? "not set" : torchCppLogLevel)
                + ": libtorch will log \"Could not initialize NNPACK\" on every convolution; set TORCH_CPP_LOG_LEVEL=ERROR"
                + " before the JVM starts, as the container images do");
    }

    /** From the lines of {@code /proc/cpuinfo}: only x86 has a {@code flags} line (ARM lists {@code Features}). */
    static NnpackSupport of(List<String> cpuinfoLines) {
        for (String line : cpuinfoLines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                // every core lists the same flags: the first processor's line decides
                return Arrays.asList(line.substring(colon + 1).trim().split("\\s+")).contains("avx2") ? AVAILABLE : NO_AVX2;
            }
        }
        return NOT_CHECKED;
    }
}
