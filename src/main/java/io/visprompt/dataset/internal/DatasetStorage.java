package io.visprompt.dataset.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.visprompt.config.FileTrees;
import io.visprompt.config.OwnedDirectory;

/**
 * The storage directory: {@code <root>/<dataset id>/} for published datasets and {@code <root>/.incoming/} for work
 * in progress. Both live on one file system, so publishing is a single atomic rename and readers never see a
 * half-written dataset.
 *
 * <p>Several processes may share the directory. Each owns {@code .incoming/<owner id>/} as an {@link OwnedDirectory}
 * locked through {@code .incoming/<owner id>.lock} (turns on {@code .incoming/.registry.lock}); a process removes
 * another's work only once that owner is provably gone.
 */
public final class DatasetStorage implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DatasetStorage.class);

    private static final String REGISTRY_LOCK = ".registry.lock";

    /**
     * Entries without an owner lock come from versions before owned work directories, whose processes do not take
     * part in the locking; they count as abandoned once nothing in them has changed for this long.
     */
    static final Duration UNOWNED_IDLE = Duration.ofHours(1);

    private final Path root;
    private final OwnedDirectory owned;
    private final Path work;

    /** Registers this process as the owner of a fresh work directory under {@code .incoming/}. */
    public DatasetStorage(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.owned = new OwnedDirectory(this.root.resolve(".incoming"), REGISTRY_LOCK);
        this.work = owned.path();
    }

    /** A fresh, empty work directory for one upload, inside this process's own work directory. */
    public Path newWorkDirectory(UUID id) {
        try {
            return Files.createDirectory(work.resolve(id.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Moves a finished work directory into place as the dataset's directory, then checks that every file the
     * dataset lists is there with its size. On a shortfall the directory is removed again and
     * {@link IncompleteDatasetFiles} thrown, so the caller's transaction does not commit a dataset with missing files.
     *
     * @param files each listed file, relative to the dataset's directory, with its size in bytes
     */
    public void publish(Path workDirectory, UUID id, Map<String, Long> files) {
        Path target = directory(id);
        try {
            Files.move(workDirectory, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot publish dataset " + id, e);
        }
        List<String> missing = new ArrayList<>();
        files.forEach((path, size) -> {
            if (!hasSize(target.resolve(path), size)) {
                missing.add(path);
            }
        });
        if (!missing.isEmpty()) {
            delete(id);
            throw new IncompleteDatasetFiles(id, files.size(), missing);
        }
    }

    private static boolean hasSize(Path file, long size) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.isRegularFile() && attributes.size() == size;
        } catch (IOException e) {
            return false;
        }
    }

    public Path directory(UUID id) {
        return root.resolve(id.toString());
    }

    /**
     * Removes a published dataset's files: first renamed out of place into this process's work directory (atomic),
     * then deleted, so a failure part-way leaves debris that is removed once this process is gone rather than a
     * half-deleted dataset.
     */
    public void delete(UUID id) {
        Path trash = work.resolve("deleted-" + id + "-" + UUID.randomUUID());
        try {
            Files.move(directory(id), trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the files of dataset " + id, e);
        }
        deleteQuietly(trash);
    }

    /**
     * Removes work left by processes that have ended (crashed, killed) with uploads or deletions unfinished: the
     * work directories whose owner lock can be taken, and work without an owner lock once idle for
     * {@link #UNOWNED_IDLE}. Work of live processes, this one included, is never touched.
     *
     * @return how many abandoned entries were removed
     */
    public int removeAbandonedWork() {
        return owned.removeAbandonedSiblings(entry -> idleLongerThan(entry, UNOWNED_IDLE));
    }

    private static boolean idleLongerThan(Path entry, Duration idle) {
        FileTime limit = FileTime.from(Instant.now().minus(idle));
        try (Stream<Path> tree = Files.walk(entry)) {
            return tree.allMatch(p -> {
                try {
                    return Files.getLastModifiedTime(p).compareTo(limit) < 0;
                } catch (IOException e) {
                    return true; // gone meanwhile
                }
            });
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends this process's ownership: its (by now empty) work directory goes, then its lock. */
    @Override
    public void close() {
        owned.close();
    }

    /** Deletes a tree, logging instead of failing: used on paths that are no longer part of any dataset. */
    public void deleteQuietly(Path path) {
        try {
            FileTrees.delete(path);
        } catch (IOException e) {
            log.warn("Could not delete {}", path, e);
        }
    }
}
