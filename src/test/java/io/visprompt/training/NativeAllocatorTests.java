package io.visprompt.training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeAllocatorTests {

    private static final String LIBC =
            "7f1c2a400000-7f1c2a428000 r--p 00000000 08:01 1837 /usr/lib/x86_64-linux-gnu/libc.so.6";
    private static final String TORCH =
            "7f1c10000000-7f1c18000000 r-xp 00000000 08:01 99 /root/.djl.ai/pytorch/2.7.1-cpu/libtorch_cpu.so";

    @Test
    void preloadedTcmallocIsReportedAsCachingEvenThoughLibcIsMappedToo() {
        NativeAllocator allocator = NativeAllocator.of(List.of(LIBC, TORCH,
                "7f1c2b000000-7f1c2b020000 r-xp 00000000 08:01 2001 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.9"));

        assertThat(allocator).isEqualTo(NativeAllocator.TCMALLOC);
        assertThat(allocator.caches()).isTrue();
    }

    @Test
    void jemallocIsReportedAsCaching() {
        assertThat(NativeAllocator.of(List.of("7f-80 r-xp 0 08:01 3 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2", LIBC)))
                .isEqualTo(NativeAllocator.JEMALLOC);
    }

    @Test
    void plainGlibcProcessIsReportedAsNotCaching() {
        NativeAllocator allocator = NativeAllocator.of(List.of(LIBC, TORCH, "7ffd-7ffe rw-p 0 00:00 0 [stack]"));

        assertThat(allocator).isEqualTo(NativeAllocator.GLIBC);
        assertThat(allocator.caches()).isFalse();
        assertThat(allocator.wireName()).isEqualTo("glibc");
    }

    @Test
    void mapsWithoutAnyCLibraryTellNothing() {
        assertThat(NativeAllocator.of(List.of("7ffd-7ffe rw-p 0 00:00 0 [stack]"))).isEqualTo(NativeAllocator.UNKNOWN);
    }

    @Test
    void thisJvmIsReadFromProcSelfMapsOnLinux() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux /proc");

        // Some C library always serves this JVM's malloc: glibc, or a preloaded caching one.
        assertThat(NativeAllocator.ofThisProcess()).isNotEqualTo(NativeAllocator.UNKNOWN);
    }
}
