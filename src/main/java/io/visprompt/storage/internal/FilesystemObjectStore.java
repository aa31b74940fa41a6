package io.visprompt.storage.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import io.visprompt.config.FileTrees;
import io.visprompt.storage.ObjectStore;
import io.visprompt.storage.StorageUnreachable;

/**
 * Objects as files under one directory ({@code <dir>/<key>}). A write goes to a temporary file beside its target and
 * is renamed into place, so readers in other processes see the whole object or none.
 */
public final class FilesystemObjectStore implements ObjectStore {

    private final Path root;

    public FilesystemObjectStore(Path directory) {
        this.root = directory.toAbsolutePath().normalize();
    }

    /** Creates the directory and checks that a file can be written and read back there. */
    public FilesystemObjectStore verified() {
        try {
            Files.createDirectories(root);
            Path probe = Files.createTempFile(root, ".probe-", ".tmp");
            Files.delete(probe);
            return this;
        } catch (IOException | SecurityException e) {
            throw new StorageUnreachable(description(), "cannot create or write the directory (" + e + ")", e);
        }
    }

    @Override
    public String description() {
        return "filesystem store at " + root;
    }

    private Path file(String key) {
        return root.resolve(ObjectStore.requireValidKey(key));
    }

    @Override
    public void put(String key, Path source) {
        Path target = file(key);
        try {
            Files.createDirectories(target.getParent());
            Path temporary = Files.createTempFile(target.getParent(), ".put-", ".tmp");
            try {
                Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot store " + key + " in the " + description(), e);
        }
    }

    @Override
    public void put(String key, byte[] bytes) {
        Path target = file(key);
        try {
            Files.createDirectories(target.getParent());
            Path temporary = Files.createTempFile(target.getParent(), ".put-", ".tmp");
            try {
                Files.write(temporary, bytes);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot store " + key + " in the " + description(), e);
        }
    }

    @Override
    public byte[] read(String key) {
        try {
            return Files.readAllBytes(file(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public InputStream open(String key) {
        try {
            return Files.newInputStream(file(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Path localFile(String key) {
        Path file = file(key);
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new NoSuchFileException(key, null, "no such object in the " + description()));
        }
        return file;
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(file(key));
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void deleteAll(String prefix) {
        Path folder = file(prefix);
        if (!Files.isDirectory(folder)) {
            return;
        }
        try {
            FileTrees.delete(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<String> keys(String prefix) {
        Path folder = file(prefix);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(".put-"))
                    .map(f -> root.relativize(f).toString().replace('\\', '/')).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
