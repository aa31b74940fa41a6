package io.visprompt.storage;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code visprompt.storage.*}: where dataset images, uploaded models and prompt tensors live.
 *
 * @param type         {@code filesystem} (a directory, shared by every process that needs it) or {@code s3}
 * @param dir          filesystem: the directory
 * @param cacheDir     s3: local copies of what was read, each process in its own subfolder (may be shared)
 * @param cacheMaxSize s3: bytes the cache may hold; the least recently used copies go first
 * @param s3           s3: the bucket and how to reach it
 */
@ConfigurationProperties("visprompt.storage")
public record StorageProperties(
        @DefaultValue("filesystem") Type type,
        @DefaultValue("./data/objects") Path dir,
        @DefaultValue("./data/object-cache") Path cacheDir,
        @DefaultValue("10GB") DataSize cacheMaxSize,
        @DefaultValue S3 s3) {

    public enum Type {
        FILESYSTEM, S3
    }

    /**
     * @param endpoint      the S3 API's URL ({@code http://minio:9000}); unset means AWS itself
     * @param region        the signing region (S3-compatible servers mostly accept any)
     * @param bucket        must exist: the service does not create buckets
     * @param pathStyle     {@code http://host/bucket/key} rather than {@code http://bucket.host/key} (MinIO, S3Proxy)
     * @param keyPrefix     prepended to every key, to share a bucket
     * @param accessKey     credentials given directly; unset: {@code accessKeyFile}, then the AWS default chain
     *                      ({@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}, profiles, instance roles)
     * @param accessKeyFile a mounted secret holding the access key (trailing newline ignored)
     */
    public record S3(String endpoint, @DefaultValue("us-east-1") String region, String bucket,
            @DefaultValue("true") boolean pathStyle, @DefaultValue("") String keyPrefix, String accessKey,
            String secretKey, Path accessKeyFile, Path secretKeyFile) {
    }

    public StorageProperties {
        if (type == Type.S3 && (s3 == null || s3.bucket() == null || s3.bucket().isBlank())) {
            throw new IllegalArgumentException("visprompt.storage.type=s3 needs visprompt.storage.s3.bucket");
        }
        if (cacheMaxSize.toBytes() <= 0) {
            throw new IllegalArgumentException("visprompt.storage.cache-max-size must be positive");
        }
    }
}
