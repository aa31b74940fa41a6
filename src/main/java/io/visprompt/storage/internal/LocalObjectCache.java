package io.visprompt.storage.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.visprompt.config.FileTrees;
import io.visprompt.storage.ObjectStore;

/**
 * This process's copies of remote objects, at {@code <dir>/<run>/<key>}, at most {@code maxBytes} in all: past that
 * the least recently used copies are deleted. Objects never change under a key, so a copy never goes stale. A file a
 * caller holds may be deleted by a later eviction; size the cache to hold what one job reads (its dataset and model).
 * <p>
 * Several processes may be given one {@code dir} (one host, or pods sharing a volume): each keeps its copies in its
 * own {@code <run>} folder, a random name, and holds an exclusive lock on {@code <run>/.lock} while it lives. A start
 * deletes only what no live process holds: folders whose lock it can take (their process stopped or crashed) and
 * anything else directly in {@code dir}. Starts take turns on {@code dir/.start.lock}, so a folder is never seen
 * between its creation and its lock (as {@code DatasetStorage} does for uploads). This relies on a file system with
 * working advisory locks (a local disk or NFSv4, not NFSv3 without lockd).
 */
public final class LocalObjectCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalObjectCache.class);

    /** Fills a file with an object's bytes. */
    @FunctionalInterface
    public interface Download {
        void into(Path file) throws IOException;
    }

    static final String LOCK_FILE = ".lock";
    private static final String START_LOCK_FILE = ".start.lock";

    /**
     * Run folders of caches open in this JVM. Their lock files are never opened by another cache here: closing any
     * channel on a file drops every POSIX lock this process holds on it, the live cache's included.
     */
    private static final Set<Path> OPEN_RUNS = ConcurrentHashMap.newKeySet();

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final long maxBytes;
    private final LinkedHashMap<String, Long> sizes = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Object> downloads = new ConcurrentHashMap<>();
    private long totalBytes;

    /**
     * Starts this process's folder under {@code directory}, deleting what stopped or crashed processes left there:
     * their copies' sizes are not known here, so they are not reused.
     */
    public LocalObjectCache(Path directory, long maxBytes) {
        Path base = directory.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        this.root = base.resolve(UUID.randomUUID().toString());
        FileChannel channel = null;
        try {
            Files.createDirectories(base);
            synchronized (OPEN_RUNS) { // the start lock below is per process: threads of this one take turns here
                try (FileChannel start = FileChannel.open(base.resolve(START_LOCK_FILE), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock starting = start.lock()) {
                    deleteLeftovers(base);
                    Files.createDirectory(root);
                    channel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                    FileLock held = channel.tryLock();
                    if (held == null) {
                        throw new IOException("another process holds the lock of the new folder " + root);
                    }
                    this.lock = held;
                    this.lockChannel = channel;
                    OPEN_RUNS.add(root);
                }
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("Cannot prepare the object cache directory " + base,
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** Deletes every entry of {@code base} that no live cache holds; the caller holds the start lock. */
    private static void deleteLeftovers(Path base) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().equals(START_LOCK_FILE) || OPEN_RUNS.contains(entry)
                        || heldByAnotherProcess(entry)) {
                    continue;
                }
                log.info("Deleting {}: object cache copies no running process holds", entry);
                FileTrees.delete(entry);
            }
        }
    }

    private static boolean heldByAnotherProcess(Path entry) throws IOException {
        Path lockFile = entry.resolve(LOCK_FILE);
        if (!Files.isDirectory(entry) || !Files.isRegularFile(lockFile)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock free = channel.tryLock();
            if (free == null) {
                return true;
            }
            free.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    /** This process's folder: its copies and its lock file. */
    public Path directory() {
        return root;
    }

    /** Releases this process's folder and deletes it with its copies. */
    @Override
    public void close() {
        synchronized (sizes) {
            if (!lockChannel.isOpen()) {
                return;
            }
            sizes.clear();
            totalBytes = 0;
            try {
                lock.release();
            } catch (IOException e) {
                log.warn("Cannot release the object cache lock {}: {}", root, e.getMessage());
            }
            closeQuietly(lockChannel);
            OPEN_RUNS.remove(root);
            try {
                FileTrees.delete(root);
            } catch (IOException e) {
                log.warn("Cannot delete the object cache folder {} (the next start will): {}", root, e.getMessage());
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("Cannot close {}: {}", channel, e.getMessage());
            }
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
            if (!lockChannel.isOpen()) {
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
