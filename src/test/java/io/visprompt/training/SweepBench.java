package io.visprompt.training;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import io.visprompt.dataset.DatasetSummary;
import io.visprompt.dataset.Split;
import io.visprompt.model.internal.LoadedModel;
import io.visprompt.model.internal.TorchScriptModels;
import io.visprompt.training.engine.EpochMetrics;
import io.visprompt.training.engine.PromptTrainer;
import io.visprompt.training.engine.TrainingCheckpoint;
import io.visprompt.training.engine.TrainingData;
import io.visprompt.training.engine.TrainingExample;
import io.visprompt.training.engine.TrainingListener;
import io.visprompt.training.engine.TrainingOutcome;

/**
 * Not a test (the name does not match Surefire's patterns); {@code bench/sweep.sh} runs it with the test classpath.
 * For each demo task it trains, with the service's engine and its sweep planning and ASHA classes: the job a request
 * with only {@code dataset_id}, {@code model} and the epochs gets (the defaults), every trial of a grid to the last
 * epoch (writing every grid trial's validation curve), and an ASHA sweep ({@code -Deta=2}, default 3;
 * {@code -DminEpochs=2}, default 1) over the same
 * trials in its seeded order with one worker (paused trials resume from their checkpoints; {@code -DashaSeeds=1,2}
 * repeats it in other orders). {@code -Druns=replay} trains nothing: it replays ASHA over the recorded grid curves
 * ({@link AshaReplay}) in {@code -Dorders=1000} trial orders, for the {@code -Dasha=1:2,1:3} settings
 * ({@code min_epochs:eta}), in both {@link AshaRungs.Order}s. Trials are
 * resolved exactly as the service resolves them ({@link Sweeps#trialRequest}, {@link TrainingJobDefaults#resolve}).
 * Each sweep picks its best trial by validation accuracy; the table reports that trial's test accuracy.
 */
final class SweepBench {

    record Task(String name, String model, String zip, Map<String, Object> space) {
    }

    record Run(Map<String, Object> point, List<Double> curve, double bestValidation, double test, boolean stopped) {
    }

    public static void main(String[] args) throws IOException {
        int maxEpochs = Integer.parseInt(System.getProperty("epochs", "9"));
        int eta = Integer.getInteger("eta", 3);
        int minEpochs = Integer.getInteger("minEpochs", 1);
        long seed = 0;
        // -Druns=asha -DashaSeeds=1,2,3,4 -Dout=bench/results/sweeps-asha-seeds: ASHA again in other trial orders
        List<String> runs = List.of(System.getProperty("runs", "defaults,grid,asha").split(","));
        String[] ashaSeeds = System.getProperty("ashaSeeds", "0").split(",");
        String out = System.getProperty("out", "bench/results/sweeps");
        Path work = Path.of(System.getProperty("work", "bench/work/sweep"));
        List<Task> tasks = List.of(
                new Task("fashion-border", "fashion-cnn", "src/test/resources/fixtures/data/fashion-border.zip",
                        Map.of("hyperparameters", Map.of("learning_rate", List.of(1, 4, 10, 40)),
                                "prompt", Map.of("size", List.of(2, 4)),
                                "output", Map.of("label_mapping", List.of("identity", "by_name")))),
                // at tiny-clip's default batch of 256, 9 epochs of 600 images are only 27 steps: the batch size
                // matters there (an earlier run: batch 32 reached 0.415 validation, the defaults 0.235)
                new Task("mnist-small", "tiny-clip", "src/test/resources/fixtures/data/mnist-small.zip",
                        Map.of("hyperparameters", Map.of("learning_rate", List.of(4, 10, 20, 40),
                                "batch_size", List.of(32, 64)), "prompt", Map.of("size", List.of(2, 4)))));
        StringBuilder table = new StringBuilder();
        table.append("| task (model) | run | trials | epochs trained | share of grid | best trial (by validation) "
                + "| best validation | its test accuracy |\n|---|---|---|---|---|---|---|---|\n");
        StringBuilder csv = new StringBuilder("task,run,trial,settings,epochs,best_validation,test,stopped\n");
        // every grid trial's validation curve: what -Druns=replay replays ASHA over, in many trial orders
        StringBuilder curves = new StringBuilder("task,trial,settings,epoch,validation,test_of_run\n");
        if (runs.equals(List.of("replay"))) {
            // -Druns=replay: ASHA replayed over the recorded grid curves in many trial orders (no training)
            Path curveFile = Path.of(System.getProperty("curves", out + "-curves.csv"));
            int orders = Integer.parseInt(System.getProperty("orders", "1000"));
            // -Dasha=1:2,1:3: the ASHA settings replayed, as min_epochs:eta
            List<int[]> settings = Stream.of(System.getProperty("asha", "1:" + eta).split(","))
                    .map(m -> new int[] {Integer.parseInt(m.split(":")[0]), Integer.parseInt(m.split(":")[1])})
                    .toList();
            StringBuilder replayed = new StringBuilder();
            for (String only : System.getProperty("tasks", "fashion-border,mnist-small").split(",")) {
                Task task = tasks.stream().filter(t -> t.name().equals(only)).findFirst().orElseThrow();
                replayed.append(replay(task, curveFile, settings, maxEpochs, orders));
            }
            System.out.println(replayed);
            Files.writeString(Path.of(out + "-replay.md"), replayed.toString());
            return;
        }
        for (String only : System.getProperty("tasks", "fashion-border,mnist-small").split(",")) {
            Task task = tasks.stream().filter(t -> t.name().equals(only)).findFirst().orElseThrow();
            TrainingData data = unzip(Path.of(task.zip()), work.resolve(task.name()));
            try (LoadedModel model = TorchScriptModels.openDirectory(task.model(),
                    Path.of("src/main/resources/models", task.model()))) {
                DatasetSummary dataset = new DatasetSummary(UUID.randomUUID(), task.name(), data.classNames(),
                        Map.of(Split.TRAIN, data.train().size(), Split.VAL, data.validation().size(),
                                Split.TEST, data.test().size()));
                SweepRequest sweep = new SweepRequest(dataset.id(), task.model(), task.space(), "grid", seed, 1000,
                        maxEpochs, 1, null, null, null, null, null);
                SweepSpace space = SweepSpace.parse(task.space());

                if (runs.contains("defaults")) {
                    TrainingJobRequest defaults = new TrainingJobRequest(dataset.id(), task.model(), null, null,
                            new TrainingJobRequest.HyperparameterOptions(maxEpochs, null, null, null, null, null,
                                    null, null, null), null);
                    Run byDefault = train(model, data, TrainingJobDefaults.resolve(defaults, model.descriptor(),
                            dataset, maxEpochs), Map.of("defaults", true));
                    row(table, csv, task, "default settings", List.of(byDefault), space.gridSize() * maxEpochs);
                }

                if (runs.contains("grid")) {
                    List<Run> grid = new ArrayList<>();
                    for (Map<String, Object> point : space.grid()) {
                        grid.add(train(model, data, spec(sweep, point, model, dataset, maxEpochs), point));
                        System.err.printf(Locale.ROOT, "%s grid %d/%d%n", task.name(), grid.size(),
                                space.gridSize());
                    }
                    row(table, csv, task, "grid (every trial, " + maxEpochs + " epochs)", grid,
                            space.gridSize() * maxEpochs);
                    for (int i = 0; i < grid.size(); i++) {
                        Run r = grid.get(i);
                        for (int e = 0; e < r.curve().size(); e++) {
                            curves.append(String.format(Locale.ROOT, "%s,%d,\"%s\",%d,%.4f,%.4f%n", task.name(), i,
                                    r.point(), e + 1, r.curve().get(e), r.test()));
                        }
                    }
                    Files.writeString(Path.of(out + "-curves.csv"), curves.toString());
                }

                AshaRungs asha = new AshaRungs(minEpochs, eta, maxEpochs);
                for (String ashaSeed : runs.contains("asha") ? ashaSeeds : new String[0]) {
                    // the seed orders the trials (a sweep's seed does the same), so it decides who reaches a rung first
                    List<Run> ashaRuns = asha(model, data, sweep, space.sample(Long.parseLong(ashaSeed),
                            (int) space.gridSize()), asha, dataset, maxEpochs);
                    row(table, csv, task, "ASHA (min_epochs " + minEpochs + ", eta " + eta + ", rungs " + asha.rungs()
                            + ", seed " + ashaSeed + ")", ashaRuns, space.gridSize() * maxEpochs);
                }
            }
        }
        System.out.println(table);
        Files.createDirectories(Path.of("bench/results"));
        Files.writeString(Path.of(out + ".md"), table.toString());
        Files.writeString(Path.of(out + ".csv"), csv.toString());
    }

    /**
     * ASHA over one task's grid curves, for each {@code min_epochs:eta} setting and both orders a free worker can
     * take its job in, with one worker and with four, in {@code orders} trial orders (sweep seeds 0 to orders - 1).
     */
    private static String replay(Task task, Path file, List<int[]> settings, int maxEpochs, int orders)
            throws IOException {
        Map<String, List<Double>> validation = new LinkedHashMap<>();
        Map<String, Double> tests = new HashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (String line : lines.subList(1, lines.size())) {
            if (!line.startsWith(task.name() + ",")) {
                continue;
            }
            String point = line.substring(line.indexOf('"') + 1, line.lastIndexOf('"'));
            String[] tail = line.substring(line.lastIndexOf('"') + 2).split(",");
            validation.computeIfAbsent(point, k -> new ArrayList<>()).add(Double.parseDouble(tail[1]));
            tests.put(point, Double.parseDouble(tail[2]));
        }
        List<AshaReplay.Curve> curves = new ArrayList<>();
        validation.forEach((point, v) -> curves.add(new AshaReplay.Curve(point,
                v.stream().mapToDouble(Double::doubleValue).toArray(), tests.get(point))));
        AshaReplay.Curve gridBest = curves.stream().max((a, b) -> Double.compare(a.bestUpTo(maxEpochs),
                b.bestUpTo(maxEpochs))).orElseThrow();
        double gridValidation = gridBest.bestUpTo(maxEpochs);
        long gridEpochs = (long) curves.size() * maxEpochs;
        SweepSpace space = SweepSpace.parse(task.space());
        List<List<Integer>> trialOrders = new ArrayList<>();
        for (long seed = 0; seed < orders; seed++) {
            trialOrders.add(space.sample(seed, curves.size()).stream()
                    .map(point -> indexOf(curves, point.toString())).toList());
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "### %s (%s): %d trials of %d epochs (grid: "
                + "%d epochs, best validation %.4f, its test %.4f), %d trial orders%n%n| min_epochs | eta | rungs "
                + "| order | workers | mean share of the grid's epochs | max share | orders <= 1/3 "
                + "| best validation within 1 point of the grid's | its test within 1 point of the grid pick's "
                + "| mean test |%n|---|---|---|---|---|---|---|---|---|---|---|%n", task.name(), task.model(),
                curves.size(), maxEpochs, gridEpochs, gridValidation, gridBest.test(), orders));
        for (int[] setting : settings) {
            for (AshaRungs.Order rule : AshaRungs.Order.values()) {
                AshaRungs asha = new AshaRungs(setting[0], setting[1], maxEpochs, rule);
                for (int workers : new int[] {1, 4}) {
                    long under = 0;
                    long closeValidation = 0;
                    long closeTest = 0;
                    double shares = 0;
                    double maxShare = 0;
                    double testSum = 0;
                    for (List<Integer> order : trialOrders) {
                        AshaReplay.Outcome o = AshaReplay.replay(curves, order, asha, workers, null);
                        double share = (double) o.epochs() / gridEpochs;
                        shares += share;
                        maxShare = Math.max(maxShare, share);
                        under += share <= 1.0 / 3 + 1e-9 ? 1 : 0;
                        closeValidation += o.bestValidation() >= gridValidation - 0.01 - 1e-9 ? 1 : 0;
                        closeTest += o.test() >= gridBest.test() - 0.01 - 1e-9 ? 1 : 0;
                        testSum += Double.isNaN(o.test()) ? 0 : o.test();
                    }
                    md.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %d | %.3f | %.3f | %.3f | %.3f "
                            + "| %.3f | %.4f |%n", setting[0], setting[1], asha.rungs(),
                            rule.name().toLowerCase(Locale.ROOT), workers, shares / orders, maxShare,
                            (double) under / orders, (double) closeValidation / orders, (double) closeTest / orders,
                            testSum / orders));
                }
            }
        }
        return md.append('\n').toString();
    }

    private static int indexOf(List<AshaReplay.Curve> curves, String settings) {
        for (int i = 0; i < curves.size(); i++) {
            if (curves.get(i).settings().equals(settings)) {
                return i;
            }
        }
        throw new IllegalStateException("no grid curve for " + settings);
    }

    private static TrainingJobSpec spec(SweepRequest sweep, Map<String, Object> point, LoadedModel model,
            DatasetSummary dataset, int maxEpochs) {
        return TrainingJobDefaults.resolve(Sweeps.trialRequest(sweep, point), model.descriptor(), dataset, maxEpochs);
    }

    /** One trial trained to its last epoch. */
    private static Run train(LoadedModel model, TrainingData data, TrainingJobSpec spec, Map<String, Object> point) {
        Segment whole = new Segment(point);
        whole.train(model, data, spec, Integer.MAX_VALUE);
        return whole.run(false);
    }

    /**
     * ASHA with one worker, as {@link Sweeps} runs it: the worker asks {@link AshaRungs#nextPromotion} (empty while
     * trials are left to start), resumes that paused trial from its checkpoint to its next stop, else starts the
     * next trial of the plan (to the first rung). Trials still paused at the end are the stopped ones.
     */
    private static List<Run> asha(LoadedModel model, TrainingData data, SweepRequest sweep,
            List<Map<String, Object>> points, AshaRungs asha, DatasetSummary dataset, int maxEpochs) {
        List<Segment> trials = new ArrayList<>();
        Map<Integer, List<AshaRungs.Result<Integer>>> rungs = new HashMap<>();
        while (true) {
            Optional<AshaRungs.Promotion<Integer>> promotion = asha.nextPromotion(rungs,
                    trials.size() < points.size());
            int trial;
            int until;
            if (promotion.isPresent()) {
                trial = promotion.get().trial();
                until = promotion.get().toEpoch();
                List<AshaRungs.Result<Integer>> rung = rungs.get(promotion.get().fromEpoch());
                for (int i = 0; i < rung.size(); i++) {
                    if (rung.get(i).trial() == trial) {
                        rung.set(i, new AshaRungs.Result<>(trial, rung.get(i).accuracy(), true, false));
                    }
                }
            } else if (trials.size() < points.size()) {
                trial = trials.size();
                trials.add(new Segment(points.get(trial)));
                until = asha.nextStop(0);
            } else {
                break;
            }
            Segment s = trials.get(trial);
            s.train(model, data, spec(sweep, s.point, model, dataset, maxEpochs), until);
            int reached = s.curve.size();
            if (reached < maxEpochs) {
                rungs.computeIfAbsent(reached, e -> new ArrayList<>())
                        .add(new AshaRungs.Result<>(trial, s.curve.get(reached - 1), false, true));
            }
            System.err.printf(Locale.ROOT, "ASHA trial %d: %d epochs, validation %.4f%n", trial, reached,
                    s.curve.get(reached - 1));
        }
        return trials.stream().map(t -> t.run(t.curve.size() < maxEpochs)).toList();
    }

    /** A trial trained in segments: each resumes from the checkpoint the one before it left. */
    private static final class Segment {
        final Map<String, Object> point;
        final List<Double> curve = new ArrayList<>();
        TrainingCheckpoint checkpoint;
        TrainingOutcome outcome;

        Segment(Map<String, Object> point) {
            this.point = point;
        }

        void train(LoadedModel model, TrainingData data, TrainingJobSpec spec, int untilEpoch) {
            TrainingListener listener = new TrainingListener() {
                @Override
                public void onEpoch(EpochMetrics metrics) {
                    curve.add(metrics.validationAccuracy());
                }

                @Override
                public void onCheckpoint(TrainingCheckpoint c) {
                    checkpoint = c;
                }

                @Override
                public Control afterEpoch(int completedEpochs) {
                    return completedEpochs >= untilEpoch ? Control.FINISH : Control.CONTINUE;
                }
            };
            outcome = new PromptTrainer(model, spec.toSettings()).train(data, listener, checkpoint);
        }

        Run run(boolean stopped) {
            return new Run(point, curve, outcome.bestValidationAccuracy(), outcome.promptedTestAccuracy(), stopped);
        }
    }

    private static void row(StringBuilder table, StringBuilder csv, Task task, String name, List<Run> runs,
            long gridEpochs) {
        Run best = runs.get(0);
        long epochs = 0;
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            epochs += r.curve().size();
            if (r.bestValidation() > best.bestValidation()) {
                best = r;
            }
            csv.append(String.format(Locale.ROOT, "%s,\"%s\",%d,\"%s\",%d,%.4f,%.4f,%s%n", task.name(), name, i,
                    r.point(), r.curve().size(), r.bestValidation(), r.test(), r.stopped()));
        }
        table.append(String.format(Locale.ROOT, "| %s (%s) | %s | %d | %d | %.2f | %s | %.4f | %.4f |%n",
                task.name(), task.model(), name, runs.size(), epochs, (double) epochs / gridEpochs, best.point(),
                best.bestValidation(), best.test()));
        System.err.print(table.substring(table.lastIndexOf("| " + task.name())));
    }

    /** The archive's {@code train/ val/ test/} class folders; classes are the sorted folder names of train/. */
    private static TrainingData unzip(Path zip, Path directory) throws IOException {
        if (!Files.isDirectory(directory.resolve("train"))) {
            try (InputStream file = Files.newInputStream(zip); ZipInputStream in = new ZipInputStream(file)) {
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    Path target = directory.resolve(e.getName()).normalize();
                    if (!target.startsWith(directory) || e.isDirectory()) {
                        continue;
                    }
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        }
        List<String> classes;
        try (Stream<Path> folders = Files.list(directory.resolve("train"))) {
            classes = folders.map(p -> p.getFileName().toString()).sorted().toList();
        }
        Map<String, List<TrainingExample>> splits = new LinkedHashMap<>();
        for (String split : List.of("train", "val", "test")) {
            List<TrainingExample> examples = new ArrayList<>();
            for (int c = 0; c < classes.size(); c++) {
                try (Stream<Path> files = Files.list(directory.resolve(split).resolve(classes.get(c)))) {
                    for (Path f : files.sorted().toList()) {
                        examples.add(new TrainingExample(f, c));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            splits.put(split, examples);
        }
        return new TrainingData(classes, splits.get("train"), splits.get("val"), splits.get("test"));
    }
}
