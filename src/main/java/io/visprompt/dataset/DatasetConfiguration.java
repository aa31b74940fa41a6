package io.visprompt.dataset;

import io.visprompt.dataset.internal.ArchiveLimits;
import io.visprompt.dataset.internal.DatasetStorage;
import io.visprompt.dataset.internal.ImageFolderImport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class DatasetConfiguration {

    /** Closed with the context, which hands this process's work directory back (see {@link DatasetStorage}). */
    @Bean
    DatasetStorage datasetStorage(DatasetProperties properties) {
        DatasetStorage storage = new DatasetStorage(properties.storageDir());
        storage.removeAbandonedWork();
        return storage;
    }

    @Bean
    ImageFolderImport imageFolderImport(DatasetProperties properties) {
        ArchiveLimits limits = new ArchiveLimits(properties.maxUploadSize().toBytes(), properties.maxEntries(),
                properties.maxUncompressedSize().toBytes(), properties.maxCompressionRatio(),
                (int) properties.maxImageSize().toBytes());
        return new ImageFolderImport(limits, properties.maxImagePixels());
    }
}
