package io.visprompt.dataset;

import java.util.UUID;

import io.visprompt.config.Tenant;
import io.visprompt.dataset.internal.SeededSplit;
import org.springframework.context.ApplicationContext;
import org.springframework.mock.web.MockMultipartFile;

/**
 * Stores a dataset the way an upload does, without HTTP: for test contexts that serve no API (a worker-only
 * process) but need a dataset in their database.
 */
public final class StoredDatasets {

    private StoredDatasets() {
    }

    public static UUID importArchive(ApplicationContext context, Tenant tenant, byte[] zip, String name) {
        DatasetImporter importer = context.getBean(DatasetImporter.class);
        return importer.importArchive(tenant, new MockMultipartFile("file", name + ".zip", "application/zip", zip), name,
                new SeededSplit(0.1, 0.1, 0)).id();
    }
}
