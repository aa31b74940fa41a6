package io.visprompt.storage;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Bytes under keys, written once and never changed in place. Keys are relative paths of letters, digits,
 * {@code . _ -} and {@code /} ({@code datasets/<id>/train/cat/0001.png}). A missing object reads as
 * {@link java.nio.file.NoSuchFileException} (inside an {@link java.io.UncheckedIOException}); a store that cannot be
 * reached as another {@link java.io.IOException}, which callers treat as transient.
 */
public interface ObjectStore {

    /** What and where this store is, for logs and start-up errors: {@code S3 bucket 'b' at http://host:9000}. */
    String description();

    /** Stores a local file's bytes under {@code key}, replacing an object of that key. */
    void put(String key, Path file);

    void put(String key, byte[] bytes);

    /** Reads the whole object (meant for small ones: metadata, prompt tensors). */
    byte[] read(String key);

    InputStream open(String key);

    /**
     * A local file holding the object's bytes, for code that reads files (libtorch, image decoding): the stored file
     * itself, or this process's cached copy. Callers read it and never modify it; keys that share a folder land in
     * one local folder (a model's files stay together).
     */
    Path localFile(String key);

    boolean exists(String key);

    /** Deletes the object; deleting a missing object is no error. */
    void delete(String key);

    /** Deletes every object under {@code prefix/}. */
    void deleteAll(String prefix);

    /** Keys of the objects under {@code prefix/}, sorted (objects only, never folders). */
    List<String> keys(String prefix);

    /**
     * True when the objects live outside this machine (S3): modules that keep files in a local directory of their own
     * then copy them here so that other processes can read them, and read through {@link #localFile}.
     */
    default boolean remote() {
        return false;
    }

    Pattern VALID_KEY = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

    /** Throws for a key that is not a plain relative path (no {@code ..}, no empty segment). */
    static String requireValidKey(String key) {
        if (key == null || !VALID_KEY.matcher(key).matches() || key.equals("..") || key.startsWith("../")
                || key.contains("/../") || key.endsWith("/..") || key.equals(".") || key.contains("/./")
                || key.startsWith("./")) {
            throw new IllegalArgumentException("Not a valid object key: " + key);
        }
        return key;
    }
}
