package io.visprompt.storage;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real S3 API server for tests: S3Proxy's self-contained jar (copied to {@code target/s3proxy/} by Maven) started
 * as a process of its own over its filesystem backend in a temporary directory, as tests start PostgreSQL. Its
 * Jetty 11 stays out of the application's classpath. Buckets are folders of the backend's directory.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "visprompt-test";
    public static final String SECRET_KEY = "visprompt-test-secret";
    static final Path JAR = Path.of("target/s3proxy/s3proxy.jar");

    private final Process process;
    private final Path directory;
    private final int port;

    private S3ProxyServer(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /** Starts a server and waits until it accepts connections. */
    public static S3ProxyServer start() {
        try {
            Path directory = Files.createTempDirectory("visprompt-s3proxy-");
            Path data = Files.createDirectories(directory.resolve("data"));
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Path properties = directory.resolve("s3proxy.conf");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + data) + "\n");
            if (!Files.isRegularFile(JAR)) {
                throw new IllegalStateException(JAR + " is missing: Maven's process-test-resources phase copies it "
                        + "(org.gaul:s3proxy:jar-with-dependencies)");
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", JAR.toAbsolutePath().toString(),
                    "--properties", properties.toString()))
                    .redirectErrorStream(true).redirectOutput(directory.resolve("s3proxy.log").toFile()).start();
            S3ProxyServer server = new S3ProxyServer(process, directory, port);
            // a server a test class keeps in a static field ends with the test JVM at the latest
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            if (!process.isAlive()) {
                                throw new IllegalStateException("S3Proxy exited: "
                                        + Files.readString(directory.resolve("s3proxy.log")));
                            }
                            return server.accepts();
                        });
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** A new, empty bucket with a unique name. */
    public String newBucket() {
        String bucket = "visprompt-" + UUID.randomUUID().toString().substring(0, 12);
        try {
            Files.createDirectories(directory.resolve("data").resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bucket;
    }

    /** A Spring test context's settings for {@code bucket} on this server (with {@code visprompt.storage.type=s3}). */
    public void register(DynamicPropertyRegistry registry, String bucket) {
        registry.add("visprompt.storage.s3.endpoint", this::endpoint);
        registry.add("visprompt.storage.s3.bucket", () -> bucket);
        registry.add("visprompt.storage.s3.access-key", () -> ACCESS_KEY);
        registry.add("visprompt.storage.s3.secret-key", () -> SECRET_KEY);
    }

    /** Storage settings for {@code bucket} on this server. */
    public StorageProperties.S3 settings(String bucket, String secretKey) {
        return new StorageProperties.S3(endpoint(), "us-east-1", bucket, true, "", ACCESS_KEY, secretKey, null, null);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
