package io.visprompt.dataset.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.visprompt.config.FileTrees;

/**
 * The storage directory: {@code <root>/<dataset id>/} for published datasets and {@code <root>/.incoming/} for work
 * in progress. Both live on one file system, so publishing is a single atomic rename and readers never see a
 * half-written dataset.
 *
 * <p>Several processes may share the directory. Each owns {@code .incoming/<owner id>/} and holds an exclusive
 * file lock on {@code .incoming/<owner id>.lock} for as long as it lives; the operating system drops that lock when
 * the process ends, however it ends. A process therefore removes another's work only once it can take that lock
 * itself: the owner is provably gone. Registering an owner and removing abandoned work both happen under
 * {@code .incoming/.registry.lock}, so a newcomer's directory is never seen without its lock held. This relies on a
 * file system with working advisory locks (a local disk or NFSv4, not NFSv3 without lockd).
 */
public final class DatasetStorage implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DatasetStorage.class);

    private static final String LOCK_SUFFIX = ".lock";
    private static final String REGISTRY_LOCK = ".registry" + LOCK_SUFFIX;

    /**
     * Entries without an owner lock come from versions before owned work directories, whose processes do not take
     * part in the locking; they count as abandoned once nothing in them has changed for this long.
     */
    static final Duration UNOWNED_IDLE = Duration.ofHours(1);

    /** FileChannel locks are per process: in-process callers (several storages in one JVM) queue here first. */
    private static final Object REGISTRY_MONITOR = new Object();

    /**
     * Owner locks held by storages of this JVM. They are never opened by another storage here: closing any channel
     * on a file drops every POSIX lock this process holds on it, so probing would release the owner's lock.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path root;
    private final Path incoming;
    private final UUID owner = UUID.randomUUID();
    private final Path ownerLockFile;
    private final Path work;
    private final FileChannel ownerChannel;
    private final FileLock ownerLock;

    /** Registers this process as the owner of a fresh work directory under {@code .incoming/}. */
    public DatasetStorage(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.incoming = this.root.resolve(".incoming");
        this.ownerLockFile = incoming.resolve(owner + LOCK_SUFFIX);
        this.work = incoming.resolve(owner.toString());
        try {
            Files.createDirectories(incoming);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the dataset storage directory " + this.root, e);
        }
        AtomicReference<FileChannel> channel = new AtomicReference<>();
        this.ownerLock = underRegistryLock(() -> {
            channel.set(FileChannel.open(ownerLockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            try {
                FileLock lock = channel.get().tryLock();
                if (lock == null) {
                    throw new IOException("Cannot lock the fresh owner file " + ownerLockFile);
                }
                Files.createDirectory(work);
                HELD_HERE.add(ownerLockFile);
                return lock;
            } catch (IOException | RuntimeException e) {
                channel.get().close(); // drops the lock too: the leftovers count as abandoned
                throw e;
            }
        });
        this.ownerChannel = channel.get();
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
     * work directories whose owner lock can be taken. Work of live processes, this one included, is never touched.
     *
     * @return how many abandoned entries were removed
     */
    public int removeAbandonedWork() {
        Integer removed = underRegistryLock(() -> {
            int count = 0;
            List<Path> entries;
            try (Stream<Path> listed = Files.list(incoming)) {
                entries = listed.toList();
            }
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.equals(REGISTRY_LOCK) || HELD_HERE.contains(entry)
                        || HELD_HERE.contains(incoming.resolve(name + LOCK_SUFFIX))) {
                    continue;
                }
                if (name.endsWith(LOCK_SUFFIX)) {
                    count += removeIfOwnerGone(entry, incoming.resolve(name.substring(0, name.length() - LOCK_SUFFIX.length())));
                } else if (!Files.exists(incoming.resolve(name + LOCK_SUFFIX)) && idleLongerThan(entry, UNOWNED_IDLE)) {
                    log.info("Removing unowned dataset work {}, unchanged for over {}", entry, UNOWNED_IDLE);
                    deleteQuietly(entry);
                    count++;
                }
            }
            return count;
        });
        return removed;
    }

    private int removeIfOwnerGone(Path lockFile, Path ownersWork) throws IOException {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return 0; // held by another storage in this very process: alive
            }
            if (lock == null) {
                return 0; // held by a live process
            }
            log.info("Removing dataset work {} of a process that has ended", ownersWork);
            deleteQuietly(ownersWork); // the work first: a lock file without work is harmless, the reverse is not
            if (!Files.exists(ownersWork)) {
                Files.deleteIfExists(lockFile);
            }
            lock.release();
            return 1;
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private static boolean idleLongerThan(Path entry, Duration idle) throws IOException {
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
        }
    }

    /** Ends this process's ownership: its (by now empty) work directory goes, then its lock. */
    @Override
    public void close() {
        underRegistryLock(() -> {
            deleteQuietly(work);
            Files.deleteIfExists(ownerLockFile);
            ownerLock.release();
            ownerChannel.close();
            HELD_HERE.remove(ownerLockFile);
            return null;
        });
    }

    /** Deletes a tree, logging instead of failing: used on paths that are no longer part of any dataset. */
    public void deleteQuietly(Path path) {
        try {
            FileTrees.delete(path);
        } catch (IOException e) {
            log.warn("Could not delete {}", path, e);
        }
    }

    private interface StorageAction<T> {
        T run() throws IOException;
    }

    private <T> T underRegistryLock(StorageAction<T> action) {
        synchronized (REGISTRY_MONITOR) {
            try (FileChannel registry = FileChannel.open(incoming.resolve(REGISTRY_LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = registry.lock()) {
                return action.run();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot update the dataset work registry in " + incoming, e);
            }
        }
    }
}
