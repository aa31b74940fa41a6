package io.visprompt.storage;

import java.nio.file.Files;
import java.nio.file.Path;

import io.visprompt.storage.internal.LocalObjectCache;

/**
 * A second service process on a shared object cache directory, for {@link LocalObjectCacheTests}: starts a cache,
 * copies one object into it, prints that copy's path and then waits until it is killed.
 */
public final class CacheOwnerProcess {

    public static void main(String[] args) throws Exception {
        LocalObjectCache cache = new LocalObjectCache(Path.of(args[0]), 1 << 20);
        Path copy = cache.get("models/m1/model.pt", file -> Files.write(file, new byte[] {1, 2, 3}));
        System.out.println(copy);
        System.out.flush();
        System.in.read(); // until the test kills this process (or closes its stdin)
        cache.close();
    }

    private CacheOwnerProcess() {
    }
}
