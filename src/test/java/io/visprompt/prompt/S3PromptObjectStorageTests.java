package io.visprompt.prompt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

import io.visprompt.storage.ObjectStore;
import io.visprompt.storage.S3ProxyServer;
import io.visprompt.storage.internal.LocalObjectCache;
import io.visprompt.storage.internal.S3ObjectStore;
import org.junit.jupiter.api.AfterAll;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * {@link PromptObjectStorageTests} on an S3 bucket (S3Proxy as its own process), inspected through a client of its
 * own rather than the service's.
 */
@DirtiesContext
@TestPropertySource(properties = "visprompt.storage.type=s3")
class S3PromptObjectStorageTests extends PromptObjectStorageTests {

    static final S3ProxyServer SERVER = S3ProxyServer.start();
    static final String BUCKET = SERVER.newBucket();
    static final S3ObjectStore BUCKET_CLIENT = client();

    @DynamicPropertySource
    static void bucket(DynamicPropertyRegistry registry) {
        SERVER.register(registry, BUCKET);
    }

    private static S3ObjectStore client() {
        try {
            return new S3ObjectStore(SERVER.settings(BUCKET, S3ProxyServer.SECRET_KEY),
                    new LocalObjectCache(Files.createTempDirectory("s3-prompt-test-cache"), 1 << 20));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected ObjectStore inspected() {
        return BUCKET_CLIENT;
    }

    @AfterAll
    static void stopServer() {
        BUCKET_CLIENT.close();
        SERVER.close();
    }
}
