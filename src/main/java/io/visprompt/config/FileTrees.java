package io.visprompt.config;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Removing a directory tree on local disk: the one way for datasets, models, the object store and its cache. Links
 * are removed, never followed; entries another process removed meanwhile are not an error.
 */
public final class FileTrees {

    private FileTrees() {
    }

    /** Deletes {@code root} and everything below it; nothing when it does not exist. */
    public static void delete(Path root) throws IOException {
        remove(root, true);
    }

    /** Deletes everything below {@code root}, keeping the directory itself. */
    public static void deleteContents(Path root) throws IOException {
        remove(root, false);
    }

    private static void remove(Path root, boolean withRoot) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException error) throws IOException {
                if (error instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw error;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException error) throws IOException {
                if (error != null && !(error instanceof NoSuchFileException)) {
                    throw error;
                }
                if (withRoot || !directory.equals(root)) {
                    Files.deleteIfExists(directory);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
