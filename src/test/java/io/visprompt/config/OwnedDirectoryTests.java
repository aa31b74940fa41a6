package io.visprompt.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Owners of sibling folders under one parent, in this JVM: each gets its own locked folder, closing removes it, and a
 * clean-up removes only what no live owner holds. Other operating system processes are covered through the callers
 * ({@code LocalObjectCacheTests}, {@code DatasetStorageTests}).
 */
class OwnedDirectoryTests {

    private static final String START_LOCK = ".start.lock";

    @TempDir
    Path parent;

    @Test
    void eachOwnerGetsItsOwnLockedFolderAndClosingRemovesFolderAndLockFile() throws Exception {
        OwnedDirectory first = new OwnedDirectory(parent, START_LOCK);
        OwnedDirectory second = new OwnedDirectory(parent, START_LOCK);
        Files.write(first.path().resolve("a.bin"), new byte[] {1});

        assertThat(first.path()).isDirectory();
        assertThat(first.path().getParent()).isEqualTo(parent.toAbsolutePath().normalize());
        assertThat(second.path()).isDirectory().isNotEqualTo(first.path());
        assertThat(UUID.fromString(first.path().getFileName().toString())).isNotNull();
        assertThat(lockFile(first.path())).isRegularFile();

        first.close();
        first.close(); // a second close does nothing

        assertThat(first.isOpen()).isFalse();
        assertThat(first.path()).doesNotExist();
        assertThat(lockFile(first.path())).doesNotExist();
        assertThat(second.path()).isDirectory();
        second.close();
        assertThat(names(parent)).containsExactly(START_LOCK);
    }

    @Test
    void removesSiblingsWhoseLockIsFreeButNeverThoseOwnedInThisProcess() throws Exception {
        Path stopped = Files.createDirectories(parent.resolve(UUID.randomUUID().toString()));
        Files.write(stopped.resolve("left.bin"), new byte[] {1});
        lockedOnceThenReleased(lockFile(stopped));

        try (OwnedDirectory live = new OwnedDirectory(parent, START_LOCK);
                OwnedDirectory starting = new OwnedDirectory(parent, START_LOCK)) {
            Path kept = Files.write(live.path().resolve("kept.bin"), new byte[] {2, 3});

            assertThat(starting.removeAbandonedSiblings(unowned -> true)).isEqualTo(1);

            assertThat(stopped).doesNotExist();
            assertThat(lockFile(stopped)).doesNotExist();
            assertThat(kept).hasBinaryContent(new byte[] {2, 3});
            assertThat(lockFile(live.path())).isRegularFile();
            assertThat(starting.path()).isDirectory();
            assertThat(parent.resolve(START_LOCK)).isRegularFile();
        }
    }

    @Test
    void entriesWithoutALockFileGoOnlyWhenTheCallerCallsThemAbandoned() throws Exception {
        Path legacy = Files.createDirectories(parent.resolve("datasets/d1"));
        Files.write(legacy.resolve("1.png"), new byte[] {1});
        Path stray = Files.write(parent.resolve("stray.bin"), new byte[] {2});
        List<Path> asked = new ArrayList<>();

        try (OwnedDirectory owner = new OwnedDirectory(parent, START_LOCK)) {
            int removed = owner.removeAbandonedSiblings(unowned -> {
                asked.add(unowned);
                return unowned.getFileName().toString().equals("datasets");
            });

            assertThat(removed).isEqualTo(1);
            assertThat(parent.resolve("datasets")).doesNotExist();
            assertThat(stray).hasBinaryContent(new byte[] {2});
            assertThat(owner.path()).isDirectory();
        }
        assertThat(asked).as("never an owned folder, a lock file or the start lock")
                .extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder("datasets", "stray.bin");
    }

    @Test
    void aFreeLockFileWhoseFolderIsGoneIsRemoved() throws Exception {
        Path orphan = parent.resolve(UUID.randomUUID() + ".lock");
        lockedOnceThenReleased(orphan);

        try (OwnedDirectory owner = new OwnedDirectory(parent, START_LOCK)) {
            assertThat(owner.removeAbandonedSiblings(unowned -> false)).isEqualTo(1);
        }

        assertThat(orphan).doesNotExist();
        assertThat(names(parent)).containsExactly(START_LOCK);
    }

    /** Held once, released as a process's end releases it. */
    private static void lockedOnceThenReleased(Path lockFile) throws IOException {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.lock().release();
        }
    }

    private static Path lockFile(Path folder) {
        return folder.resolveSibling(folder.getFileName() + ".lock");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }
}
