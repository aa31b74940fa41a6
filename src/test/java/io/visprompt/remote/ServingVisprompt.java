package io.visprompt.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.visprompt.VispromptApplication;
import io.visprompt.config.FileTrees;

/**
 * A second visprompt with its own embedded PostgreSQL and admin key, serving its catalog models bare over the Open
 * Inference Protocol: the remote endpoint another visprompt trains black-box prompts for. Either a Spring context in
 * the test's JVM ({@link #inThisJvm()}), or the packaged jar as a process of its own ({@link #packagedJar()}), as a
 * real deployment would be.
 */
final class ServingVisprompt implements AutoCloseable {

    /** Its admin key (other than the test contexts' own), which the learning side reads from a secret file. */
    static final String KEY = "vp_servingside_" + "f00dfeedcafebabe".repeat(3);

    private final String url;
    private final AutoCloseable stop;

    private ServingVisprompt(String url, AutoCloseable stop) {
        this.url = url;
        this.stop = stop;
    }

    static ServingVisprompt inThisJvm() {
        // arguments, not default properties: they must win over application-test.yml
        ConfigurableApplicationContext context = new SpringApplicationBuilder(VispromptApplication.class)
                .profiles("test").run("--server.port=0", "--visprompt.security.bootstrap-key=" + KEY,
                        "--visprompt.training.workers=false", "--visprompt.training.reaper=false",
                        "--visprompt.inference.max-batch-wait=1ms", "--spring.jmx.enabled=false");
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        return new ServingVisprompt("http://127.0.0.1:" + port, context::close);
    }

    /** The jar `package` built (failsafe passes its path), run in a scratch directory on its embedded defaults. */
    static ServingVisprompt packagedJar() throws IOException {
        Path jar = Path.of(System.getProperty("visprompt.jar", "target/visprompt.jar"));
        assertThat(jar).as("the packaged service jar").exists();
        Path home = Files.createTempDirectory("visprompt-serving");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Xmx1g", "-jar",
                jar.toAbsolutePath().toString(), "--server.port=" + port, "--visprompt.security.bootstrap-key=" + KEY,
                "--visprompt.training.workers=false", "--visprompt.inference.max-batch-wait=1ms")
                .directory(home.toFile()).redirectErrorStream(true).redirectOutput(home.resolve("service.log").toFile())
                .start();
        String url = "http://127.0.0.1:" + port;
        ServingVisprompt serving = new ServingVisprompt(url, () -> {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            FileTrees.delete(home);
        });
        HttpClient http = HttpClient.newHttpClient();
        try {
            // refused connections while the process starts
            await().atMost(Duration.ofMinutes(2)).ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("The serving visprompt exited at start:\n"
                                    + Files.readString(home.resolve("service.log")));
                        }
                        return http.send(HttpRequest.newBuilder(URI.create(url + "/actuator/health/readiness"))
                                .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    });
        } catch (RuntimeException e) {
            serving.close();
            throw e;
        }
        return serving;
    }

    String url() {
        return url;
    }

    @Override
    public void close() {
        try {
            stop.close();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot stop the serving visprompt at " + url, e);
        }
    }
}
