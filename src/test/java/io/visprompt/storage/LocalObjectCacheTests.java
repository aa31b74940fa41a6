package io.visprompt.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.visprompt.storage.internal.LocalObjectCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes given one cache directory (one host, or pods sharing a volume): a start never deletes the copies of a
 * live process, only what stopped or crashed ones left.
 */
class LocalObjectCacheTests {

    @TempDir
    Path directory;

    @Test
    void aSecondCacheOnTheSameDirectoryLeavesTheFirstsCopiesReadable() throws Exception {
        AtomicInteger downloads = new AtomicInteger();
        try (LocalObjectCache first = new LocalObjectCache(directory, 1 << 20)) {
            Path copy = first.get("models/m1/model.pt", file -> {
                downloads.incrementAndGet();
                Files.write(file, new byte[] {1, 2, 3});
            });

            Path othersCopy;
            try (LocalObjectCache second = new LocalObjectCache(directory, 1 << 20)) {
                assertThat(copy).as("the first cache's copy after the second's start").hasBinaryContent(
                        new byte[] {1, 2, 3});
                othersCopy = second.get("models/m1/model.pt", file -> Files.write(file, new byte[] {1, 2, 3}));
                assertThat(othersCopy).isNotEqualTo(copy).hasBinaryContent(new byte[] {1, 2, 3});
            }

            assertThat(othersCopy).as("closing takes only its own copies").doesNotExist();
            assertThat(first.get("models/m1/model.pt", file -> downloads.incrementAndGet())).isEqualTo(copy)
                    .hasBinaryContent(new byte[] {1, 2, 3});
            assertThat(downloads).as("still a cached copy, not downloaded again").hasValue(1);
            assertThat(first.totalBytes()).isEqualTo(3);
        }
        try (var left = Files.list(directory)) {
            assertThat(left).as("closed caches leave no folders").allMatch(p -> !Files.isDirectory(p));
        }
    }

    @Test
    void anotherProcesssCopiesSurviveAStartUntilThatProcessDies() throws Exception {
        Process owner = startOwnerProcess();
        Path copy;
        try {
            String line = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertThat(line).as("the owner process reports its copy").isNotNull();
            copy = Path.of(line);

            try (LocalObjectCache starting = new LocalObjectCache(directory, 1 << 20)) {
                assertThat(copy).as("a live process's copy").hasBinaryContent(new byte[] {1, 2, 3});
            }
        } finally {
            owner.destroyForcibly(); // as kill -9: the process cannot clean up after itself
        }
        assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(copy).as("left behind by the killed process").exists();

        try (LocalObjectCache next = new LocalObjectCache(directory, 1 << 20)) {
            assertThat(copy.getParent().getParent().getParent()).as("the dead process's folder").doesNotExist();
            assertThat(next.directory()).isDirectory();
        }
    }

    @Test
    void aSecondCacheInThisProcessLeavesTheFirstsLockHeldForOtherProcesses() throws Exception {
        try (LocalObjectCache first = new LocalObjectCache(directory, 1 << 20)) {
            Path copy = first.get("models/m1/model.pt", file -> Files.write(file, new byte[] {1, 2, 3}));
            // probing the first's lock file from here would drop its lock (POSIX locks are per process)
            new LocalObjectCache(directory, 1 << 20).close();

            Process other = startOwnerProcess();
            try {
                String line = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                assertThat(line).as("the other process has started its cache").isNotNull();
                assertThat(copy).as("the first cache's copy after another process's start")
                        .hasBinaryContent(new byte[] {1, 2, 3});
            } finally {
                other.destroyForcibly();
                assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private Process startOwnerProcess() throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CacheOwnerProcess.class.getName(), directory.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    @Test
    void aStartDeletesFoldersWhoseLockIsFreeAndLeftoversOfEarlierVersions() throws Exception {
        Path stopped = Files.createDirectories(directory.resolve("stopped-run/models/m1"));
        Files.write(stopped.resolve("model.pt"), new byte[] {1});
        try (FileChannel channel = FileChannel.open(directory.resolve("stopped-run.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            channel.lock().release(); // held once, released as a process's end releases it
        }
        // versions before per-process folders kept copies at <dir>/<key>
        Path unversioned = Files.createDirectories(directory.resolve("datasets/d1/train/0"));
        Files.write(unversioned.resolve("000000.png"), new byte[] {2});

        try (LocalObjectCache live = new LocalObjectCache(directory, 1 << 20)) {
            Path copy = live.get("a/1", file -> Files.write(file, new byte[] {3}));
            try (LocalObjectCache next = new LocalObjectCache(directory, 1 << 20)) {
                assertThat(directory.resolve("stopped-run")).doesNotExist();
                assertThat(directory.resolve("datasets")).doesNotExist();
                assertThat(copy).hasBinaryContent(new byte[] {3});
            }
        }
    }

    @Test
    void aClosedCacheServesNothing() {
        LocalObjectCache cache = new LocalObjectCache(directory, 1 << 20);
        cache.close();

        assertThat(cache.directory()).doesNotExist();
        assertThatThrownBy(() -> cache.get("a/1", file -> Files.write(file, new byte[] {1})))
                .isInstanceOf(IllegalStateException.class);
    }
}
