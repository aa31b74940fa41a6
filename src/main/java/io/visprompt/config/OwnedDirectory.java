package io.visprompt.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder that this process owns among the siblings other processes own under one shared parent: the one way for
 * dataset upload work and the object cache. The folder is {@code <parent>/<random id>/}; its owner holds an
 * exclusive lock on the lock file beside it ({@code <parent>/<random id>.lock}) for as long as it lives, and the
 * operating system drops that lock when the process ends, however it ends. Another process removes a sibling only once it can take that lock itself: the owner is
 * provably gone. Claiming, removing and releasing folders take turns on {@code <parent>/<start lock>}, so a folder is
 * never seen between its creation and its lock. This relies on a file system with working advisory locks (a local
 * disk or NFSv4, not NFSv3 without lockd).
 */
public final class OwnedDirectory implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OwnedDirectory.class);

    private static final String LOCK_SUFFIX = ".lock";

    /** FileChannel locks are per process: the threads of this one take turns here before the start lock. */
    private static final Object START_MONITOR = new Object();

    /**
     * Folders owned in this JVM. Their lock files are never opened by anyone else here: closing any channel on a file
     * drops every POSIX lock this process holds on it, the live owner's included.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path parent;
    private final String startLock;
    private final Path folder;
    private final FileChannel channel;

    /**
     * Claims a fresh, empty {@code <parent>/<random id>/} (creating the parent when missing) and locks it.
     *
     * @param startLock name of the file in {@code parent} that claims, removals and releases take turns on
     * @throws UncheckedIOException when the folder cannot be created or locked
     */
    public OwnedDirectory(Path parent, String startLock) {
        this.parent = parent.toAbsolutePath().normalize();
        this.startLock = startLock;
        this.folder = this.parent.resolve(UUID.randomUUID().toString());
        try {
            Files.createDirectories(this.parent);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the directory " + this.parent, e);
        }
        this.channel = underStartLock(() -> {
            FileChannel opened = null;
            Files.createDirectory(folder);
            try {
                opened = FileChannel.open(lockFileOf(folder), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                FileLock held = opened.tryLock();
                if (held == null) {
                    throw new IOException("Another process holds the lock of the new folder " + folder);
                }
                HELD_HERE.add(folder);
                return opened;
            } catch (IOException | RuntimeException e) {
                if (opened != null) {
                    opened.close();
                }
                Files.deleteIfExists(lockFileOf(folder));
                FileTrees.delete(folder);
                throw e;
            }
        });
    }

    /** The owned folder. */
    public Path path() {
        return folder;
    }

    /** Whether this process still owns the folder ({@link #close()} not yet called). */
    public boolean isOpen() {
        return channel.isOpen();
    }

    /**
     * Removes what no live process owns from the parent: siblings whose lock can be taken (their process has ended)
     * and entries without a lock file (layouts of earlier versions, stray files) that {@code unownedAbandoned}
     * accepts. Folders owned in this JVM, this one included, and the start lock are never touched.
     *
     * @return how many entries were removed (a folder and its lock file beside count once)
     */
    public int removeAbandonedSiblings(Predicate<Path> unownedAbandoned) {
        return underStartLock(() -> {
            Set<Path> folders = new LinkedHashSet<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent)) {
                for (Path entry : entries) {
                    if (!entry.getFileName().toString().equals(startLock)) {
                        folders.add(folderOf(entry));
                    }
                }
            }
            int removed = 0;
            for (Path sibling : folders) {
                if (HELD_HERE.contains(sibling)) {
                    continue;
                }
                Path siblingLock = lockFileOf(sibling);
                if (Files.isRegularFile(siblingLock)) {
                    removed += removeIfOwnerGone(sibling, siblingLock);
                } else if (unownedAbandoned.test(sibling)) {
                    log.info("Removing {}: no process owns it", sibling);
                    deleteQuietly(sibling);
                    removed++;
                }
            }
            return removed;
        });
    }

    private static int removeIfOwnerGone(Path sibling, Path siblingLock) throws IOException {
        try (FileChannel probe = FileChannel.open(siblingLock, StandardOpenOption.WRITE)) {
            FileLock free;
            try {
                free = probe.tryLock();
            } catch (OverlappingFileLockException e) {
                return 0; // held in this very process: alive
            }
            if (free == null) {
                return 0; // held by a live process
            }
            log.info("Removing {}: its owner process has ended", sibling);
            removeFolderThenLock(sibling, siblingLock);
            free.release();
            return 1;
        } catch (NoSuchFileException e) {
            return 0; // removed meanwhile by a process that does not take the start lock
        }
    }

    /** The folder first: a lock file without its folder is harmless, the reverse would look unowned. */
    private static void removeFolderThenLock(Path folder, Path lock) throws IOException {
        deleteQuietly(folder);
        if (!Files.exists(folder)) {
            Files.deleteIfExists(lock);
        }
    }

    /** Deletes the folder with everything in it, then gives up the lock; nothing when already closed. */
    @Override
    public void close() {
        underStartLock(() -> {
            if (!channel.isOpen()) {
                return null;
            }
            try {
                removeFolderThenLock(folder, lockFileOf(folder));
            } finally {
                HELD_HERE.remove(folder);
                channel.close(); // releases the lock
            }
            return null;
        });
    }

    private static void deleteQuietly(Path path) {
        try {
            FileTrees.delete(path);
        } catch (IOException e) {
            log.warn("Could not delete {} (a later start will): {}", path, e.getMessage());
        }
    }

    private interface Action<T> {
        T run() throws IOException;
    }

    private <T> T underStartLock(Action<T> action) {
        synchronized (START_MONITOR) {
            try (FileChannel start = FileChannel.open(parent.resolve(startLock), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock turn = start.lock()) {
                return action.run();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot update the owned folders in " + parent, e);
            }
        }
    }

    /** {@code <parent>/<id>.lock}, beside the folder {@code <parent>/<id>/} (so no file inside it is the lock). */
    private static Path lockFileOf(Path folder) {
        return folder.resolveSibling(folder.getFileName() + LOCK_SUFFIX);
    }

    /** The folder an entry of the parent stands for: a lock file stands for the folder beside it. */
    private static Path folderOf(Path entry) {
        String name = entry.getFileName().toString();
        return name.endsWith(LOCK_SUFFIX) && name.length() > LOCK_SUFFIX.length()
                ? entry.resolveSibling(name.substring(0, name.length() - LOCK_SUFFIX.length()))
                : entry;
    }
}
