package io.visprompt.dataset.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several processes share one storage directory: each owns its work directory, a starting process removes only
 * work whose owner is provably gone, and a dataset is published only with every file it lists.
 */
class DatasetStorageTests {

    @TempDir
    Path root;

    @Test
    void aStartingProcessLeavesAnotherLiveProcesssUploadAlone() throws Exception {
        try (DatasetStorage first = new DatasetStorage(root)) {
            Path work = first.newWorkDirectory(UUID.randomUUID());
            Path staged = Files.createDirectories(work.resolve("staged")).resolve("1.png");
            Files.write(staged, new byte[] {1, 2, 3});

            try (DatasetStorage second = new DatasetStorage(root)) {
                second.removeAbandonedWork();
            }

            assertThat(staged).hasBinaryContent(new byte[] {1, 2, 3});
        }
    }

    @Test
    void anotherOperatingSystemProcesssUploadSurvivesUntilThatProcessDies() throws Exception {
        Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StorageOwnerProcess.class.getName(), root.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path staged;
        try {
            String line = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertThat(line).as("the owner process reports its staged file").isNotNull();
            staged = Path.of(line);

            try (DatasetStorage starting = new DatasetStorage(root)) {
                starting.removeAbandonedWork();
                assertThat(staged).as("a live process's upload").hasBinaryContent(new byte[] {1, 2, 3});
            }
        } finally {
            owner.destroyForcibly(); // as kill -9: the process cannot clean up after itself
        }
        assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(staged).as("left behind by the killed process").exists();

        try (DatasetStorage next = new DatasetStorage(root)) {
            next.removeAbandonedWork();

            assertThat(staged).as("the dead process's leftovers").doesNotExist();
            assertThat(filesUnder(root.resolve(".incoming"))).as("only the live process's own markers")
                    .allMatch(f -> f.getFileName().toString().endsWith(".lock"));
        }
    }

    @Test
    void workWithoutAnOwnerLockIsRemovedOnlyOnceItHasBeenIdleForAWhile() throws Exception {
        // the layout of versions before owned work directories: .incoming/<dataset id>/...
        Path stale = Files.createDirectories(root.resolve(".incoming").resolve(UUID.randomUUID().toString()).resolve("staged"));
        Files.write(stale.resolve("1.png"), new byte[] {1});
        Path fresh = Files.createDirectories(root.resolve(".incoming").resolve(UUID.randomUUID().toString()).resolve("staged"));
        Files.write(fresh.resolve("1.png"), new byte[] {2});
        FileTime longAgo = FileTime.from(Instant.now().minus(DatasetStorage.UNOWNED_IDLE).minusSeconds(60));
        for (Path p : List.of(stale.resolve("1.png"), stale, stale.getParent())) {
            Files.setLastModifiedTime(p, longAgo);
        }

        try (DatasetStorage storage = new DatasetStorage(root)) {
            assertThat(storage.removeAbandonedWork()).isEqualTo(1);
        }

        assertThat(stale.getParent()).doesNotExist();
        assertThat(fresh.resolve("1.png")).exists();
    }

    @Test
    void publishesOnlyWhenEveryListedFileIsThereWithItsSize() throws Exception {
        try (DatasetStorage storage = new DatasetStorage(root)) {
            UUID complete = UUID.randomUUID();
            Path work = storage.newWorkDirectory(complete);
            Files.createDirectories(work.resolve("train/0"));
            Files.write(work.resolve("train/0/000000.png"), new byte[] {1, 2, 3});
            Files.write(work.resolve("train/0/000001.png"), new byte[] {4, 5});

            storage.publish(work, complete, Map.of("train/0/000000.png", 3L, "train/0/000001.png", 2L));

            assertThat(storage.directory(complete).resolve("train/0/000001.png")).hasBinaryContent(new byte[] {4, 5});
            for (Map<String, Long> listed : List.of(
                    Map.of("train/0/000000.png", 3L, "train/0/000001.png", 2L, "train/1/000000.png", 7L),
                    Map.of("train/0/000000.png", 3L, "train/0/000001.png", 99L))) {
                UUID incomplete = UUID.randomUUID();
                Path lossy = storage.newWorkDirectory(incomplete);
                Files.createDirectories(lossy.resolve("train/0"));
                Files.write(lossy.resolve("train/0/000000.png"), new byte[] {1, 2, 3});
                Files.write(lossy.resolve("train/0/000001.png"), new byte[] {4, 5});

                assertThatThrownBy(() -> storage.publish(lossy, incomplete, listed))
                        .isInstanceOf(IncompleteDatasetFiles.class)
                        .satisfies(e -> assertThat(((IncompleteDatasetFiles) e).missing()).hasSize(1));
                assertThat(storage.directory(incomplete)).doesNotExist();
                assertThat(lossy).doesNotExist();
            }
        }
        assertThat(filesUnder(root.resolve(".incoming"))).as("a closed storage leaves only the registry lock")
                .extracting(f -> f.getFileName().toString()).containsExactly(".registry.lock");
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
