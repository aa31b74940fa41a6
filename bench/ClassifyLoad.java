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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives POST /v1/classify with 1, 8 and 32 concurrent clients (each sends its next request when the previous one
 * is answered) and prints throughput and latency percentiles per level. Run by bench/classify-load.sh:
 * {@code java bench/ClassifyLoad.java BASE_URL API_KEY PROMPT_ID SECONDS IMAGE...}.
 */
public class ClassifyLoad {

    private static String key;

    public static void main(String[] args) throws Exception {
        String base = args[0];
        key = args[1];
        String prompt = args[2];
        int seconds = Integer.parseInt(args[3]);
        List<byte[]> images = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            images.add(Files.readAllBytes(Path.of(args[i])));
        }
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(8)).build();
        System.out.printf("%-8s %10s %10s %10s %10s %8s%n", "clients", "req/s", "p50 ms", "p99 ms", "max ms", "errors");
        for (int clients : new int[] {1, 8, 32}) {
            run(http, base, prompt, images, clients, 2, false); // warm-up, not reported
            Result r = run(http, base, prompt, images, clients, seconds, true);
            System.out.printf("%-8d %10.1f %10.1f %10.1f %10.1f %8d%n", clients, r.throughput, r.p50, r.p99, r.max, r.errors);
        }
        System.exit(0);
    }

    record Result(double throughput, double p50, double p99, double max, int errors) {
    }

    static Result run(HttpClient http, String base, String prompt, List<byte[]> images, int clients, int seconds,
            boolean measure) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int offset = c;
            pool.submit(() -> {
                int i = offset;
                while (System.nanoTime() < end) {
                    byte[] image = images.get(i++ % images.size());
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(request(base, prompt, image), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        continue;
                    }
                    latencies.add((System.nanoTime() - t0) / 1e6);
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
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

    static HttpRequest request(String base, String prompt, byte[] image) {
        String boundary = "----classifyload";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"prompt_id\"\r\n\r\n" + prompt
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"top_k\"\r\n\r\n3\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"i.png\"\r\nContent-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[head.length + image.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(image, 0, body, head.length, image.length);
        System.arraycopy(tail, 0, body, head.length + image.length, tail.length);
        return HttpRequest.newBuilder(URI.create(base + "/v1/classify"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }
}
