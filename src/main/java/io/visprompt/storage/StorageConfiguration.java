package io.visprompt.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.visprompt.storage.internal.FilesystemObjectStore;
import io.visprompt.storage.internal.LocalObjectCache;
import io.visprompt.storage.internal.S3ObjectStore;

/** The process's one {@link ObjectStore}, checked before anything uses it: an unusable store stops the start. */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

    @Bean
    ObjectStore objectStore(StorageProperties properties) {
        ObjectStore store = switch (properties.type()) {
            case FILESYSTEM -> new FilesystemObjectStore(properties.dir()).verified();
            case S3 -> {
                LocalObjectCache cache = new LocalObjectCache(properties.cacheDir(),
                        properties.cacheMaxSize().toBytes());
                S3ObjectStore s3 = new S3ObjectStore(properties.s3(), cache);
                try {
                    yield s3.verified();
                } catch (RuntimeException e) {
                    s3.close();
                    throw e;
                }
            }
        };
        log.info("Objects (dataset images, uploaded models, prompt tensors) are kept in the {}", store.description());
        return store;
    }
}
