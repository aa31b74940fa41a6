package io.visprompt.storage.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import io.visprompt.storage.ObjectStore;
import io.visprompt.storage.StorageProperties;
import io.visprompt.storage.StorageUnreachable;

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, S3Proxy, Ceph), read through a {@link LocalObjectCache} when
 * a local file is needed. The client computes checksums only when an operation requires them: newer SDKs otherwise
 * send trailing checksums that many S3-compatible servers refuse.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {

    private final S3Client client;
    private final String bucket;
    private final String prefix;
    private final String description;
    private final LocalObjectCache cache;

    public S3ObjectStore(StorageProperties.S3 settings, LocalObjectCache cache) {
        this.bucket = settings.bucket();
        String configuredPrefix = settings.keyPrefix() == null ? "" : settings.keyPrefix().replaceAll("^/+|/+$", "");
        this.prefix = configuredPrefix.isEmpty() ? "" : ObjectStore.requireValidKey(configuredPrefix) + "/";
        this.description = "S3 bucket '" + bucket + "'"
                + (settings.endpoint() == null || settings.endpoint().isBlank() ? " (AWS)" : " at " + settings.endpoint());
        this.cache = cache;
        var builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .forcePathStyle(settings.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.endpoint() != null && !settings.endpoint().isBlank()) {
            builder.endpointOverride(URI.create(settings.endpoint()));
        }
        this.client = builder.build();
    }

    private AwsCredentialsProvider credentials(StorageProperties.S3 settings) {
        String accessKey = secret(settings.accessKey(), settings.accessKeyFile(), "access key");
        String secretKey = secret(settings.secretKey(), settings.secretKeyFile(), "secret key");
        if (accessKey != null && secretKey != null) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        }
        if (accessKey != null || secretKey != null) {
            throw new StorageUnreachable(description, "an access key needs its secret key and the other way round",
                    null);
        }
        return DefaultCredentialsProvider.builder().build();
    }

    private String secret(String value, Path file, String what) {
        if (value != null && !value.isBlank()) {
            return value;
        }
        if (file == null) {
            return null;
        }
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new StorageUnreachable(description, "cannot read the " + what + " file " + file + " (" + e + ")", e);
        }
    }

    /** Checks the bucket exists and the credentials may use it: a process that cannot reach it does not start. */
    public S3ObjectStore verified() {
        try {
            client.headBucket(b -> b.bucket(bucket));
            // reading is not enough: a write and a delete of a probe object prove the credentials' rights
            String probe = prefix + ".visprompt-probe";
            client.putObject(p -> p.bucket(bucket).key(probe), RequestBody.fromBytes(new byte[] {1}));
            client.deleteObject(d -> d.bucket(bucket).key(probe));
            return this;
        } catch (NoSuchBucketException e) {
            throw new StorageUnreachable(description, "the bucket does not exist", e);
        } catch (S3Exception e) {
            String reason = switch (e.statusCode()) {
                case 404 -> "the bucket does not exist";
                case 401, 403 -> "access denied: wrong credentials, or no right to read and write the bucket";
                default -> "the server answered " + e.statusCode() + " " + e.awsErrorDetails().errorCode();
            };
            throw new StorageUnreachable(description, reason, e);
        } catch (SdkClientException e) {
            throw new StorageUnreachable(description, "cannot reach the server (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public String description() {
        return description;
    }

    private String remote(String key) {
        return prefix + ObjectStore.requireValidKey(key);
    }

    @Override
    public void put(String key, Path file) {
        try {
            client.putObject(p -> p.bucket(bucket).key(remote(key)), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure("store", key, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes) {
        try {
            client.putObject(p -> p.bucket(bucket).key(remote(key)), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("store", key, e);
        }
    }

    @Override
    public byte[] read(String key) {
        try {
            return client.getObjectAsBytes(g -> g.bucket(bucket).key(remote(key))).asByteArray();
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public InputStream open(String key) {
        try {
            return client.getObject(g -> g.bucket(bucket).key(remote(key)));
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public Path localFile(String key) {
        return cache.get(key, file -> {
            try {
                Files.delete(file); // the SDK writes a file that does not exist yet
                client.getObject(g -> g.bucket(bucket).key(remote(key)), ResponseTransformer.toFile(file));
            } catch (SdkException e) {
                throw failure("read", key, e);
            }
        });
    }

    @Override
    public boolean exists(String key) {
        try {
            client.headObject(h -> h.bucket(bucket).key(remote(key)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("check", key, e);
        } catch (SdkException e) {
            throw failure("check", key, e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            client.deleteObject(d -> d.bucket(bucket).key(remote(key)));
            cache.forget(key);
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    /**
     * One DELETE per object: the multi-object delete needs a Content-MD5 or checksum header that S3-compatible servers
     * handle unevenly (S3Proxy answers 501), and prefixes here hold few objects or are deleted rarely.
     */
    @Override
    public void deleteAll(String keyPrefix) {
        for (String key : keys(keyPrefix)) {
            delete(key);
        }
    }

    @Override
    public List<String> keys(String keyPrefix) {
        String listed = remote(keyPrefix) + "/";
        List<String> keys = new ArrayList<>();
        try {
            for (S3Object object : client.listObjectsV2Paginator(l -> l.bucket(bucket).prefix(listed)).contents()) {
                // some servers (S3Proxy's filesystem backend) list folders as keys ending in '/'
                if (!object.key().endsWith("/")) {
                    keys.add(object.key().substring(prefix.length()));
                }
            }
        } catch (SdkException e) {
            throw failure("list", keyPrefix + "/", e);
        }
        keys.sort(null);
        return keys;
    }

    /**
     * A missing object reads as {@link NoSuchFileException} (the data is gone, not the store), everything else as
     * an {@link IOException}, which the training queue treats as transient.
     */
    private UncheckedIOException failure(String action, String key, SdkException e) {
        if (e instanceof NoSuchKeyException || (e instanceof S3Exception s3 && s3.statusCode() == 404)) {
            NoSuchFileException missing = new NoSuchFileException(key, null, "no such object in the " + description);
            missing.initCause(e);
            return new UncheckedIOException(missing);
        }
        return new UncheckedIOException(new IOException("Cannot " + action + " " + key + " in the " + description
                + ": " + e.getMessage(), e));
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            cache.close();
        }
    }
}
