package io.visprompt.storage.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.visprompt.config.OwnedDirectory;
import io.visprompt.storage.ObjectStore;

/**
 * This process's copies of remote objects, at {@code <dir>/<run>/<key>}, at most {@code maxBytes} in all: past that
 * the least recently used copies are deleted. Objects never change under a key, so a copy never goes stale. A file a
 * caller holds may be deleted by a later eviction; size the cache to hold what one job reads (its dataset and model).
 * <p>
 * Several processes may be given one {@code dir} (one host, or pods sharing a volume): each keeps its copies in its
 * own {@code <run>} folder, an {@link OwnedDirectory} locked through {@code <run>.lock} beside it (turns on
 * {@code dir/.start.lock}). A start deletes only what no live process holds: folders whose owner has stopped or
 * crashed, and anything else directly in {@code dir} (copies of versions before per-process folders).
 */
public final class LocalObjectCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalObjectCache.class);

    /** Fills a file with an object's bytes. */
    @FunctionalInterface
    public interface Download {
        void into(Path file) throws IOException;
    }

    private static final String START_LOCK_FILE = ".start.lock";

    private final OwnedDirectory owned;
    private final Path root;
    private final long maxBytes;
    private final LinkedHashMap<String, Long> sizes = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Object> downloads = new ConcurrentHashMap<>();
    private long totalBytes;

    /**
     * Starts this process's folder under {@code directory}, deleting what stopped or crashed processes left there:
     * their copies' sizes are not known here, so they are not reused.
     */
    public LocalObjectCache(Path directory, long maxBytes) {
        this.maxBytes = maxBytes;
        this.owned = new OwnedDirectory(directory, START_LOCK_FILE);
        this.root = owned.path();
        try {
            owned.removeAbandonedSiblings(unowned -> true);
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    /** This process's folder of copies (its lock file lies beside it). */
    public Path directory() {
        return root;
    }

    /** Releases this process's folder and deletes it with its copies. */
    @Override
    public void close() {
        synchronized (sizes) {
            sizes.clear();
            totalBytes = 0;
            owned.close();
        }
    }

    public long totalBytes() {
        synchronized (sizes) {
            return totalBytes;
        }
    }

    /** The local copy of {@code key}, downloaded first when missing (one download per key at a time). */
    public Path get(String key, Download download) {
        Path file = root.resolve(ObjectStore.requireValidKey(key));
        synchronized (sizes) {
            if (!owned.isOpen()) {
                throw new IllegalStateException("The object cache " + root + " is closed");
            }
            if (sizes.get(key) != null && Files.isRegularFile(file)) {
                return file;
            }
        }
        synchronized (downloads.computeIfAbsent(key, k -> new Object())) {
            try {
                synchronized (sizes) {
                    if (sizes.get(key) != null && Files.isRegularFile(file)) {
                        return file;
                    }
                }
                Files.createDirectories(file.getParent());
                Path temporary = Files.createTempFile(file.getParent(), ".get-", ".tmp");
                try {
                    download.into(temporary);
                    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(temporary);
                }
                long size = Files.size(file);
                synchronized (sizes) {
                    Long previous = sizes.put(key, size);
                    totalBytes += size - (previous == null ? 0 : previous);
                    evictBeyondLimit(key);
                }
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                downloads.remove(key);
            }
        }
    }

    /** Drops the copy of a deleted object. */
    public void forget(String key) {
        synchronized (sizes) {
            Long size = sizes.remove(key);
            if (size != null) {
                totalBytes -= size;
                deleteQuietly(root.resolve(key));
            }
        }
    }

    private void evictBeyondLimit(String keep) {
        Iterator<Map.Entry<String, Long>> oldestFirst = sizes.entrySet().iterator();
        while (totalBytes > maxBytes && oldestFirst.hasNext()) {
            Map.Entry<String, Long> entry = oldestFirst.next();
            if (entry.getKey().equals(keep)) {
                continue;
            }
            oldestFirst.remove();
            totalBytes -= entry.getValue();
            deleteQuietly(root.resolve(entry.getKey()));
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Cannot delete cached copy {}: {}", file, e.getMessage());
        }
    }
}
