import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives POST /v1/classify with concurrent clients (each sends its next request when the previous one is answered)
 * and prints per level: throughput, latency percentiles, the CPU used by the service and by this load generator
 * (in cores), then the service's own figures over the same seconds from /actuator/prometheus: the mean time of each
 * request phase ({@code visprompt_classify_phase_seconds}), the server-side request time, and the batch sizes.
 * Run by bench/classify-load.sh:
 * {@code java bench/ClassifyLoad.java BASE_URL API_KEY FIELDS SECONDS SERVICE_PID LEVELS IMAGE...}, where FIELDS
 * is {@code prompt_id=<id>} or {@code model=<id>&class_names=a,b} and LEVELS e.g. {@code 1,8,32}.
 */
public class ClassifyLoad {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(phase|le|uri|method|threads)=\"([^\"]*)\"");

    private static String key;

    public static void main(String[] args) throws Exception {
        String base = args[0];
        key = args[1];
        List<String[]> fields = new ArrayList<>();
        for (String field : args[2].split("&")) {
            fields.add(field.split("=", 2));
        }
        int seconds = Integer.parseInt(args[3]);
        long service = Long.parseLong(args[4]);
        List<byte[]> images = new ArrayList<>();
        for (int i = 6; i < args.length; i++) {
            images.add(Files.readAllBytes(Path.of(args[i])));
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(8)).build();
        List<String> report = new ArrayList<>();
        System.out.printf("%-8s %9s %8s %8s %8s %7s %9s %9s %10s %10s%n", "clients", "req/s", "p50 ms", "p99 ms",
                "max ms", "errors", "svc cpu", "load cpu", "server ms", "mean batch");
        // The service's JIT compiles the request path during its first seconds under load (C2 took half a core then,
        // JFR): one warm-up at 8 clients before any level, so the first level measured is not the one that pays it.
        int warmup = Integer.parseInt(System.getenv().getOrDefault("WARMUP_SECONDS", "20"));
        run(http, base, fields, images, 8, warmup, null);
        System.out.printf("(warm-up: %d s at 8 clients, then per level a fifth of its seconds; not reported)%n", warmup);
        for (String level : args[5].split(",")) {
            int clients = Integer.parseInt(level);
            run(http, base, fields, images, clients, Math.max(2, seconds / 5), null); // warm-up, not reported
            Map<String, Double> before = scrape(http, base);
            long serviceBefore = cpuTicks(service);
            long clientBefore = clientCpuNanos();
            long t0 = System.nanoTime();
            Result r = run(http, base, fields, images, clients, seconds, null);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double serviceCores = (cpuTicks(service) - serviceBefore) / 100.0 / elapsed;
            double clientCores = (clientCpuNanos() - clientBefore) / 1e9 / elapsed;
            Map<String, Double> after = scrape(http, base);
            Map<String, Double> delta = new TreeMap<>();
            after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0.0)));
            double serverMs = 1000 * delta.getOrDefault("http_server_requests_seconds_sum|/v1/classify", 0.0)
                    / Math.max(1, delta.getOrDefault("http_server_requests_seconds_count|/v1/classify", 0.0));
            double batches = delta.getOrDefault("visprompt_classify_batch_size_count", 0.0);
            double meanBatch = delta.getOrDefault("visprompt_classify_batch_size_sum", 0.0) / Math.max(1, batches);
            System.out.printf("%-8d %9.1f %8.2f %8.2f %8.1f %7d %9.2f %9.2f %10.2f %10.2f%n", clients, r.throughput,
                    r.p50, r.p99, r.max, r.errors, serviceCores, clientCores, serverMs, meanBatch);
            StringBuilder phases = new StringBuilder("  " + clients + " clients, mean ms per request:");
            double authCount = delta.getOrDefault("visprompt_security_authentication_seconds_count", 0.0);
            phases.append(String.format(" authentication %.3f", authCount == 0 ? 0
                    : 1000 * delta.getOrDefault("visprompt_security_authentication_seconds_sum", 0.0) / authCount));
            delta.forEach((k, v) -> {
                if (k.startsWith("visprompt_classify_phase_seconds_sum|")) {
                    String phase = k.substring(k.indexOf('|') + 1);
                    double count = delta.getOrDefault("visprompt_classify_phase_seconds_count|" + phase, 0.0);
                    phases.append(String.format(" %s %.3f", phase, count == 0 ? 0 : 1000 * v / count));
                }
            });
            StringBuilder sizes = new StringBuilder("  " + clients + " clients, batches of size:");
            TreeMap<Double, Double> cumulative = new TreeMap<>();
            delta.forEach((k, v) -> {
                if (k.startsWith("visprompt_classify_batch_size_bucket|") && !k.endsWith("+Inf")) {
                    cumulative.put(Double.parseDouble(k.substring(k.indexOf('|') + 1)), v);
                }
            });
            double below = 0;
            double lower = 0;
            for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
                if (e.getValue() - below > 0) {
                    sizes.append(String.format(" %s%.0f: %.0f", e.getKey() - lower > 1 ? (long) lower + 1 + "-" : "",
                            e.getKey(), e.getValue() - below));
                }
                below = e.getValue();
                lower = e.getKey();
            }
            report.add(phases.toString());
            report.add(sizes + String.format(" (%.0f batches; on one intra-op thread %.0f, on all %.0f)", batches,
                    delta.getOrDefault("visprompt_classify_forward_passes_total|one", 0.0),
                    delta.getOrDefault("visprompt_classify_forward_passes_total|all", 0.0)));
        }
        report.forEach(System.out::println);
        System.exit(0);
    }

    record Result(double throughput, double p50, double p99, double max, int errors) {
    }

    static Result run(HttpClient http, String base, List<String[]> fields, List<byte[]> images, int clients,
            int seconds, Object unused) throws Exception {
        List<byte[]> requests = images.stream().map(image -> request(base, fields, image)).toList();
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int offset = c;
            pool.submit(() -> {
                int i = offset;
                Connection connection = null;
                while (System.nanoTime() < end) {
                    byte[] request = requests.get(i++ % requests.size());
                    long t0 = System.nanoTime();
                    try {
                        if (connection == null) {
                            connection = new Connection(base);
                        }
                        Connection.Response response = connection.exchange(request);
                        if (response.closes()) {
                            connection.close();
                            connection = null;
                        }
                        if (response.status() != 200) {
                            if (errors.incrementAndGet() == 1) {
                                System.err.println(response.status() + " " + response.body());
                            }
                            continue;
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        if (connection != null) {
                            connection.close();
                            connection = null;
                        }
                        continue;
                    }
                    latencies.add((System.nanoTime() - t0) / 1e6);
                }
                if (connection != null) {
                    connection.close();
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 120L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return new Result(0, 0, 0, 0, errors.get());
        }
        return new Result(sorted.size() / elapsed, percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted.get(sorted.size() - 1), errors.get());
    }

    static double percentile(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** utime + stime of a process, in clock ticks (100 per second on Linux). */
    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static long clientCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The samples of /actuator/prometheus this report uses, keyed by name and the one label that tells them apart. */
    static Map<String, Double> scrape(HttpClient http, String base) throws Exception {
        Map<String, Double> samples = new TreeMap<>();
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !(m.group(1).startsWith("visprompt_classify") || m.group(1).startsWith("visprompt_security_authentication") || m.group(1).startsWith("http_server_requests_seconds"))) {
                continue;
            }
            String labels = m.group(2) == null ? "" : m.group(2);
            if (m.group(1).startsWith("http_server") && !labels.contains("uri=\"/v1/classify\"")) {
                continue;
            }
            String name = m.group(1);
            Matcher l = LABEL.matcher(labels);
            while (l.find()) {
                if (!l.group(1).equals("method")) {
                    name = name + "|" + l.group(2);
                }
            }
            samples.merge(name, Double.parseDouble(m.group(3)), Double::sum);
        }
        return samples;
    }

    /** A whole HTTP/1.1 request, bytes ready to write: built once per image, so the client spends nothing on it. */
    static byte[] request(String base, List<String[]> fields, byte[] image) {
        String boundary = "----classifyload";
        StringBuilder head = new StringBuilder();
        for (String[] field : fields) {
            head.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(field[0])
                    .append("\"\r\n\r\n").append(field[1]).append("\r\n");
        }
        head.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"top_k\"\r\n\r\n3\r\n--")
                .append(boundary).append("\r\nContent-Disposition: form-data; name=\"image\"; filename=\"i.png\"\r\n")
                .append("Content-Type: image/png\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        int length = headBytes.length + image.length + tail.length;
        URI uri = URI.create(base);
        byte[] requestHead = ("POST /v1/classify HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nAuthorization: Bearer " + key + "\r\nAccept: application/json\r\nContent-Type: multipart/form-data; boundary="
                + boundary + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream(requestHead.length + length);
        out.writeBytes(requestHead);
        out.writeBytes(headBytes);
        out.writeBytes(image);
        out.writeBytes(tail);
        return out.toByteArray();
    }

    /**
     * One client's keep-alive connection, blocking: the request is written and the answer read on the client's own
     * thread (Java's HttpClient hands every exchange to its selector thread and an executor and back, three thread
     * wake-ups per request on the same two cores as the service).
     */
    static final class Connection implements AutoCloseable {

        record Response(int status, String body, boolean closes) {
        }

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Connection(String base) throws IOException {
            URI uri = URI.create(base);
            socket = new Socket(uri.getHost(), uri.getPort());
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = socket.getOutputStream();
        }

        Response exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = line();
            int code = Integer.parseInt(status.split(" ")[1]);
            long length = -1;
            boolean chunked = false;
            boolean closes = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String lower = header.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    closes = true;
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0;
                        size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                    body.writeBytes(in.readNBytes(size));
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                body.writeBytes(in.readNBytes((int) length));
            } else {
                body.writeBytes(in.readAllBytes());
                closes = true;
            }
            return new Response(code, body.toString(StandardCharsets.UTF_8), closes);
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }
}
