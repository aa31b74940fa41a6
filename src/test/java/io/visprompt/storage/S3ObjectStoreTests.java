package io.visprompt.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;

import io.visprompt.storage.internal.LocalObjectCache;
import io.visprompt.storage.internal.S3ObjectStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** The S3 object store against a real S3 server (S3Proxy, its own process), and the start-up checks. */
class S3ObjectStoreTests {

    static S3ProxyServer server;

    @TempDir
    Path cacheDirectory;

    @BeforeAll
    static void startServer() {
        server = S3ProxyServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private S3ObjectStore store(long cacheBytes) {
        return new S3ObjectStore(server.settings(server.newBucket(), S3ProxyServer.SECRET_KEY),
                new LocalObjectCache(cacheDirectory, cacheBytes)).verified();
    }

    @Test
    void objectsRoundTripByteForByteAndListDeleteAsFiles() throws Exception {
        try (S3ObjectStore store = store(1 << 30)) {
            byte[] large = new byte[5 * 1024 * 1024 + 17];
            new Random(1).nextBytes(large);
            Path file = Files.write(cacheDirectory.resolve("upload.bin"), large);

            store.put("models/m1/model.pt", file);
            store.put("models/m1/model.json", "{}".getBytes());
            store.put("models/m2/model.pt", new byte[] {1, 2, 3});

            assertThat(store.read("models/m1/model.pt")).isEqualTo(large);
            try (InputStream in = store.open("models/m1/model.pt")) {
                assertThat(in.readAllBytes()).isEqualTo(large);
            }
            Path local = store.localFile("models/m1/model.pt");
            assertThat(Files.readAllBytes(local)).isEqualTo(large);
            assertThat(store.localFile("models/m1/model.json").getParent()).isEqualTo(local.getParent());
            // folders the filesystem backend lists as keys are not objects
            assertThat(store.keys("models")).containsExactly("models/m1/model.json", "models/m1/model.pt",
                    "models/m2/model.pt");
            assertThat(store.exists("models/m1/model.pt")).isTrue();

            store.deleteAll("models/m1");

            assertThat(store.keys("models")).containsExactly("models/m2/model.pt");
            assertThat(store.exists("models/m1/model.pt")).isFalse();
            assertThat(Files.exists(local)).as("the cached copy goes with the object").isFalse();
            assertThatThrownBy(() -> store.read("models/m1/model.pt")).isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> store.localFile("models/m1/model.pt"))
                    .hasCauseInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void theLocalCacheKeepsAtMostItsSizeDroppingTheLeastRecentlyUsed() throws Exception {
        try (S3ObjectStore store = store(2500)) {
            for (String key : new String[] {"a/1", "a/2", "a/3"}) {
                store.put(key, new byte[1000]);
            }
            Path first = store.localFile("a/1");
            Path second = store.localFile("a/2");
            store.localFile("a/1"); // a/2 is now the least recently used
            Path third = store.localFile("a/3");

            assertThat(Files.exists(first)).isTrue();
            assertThat(Files.exists(second)).isFalse();
            assertThat(Files.exists(third)).isTrue();
            assertThat(store.localFile("a/2")).hasSize(1000);
        }
    }

    @Test
    void startFailsNamingTheStoreAndTheReason() {
        String bucket = server.newBucket();
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withUserConfiguration(StorageConfiguration.class, Properties.class)
                .withPropertyValues("visprompt.storage.type=s3", "visprompt.storage.s3.endpoint=" + server.endpoint(),
                        "visprompt.storage.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
                        "visprompt.storage.cache-dir=" + cacheDirectory);

        runner.withPropertyValues("visprompt.storage.s3.bucket=" + bucket,
                "visprompt.storage.s3.secret-key=" + S3ProxyServer.SECRET_KEY).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(ObjectStore.class).description())
                            .isEqualTo("S3 bucket '" + bucket + "' at " + server.endpoint());
                });
        runner.withPropertyValues("visprompt.storage.s3.bucket=" + bucket, "visprompt.storage.s3.secret-key=wrong")
                .run(context -> assertThat(causeOf(context.getStartupFailure()))
                        .hasMessageContaining("S3 bucket '" + bucket + "'").hasMessageContaining("access denied"));
        runner.withPropertyValues("visprompt.storage.s3.bucket=no-such-bucket",
                "visprompt.storage.s3.secret-key=" + S3ProxyServer.SECRET_KEY)
                .run(context -> assertThat(causeOf(context.getStartupFailure()))
                        .hasMessageContaining("S3 bucket 'no-such-bucket'")
                        .hasMessageContaining("the bucket does not exist"));
        runner.withPropertyValues("visprompt.storage.s3.bucket=" + bucket,
                "visprompt.storage.s3.secret-key=" + S3ProxyServer.SECRET_KEY,
                "visprompt.storage.s3.endpoint=http://127.0.0.1:1")
                .run(context -> assertThat(causeOf(context.getStartupFailure()))
                        .hasMessageContaining("cannot reach the server"));
    }

    private static StorageUnreachable causeOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StorageUnreachable unreachable) {
                return unreachable;
            }
        }
        throw new AssertionError("no StorageUnreachable in " + failure, failure);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(StorageProperties.class)
    static class Properties {
    }
}
