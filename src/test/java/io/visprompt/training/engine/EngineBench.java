package io.visprompt.training.engine;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.visprompt.model.ModelKind;
import io.visprompt.model.internal.LoadedModel;
import io.visprompt.model.internal.TorchScriptModels;

/**
 * The engine side of {@code bench/run.sh}: a long-lived process that the driver ({@code bench/bench.py}) feeds one
 * command per line on stdin, so runs of the engine and of the PyTorch loops can be interleaved without paying process
 * start-up each round. Answers are single lines {@code @@ {json}} on stdout.
 * <ul>
 * <li>{@code train k=v...}: a whole {@link PromptTrainer#train} run, exactly as a job runs it; step times come from a
 * {@link TrainingListener} that timestamps {@code onProgress} (the gap between two steps, batch wait included).</li>
 * <li>{@code harness k=v...}: one epoch through the engine's lower-level classes ({@link PromptGradient},
 * {@link BatchStream}, {@link ImageCache}, {@link MomentumSgd}), with each speed feature switchable: {@code frozen},
 * {@code cl} (channels-last input), {@code decode} (images decoded once), {@code prefetch}, {@code text} (CLIP text
 * features once). With everything on it is the same step as {@code train}.</li>
 * <li>{@code profile k=v...}: phase timers over training steps, then libtorch's profiler over more steps (trace file).</li>
 * <li>{@code rss}: peak RSS so far; {@code quit}: peak RSS, then exit.</li>
 * </ul>
 * Not a test (the name does not match Surefire's patterns); started by {@code bench/run.sh} with the test classpath.
 */
public final class EngineBench {

    private final LoadedModel model;
    private final TrainingData data;
    private final Map<String, String> defaults;
    private final boolean clip;
    private ImageCache trainCache;

    private EngineBench(LoadedModel model, TrainingData data, Map<String, String> defaults) {
        this.model = model;
        this.data = data;
        this.defaults = defaults;
        this.clip = model.descriptor().kind() == ModelKind.CLIP;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = parse(Arrays.asList(args));
        long started = System.nanoTime();
        try (LoadedModel model = TorchScriptModels.openDirectory(options.getOrDefault("id", "model"),
                Path.of(options.get("model")))) {
            EngineBench bench = new EngineBench(model, readImageFolder(Path.of(options.get("data"))), options);
            reply(Map.of("ready", true, "load_seconds", (System.nanoTime() - started) / 1e9, "threads",
                    System.getProperty("ai.djl.pytorch.num_threads", "default")));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                List<String> words = Arrays.asList(line.trim().split("\\s+"));
                if (words.get(0).isEmpty()) {
                    continue;
                }
                Map<String, String> command = new LinkedHashMap<>(options);
                command.putAll(parse(words.subList(1, words.size())));
                try {
                    switch (words.get(0)) {
                        case "train" -> reply(bench.train(command));
                        case "harness" -> reply(bench.harness(command));
                        case "profile" -> reply(bench.profile(command));
                        case "randcheck" -> reply(randCheck(command));
                        case "rss" -> reply(Map.of("peak_rss_kb", peakRssKb()));
                        case "quit" -> {
                            reply(Map.of("peak_rss_kb", peakRssKb()));
                            return;
                        }
                        default -> reply(Map.of("error", "unknown command " + words.get(0)));
                    }
                } catch (RuntimeException e) {
                    e.printStackTrace();
                    reply(Map.of("error", String.valueOf(e)));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ train

    private TrainingSettings settings(Map<String, String> o) {
        LabelMapping mapping = LabelMapping.valueOf(o.getOrDefault("mapping", "identity").toUpperCase(Locale.ROOT));
        return new TrainingSettings(PromptTemplate.PADDING, integer(o, "prompt"), PromptPlacement.NORMALIZED,
                mapping, List.of(), integer(o, "epochs"), integer(o, "batch"), number(o, "lr"), 0.9, 0.0,
                integer(o, "warmup"), OptimizerKind.SGD, integer(o, "seed"), 0);
    }

    private Map<String, Object> train(Map<String, String> o) {
        List<Double> stepMillis = new ArrayList<>();
        List<Double> validation = new ArrayList<>();
        TrainingListener timer = new TrainingListener() {
            long last;

            @Override
            public void onPhase(String phase) {
                if (PromptTrainer.PHASE_TRAINING.equals(phase)) {
                    last = System.nanoTime();
                }
            }

            @Override
            public Control onProgress(TrainingProgress progress) {
                long now = System.nanoTime();
                stepMillis.add((now - last) / 1e6);
                last = now;
                return Control.CONTINUE;
            }

            @Override
            public void onEpoch(EpochMetrics metrics) {
                validation.add(metrics.validationAccuracy());
            }
        };
        long started = System.nanoTime();
        TrainingOutcome outcome = new PromptTrainer(model, settings(o)).train(limited(data, o), timer, null);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("step_ms", stepMillis);
        result.put("seconds", (System.nanoTime() - started) / 1e9);
        result.put("val", outcome.bestValidationAccuracy());
        result.put("test", outcome.promptedTestAccuracy());
        result.put("zero_shot_test", outcome.zeroShotTestAccuracy());
        result.put("best_epoch", outcome.bestEpoch());
        result.put("val_per_epoch", validation);
        result.put("mapping", Arrays.stream(outcome.labelMapping()).boxed().toList());
        return result;
    }

    private static TrainingData limited(TrainingData data, Map<String, String> o) {
        int train = integer(o, "train_limit", Integer.MAX_VALUE);
        int eval = integer(o, "eval_limit", Integer.MAX_VALUE);
        return new TrainingData(data.classNames(), head(data.train(), train), head(data.validation(), eval),
                head(data.test(), eval));
    }

    private static <T> List<T> head(List<T> list, int limit) {
        return list.size() <= limit ? list : list.subList(0, limit);
    }

    // ---------------------------------------------------------------------------------------------- harness

    /** What one harness epoch needs, made once per command. */
    private record Setup(VisualPrompt prompt, float[] values, float[] mask, MomentumSgd optimizer,
            WarmupCosineSchedule schedule, List<TrainingExample> examples, int side, int[] mapping) {
    }

    private Setup setup(Map<String, String> o) {
        int side = model.descriptor().inputSize();
        VisualPrompt prompt = VisualPrompt.of(PromptTemplate.PADDING, integer(o, "prompt"), side, side);
        List<TrainingExample> examples = head(data.train(), integer(o, "train_limit", Integer.MAX_VALUE));
        int batch = integer(o, "batch");
        long steps = (examples.size() + batch - 1) / batch;
        int[] mapping = IntStream.range(0, data.classNames().size()).toArray();
        return new Setup(prompt, prompt.initialValues(PromptPlacement.NORMALIZED, integer(o, "seed")), prompt.mask(),
                new MomentumSgd(prompt.mask().length, 0.9, 0), new WarmupCosineSchedule(number(o, "lr"),
                        integer(o, "warmup"), steps), examples, side, mapping);
    }

    private ImageCache trainCache(List<TrainingExample> examples) {
        if (trainCache == null || trainCache.size() != examples.size()) {
            trainCache = decode(examples);
        }
        return trainCache;
    }

    private ImageCache decode(List<TrainingExample> examples) {
        int side = model.descriptor().inputSize();
        Function<BufferedImage, float[]> prepare = image -> PromptedClassifier.prepare(model, null, image);
        return ImageCache.decode(examples, prepare, side * side * 3);
    }

    /** A batch source: the engine's BatchStream, or the same batches assembled without caching and/or prefetching. */
    private interface Batches extends AutoCloseable {
        BatchStream.Batch next();

        @Override
        void close();
    }

    private Batches batches(Setup s, int[] order, int batchSize, boolean decodeOnce, boolean prefetch) {
        if (decodeOnce && prefetch) {
            BatchStream stream = new BatchStream(trainCache(s.examples()), order, batchSize, 0);
            return new Batches() {
                public BatchStream.Batch next() {
                    return stream.next();
                }

                public void close() {
                    stream.close();
                }
            };
        }
        ImageCache cache = decodeOnce ? trainCache(s.examples()) : null;
        Function<Integer, BatchStream.Batch> assemble = start -> {
            if (start >= order.length) {
                return null;
            }
            int count = Math.min(batchSize, order.length - start);
            int[] indices = Arrays.copyOfRange(order, start, start + count);
            ImageCache source = cache;
            int[] rows = indices;
            if (source == null) {
                // Decoded for this batch only: file read, resize, crop, as ImageCache.decode does once per run.
                source = decode(Arrays.stream(indices).mapToObj(s.examples()::get).toList());
                rows = IntStream.range(0, count).toArray();
            }
            FloatBuffer pixels = FloatBuffer.allocate(count * source.valuesPerImage());
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                source.copyTo(rows[i], pixels);
                labels[i] = source.label(rows[i]);
            }
            pixels.flip();
            return new BatchStream.Batch(pixels, labels, count);
        };
        if (!prefetch) {
            return new Batches() {
                int start;

                public BatchStream.Batch next() {
                    BatchStream.Batch batch = assemble.apply(start);
                    start += batchSize;
                    return batch;
                }

                public void close() {
                }
            };
        }
        ExecutorService executor = Executors.newSingleThreadExecutor();
        return new Batches() {
            int start;
            Future<BatchStream.Batch> pending = executor.submit(() -> assemble.apply(0));

            public BatchStream.Batch next() {
                try {
                    BatchStream.Batch batch = pending.get();
                    start += batchSize;
                    int next = start;
                    pending = executor.submit(() -> assemble.apply(next));
                    return batch;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            public void close() {
                executor.shutdownNow();
            }
        };
    }

    private Map<String, Object> harness(Map<String, String> o) {
        boolean frozen = flag(o, "frozen");
        boolean channelsLast = flag(o, "cl");
        boolean decodeOnce = flag(o, "decode");
        boolean prefetch = flag(o, "prefetch");
        boolean textOnce = flag(o, "text");
        Setup s = setup(o);
        int batchSize = integer(o, "batch");
        List<Double> stepMillis = new ArrayList<>();
        List<NDArray> weights = model.weights();
        PromptedForward.InputLayout layout = channelsLast ? PromptedForward.InputLayout.CHANNELS_LAST
                : PromptedForward.InputLayout.NCHW;
        if (!frozen) {
            // As the reference code runs: every weight requires a gradient, so backward computes (and accumulates)
            // weight gradients too. Switched back at the end.
            weights.forEach(w -> w.setRequiresGradient(true));
        }
        double lossSum = 0;
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                Batches batches = batches(s, BatchStream.shuffledOrder(s.examples().size(), integer(o, "seed")),
                        batchSize, decodeOnce, prefetch)) {
            OutputHead onceHead = clip ? (textOnce ? textHead(manager) : null) : new ClassifierLabelHead(s.mapping());
            long last = System.nanoTime();
            long step = 0;
            for (BatchStream.Batch batch = batches.next(); batch != null; batch = batches.next(), step++) {
                try (NDManager stepManager = manager.newSubManager()) {
                    // Text features re-encoded for this step only when the feature is off (the reference's way).
                    OutputHead head = onceHead != null ? onceHead : textHead(stepManager);
                    PromptGradient gradients = new PromptGradient(new PromptedForward(model,
                            PromptPlacement.NORMALIZED, head, layout), s.side(), s.side());
                    PromptGradient.Result result = gradients.compute(stepManager, batch.pixelsNhwc(),
                            batch.labels(), batch.count(), s.prompt().placed(s.values(), VisualPrompt.Offset.NONE));
                    s.optimizer().update(s.values(), s.prompt().storedGradient(result.gradient(),
                            VisualPrompt.Offset.NONE), s.mask(), s.schedule().rate(step));
                    lossSum += result.loss();
                }
                long now = System.nanoTime();
                stepMillis.add((now - last) / 1e6);
                last = now;
            }
        } finally {
            if (!frozen) {
                weights.forEach(w -> w.setRequiresGradient(false));
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("step_ms", stepMillis);
        result.put("mean_loss", lossSum / Math.max(1, stepMillis.size()));
        return result;
    }

    private ClipTextHead textHead(NDManager manager) {
        return ClipTextHead.encode(model, manager, data.classNames(), model.descriptor().templates());
    }

    // ---------------------------------------------------------------------------------------------- profile

    /**
     * Where a step's time goes: the engine's step (as {@link PromptGradient#compute} and the update in
     * {@code TrainingRun}) with a timer around each phase, then the same steps under libtorch's profiler.
     */
    private Map<String, Object> profile(Map<String, String> o) {
        Setup s = setup(o);
        int batchSize = integer(o, "batch");
        int steps = integer(o, "steps", 6);
        String[] phases = {"data", "input", "forward", "loss", "backward", "gradient_out", "update"};
        Map<String, List<Double>> millis = new LinkedHashMap<>();
        for (String phase : phases) {
            millis.put(phase, new ArrayList<>());
        }
        List<Double> wall = new ArrayList<>();
        double[] profiledMillis = {0};
        int[] profiledSteps = {0};
        int[] order = BatchStream.shuffledOrder(s.examples().size(), integer(o, "seed"));
        String trace = o.get("trace");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            OutputHead head = clip ? textHead(manager) : new ClassifierLabelHead(s.mapping());
            PromptedForward forward = new PromptedForward(model, PromptPlacement.NORMALIZED, head);
            for (int pass = 0; pass < (trace != null ? 2 : 1); pass++) {
                boolean profiled = pass == 1;
                try (BatchStream batches = new BatchStream(trainCache(s.examples()), order, batchSize, 0)) {
                    if (profiled) {
                        JniUtils.startProfile(false, false, false);
                    }
                    long last = System.nanoTime();
                    long profileStarted = last;
                    int step = 0;
                    for (BatchStream.Batch batch = batches.next(); batch != null && step < steps;
                            batch = batches.next(), step++) {
                        long t0 = last;
                        long t1 = System.nanoTime();
                        long t2;
                        long t3;
                        long t4;
                        long t5;
                        long t6;
                        float[] gradient;
                        boolean gradMode = JniUtils.isGradMode();
                        JniUtils.setGradMode(true);
                        try (NDManager stepManager = manager.newSubManager()) {
                            NDArray prompt = stepManager.create(s.prompt().placed(s.values(), VisualPrompt.Offset.NONE),
                                    new Shape(3, s.side(), s.side()));
                            prompt.setRequiresGradient(true);
                            NDArray pixels = forward.pixels(stepManager, batch.pixelsNhwc(), batch.count());
                            t2 = System.nanoTime();
                            NDArray logits = forward.logits(pixels, prompt, true);
                            t3 = System.nanoTime();
                            NDArray target = stepManager.create(PromptGradient.toLongs(batch.labels(), batch.count()));
                            NDArray loss = CrossEntropy.mean(logits, target);
                            t4 = System.nanoTime();
                            JniUtils.backward((PtNDArray) loss, (PtNDArray) stepManager.ones(loss.getShape(),
                                    DataType.FLOAT32), false, false);
                            t5 = System.nanoTime();
                            gradient = prompt.getGradient().toFloatArray();
                            loss.getFloat();
                            t6 = System.nanoTime();
                        } finally {
                            JniUtils.setGradMode(gradMode);
                        }
                        s.optimizer().update(s.values(), s.prompt().storedGradient(gradient, VisualPrompt.Offset.NONE),
                                s.mask(), s.schedule().rate(step));
                        long t7 = System.nanoTime();
                        last = t7;
                        if (step == 0 || profiled) {
                            continue; // first step: one-off primitive creation
                        }
                        long[] marks = {t0, t1, t2, t3, t4, t5, t6, t7};
                        for (int p = 0; p < phases.length; p++) {
                            millis.get(phases[p]).add((marks[p + 1] - marks[p]) / 1e6);
                        }
                        wall.add((t7 - t0) / 1e6);
                    }
                    if (profiled) {
                        profiledMillis[0] = (System.nanoTime() - profileStarted) / 1e6;
                        profiledSteps[0] = step;
                        JniUtils.stopProfile(trace);
                    }
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("phase_ms", millis);
        result.put("wall_ms", wall);
        // The window libtorch's profiler recorded (trace file): steps run back to back, first step excluded above.
        result.put("profiled_ms", profiledMillis[0]);
        result.put("profiled_steps", profiledSteps[0]);
        result.put("note", "forward includes normalize and prompt add; loss includes the label head and "
                + "cross-entropy; gradient_out copies the prompt gradient to Java; update is the Java SGD step");
        return result;
    }

    // ------------------------------------------------------------------------------------------------ misc

    /** The engine's random streams for the Python side to compare with (bench/javarand.py). */
    private static Map<String, Object> randCheck(Map<String, String> o) {
        VisualPrompt prompt = VisualPrompt.of(PromptTemplate.PADDING, integer(o, "prompt"), 32, 32);
        float[] initial = prompt.initialValues(PromptPlacement.NORMALIZED, integer(o, "seed"));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("initial_prefix", IntStream.range(0, 40).mapToObj(i -> (double) initial[i]).toList());
        result.put("order", Arrays.stream(BatchStream.shuffledOrder(400, integer(o, "seed"))).boxed().toList());
        return result;
    }

    /** An ImageFolder directory ({@code train/ val/ test/}, one folder per class, classes sorted by name). */
    static TrainingData readImageFolder(Path directory) {
        return ImageFolderZip.read(directory);
    }

    static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // not Linux: unknown
        }
        return -1;
    }

    private static Map<String, String> parse(List<String> words) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                options.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return options;
    }

    private static int integer(Map<String, String> o, String key) {
        String value = o.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing option " + key);
        }
        return Integer.parseInt(value);
    }

    private static int integer(Map<String, String> o, String key, int fallback) {
        return o.containsKey(key) ? Integer.parseInt(o.get(key)) : fallback;
    }

    private static double number(Map<String, String> o, String key) {
        return Double.parseDouble(o.get(key));
    }

    private static boolean flag(Map<String, String> o, String key) {
        return !"0".equals(o.getOrDefault(key, "1"));
    }

    private static void reply(Map<String, ?> fields) {
        System.out.println("@@ " + json(fields));
        System.out.flush();
    }

    private static String json(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> json(String.valueOf(e.getKey())) + ":" + json(e.getValue()))
                    .collect(Collectors.joining(",", "{", "}"));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(EngineBench::json).collect(Collectors.joining(",", "[", "]"));
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? "null" : Double.toString(d);
        }
        if (value instanceof Number || value instanceof Boolean) {
            return String.valueOf(value);
        }
        String text = String.valueOf(value);
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
