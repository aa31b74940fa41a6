package io.visprompt.dataset;

import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

import io.visprompt.dataset.internal.DatasetStorage;
import io.visprompt.storage.ObjectStore;
import org.springframework.stereotype.Component;

/**
 * Where a published dataset's image files are read. With a local object store (the default) they stay in the
 * dataset storage directory, which every process shares. With a remote one (S3) that directory is this process's
 * scratch space only: publishing copies every file to the store under {@code datasets/<id>/}, and readers get the
 * files through the store's local cache, so API and workers share nothing but the store and PostgreSQL.
 */
@Component
class DatasetFiles {

    private final DatasetStorage storage;
    private final ObjectStore store;

    DatasetFiles(DatasetStorage storage, ObjectStore store) {
        this.storage = storage;
        this.store = store;
    }

    private static String key(UUID id, String filePath) {
        return "datasets/" + id + "/" + filePath;
    }

    /**
     * Called in the publishing transaction once the files are in the dataset's directory: with a remote store they
     * are uploaded (a failure rolls the dataset back) and the local copy removed.
     */
    void published(UUID id, Set<String> filePaths) {
        if (!store.remote()) {
            return;
        }
        Path directory = storage.directory(id);
        for (String filePath : filePaths) {
            store.put(key(id, filePath), directory.resolve(filePath));
        }
        storage.delete(id);
    }

    /** A readable local file with the image's bytes. */
    Path file(UUID id, String filePath) {
        return store.remote() ? store.localFile(key(id, filePath)) : storage.directory(id).resolve(filePath);
    }

    void delete(UUID id) {
        storage.delete(id);
        if (store.remote()) {
            store.deleteAll("datasets/" + id);
        }
    }
}
