package io.visprompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** What the tests that run the packaged service as processes of its own share: ports, readiness, plain calls. */
public final class ServiceProcesses {

    private ServiceProcesses() {
    }

    /**
     * The command line that runs the packaged service jar ({@code -Dvisprompt.jar}, set by failsafe) offline with one
     * libtorch thread on {@code port} against the PostgreSQL at {@code jdbcUrl} (user postgres): {@code jvmOptions}
     * before {@code -jar}, {@code settings} (Spring arguments) after the common ones.
     */
    public static List<String> serviceCommand(int port, String jdbcUrl, List<String> jvmOptions, String... settings) {
        Path jar = Path.of(System.getProperty("visprompt.jar"));
        assertThat(jar).as("the packaged service jar").exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "--server.port=" + port,
                "--spring.datasource.url=" + jdbcUrl, "--spring.datasource.username=postgres"));
        command.addAll(List.of(settings));
        return command;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Until the process at {@code base} reports itself ready; refused connections while it starts are expected. */
    public static void awaitReady(HttpClient http, String base) {
        await().atMost(Duration.ofMinutes(2)).ignoreExceptionsInstanceOf(IOException.class).until(() -> http.send(
                HttpRequest.newBuilder(URI.create(base + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    /** Sends the request, asserts a 2xx answer and returns its body. */
    public static String sendOk(HttpClient http, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return response.body();
    }

    /** {@code POST /v1/datasets} of an ImageFolder zip, as curl -F file=@data.zip sends it. */
    public static HttpRequest.Builder datasetUpload(String base, String apiKey, byte[] zip) {
        String boundary = "----visprompt" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.zip\"\r\n"
                + "Content-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[head.length + zip.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(zip, 0, body, head.length, zip.length);
        System.arraycopy(tail, 0, body, head.length + zip.length, tail.length);
        return HttpRequest.newBuilder(URI.create(base + "/v1/datasets"))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }
}
