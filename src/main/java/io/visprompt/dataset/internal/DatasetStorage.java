package io.visprompt.dataset.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage directory: {@code <root>/<dataset id>/} for published datasets and {@code <root>/.incoming/} for work
 * in progress. Both live on one file system, so publishing is a single atomic rename and readers never see a
 * half-written dataset.
 */
public final class DatasetStorage {

    private static final Logger log = LoggerFactory.getLogger(DatasetStorage.class);

    private final Path root;
    private final Path incoming;

    public DatasetStorage(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.incoming = this.root.resolve(".incoming");
        try {
            Files.createDirectories(incoming);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the dataset storage directory " + this.root, e);
        }
    }

    /** A fresh, empty work directory for one upload. */
    public Path newWorkDirectory(UUID id) {
        try {
            return Files.createDirectory(incoming.resolve(id.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Moves a finished work directory into place as the dataset's directory. */
    public void publish(Path workDirectory, UUID id) {
        try {
            Files.move(workDirectory, directory(id), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot publish dataset " + id, e);
        }
    }

    public Path directory(UUID id) {
        return root.resolve(id.toString());
    }

    /**
     * Removes a published dataset's files: first renamed out of place (atomic), then deleted, so a failure part-way
     * leaves debris under .incoming (cleared at the next start) rather than a half-deleted dataset.
     */
    public void delete(UUID id) {
        Path trash = incoming.resolve("deleted-" + id + "-" + UUID.randomUUID());
        try {
            Files.move(directory(id), trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the files of dataset " + id, e);
        }
        deleteQuietly(trash);
    }

    /** Clears work left by uploads or deletions that were interrupted (for example by a crash). */
    public void clearIncoming() {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(incoming)) {
            for (Path leftover : leftovers) {
                log.info("Removing unfinished dataset work {}", leftover);
                deleteQuietly(leftover);
            }
        } catch (IOException e) {
            log.warn("Could not list {}", incoming, e);
        }
    }

    /** Deletes a tree, logging instead of failing: used on paths that are no longer part of any dataset. */
    public void deleteQuietly(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete {}", path, e);
        }
    }
}
