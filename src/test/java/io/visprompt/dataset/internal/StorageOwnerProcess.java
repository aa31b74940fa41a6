package io.visprompt.dataset.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A second process on a shared storage directory, for {@link DatasetStorageTests}: starts a {@link DatasetStorage},
 * writes one file of an upload in progress, prints that file's path and then waits until it is killed.
 */
public final class StorageOwnerProcess {

    public static void main(String[] args) throws Exception {
        DatasetStorage storage = new DatasetStorage(Path.of(args[0]));
        Path work = storage.newWorkDirectory(UUID.randomUUID());
        Path staged = Files.createDirectories(work.resolve("staged")).resolve("1.png");
        Files.write(staged, new byte[] {1, 2, 3});
        System.out.println(staged);
        System.out.flush();
        System.in.read(); // until the test kills this process (or closes its stdin)
        storage.close();
    }

    private StorageOwnerProcess() {
    }
}
