package io.visprompt.training;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Not a test: ASHA replayed over recorded validation curves (every grid trial trained to its last epoch by
 * {@link SweepBench}), so its decisions can be judged in a thousand trial orders without training again. It asks the
 * service's {@link AshaRungs} what to do exactly where {@link Sweeps} does: a trial that reaches a rung goes on only if
 * it is the promotion chosen ({@code reviewEpoch}), and a free worker promotes or starts a trial ({@code advance}).
 * Each worker trains one epoch per time unit; a resumed trial is assumed to follow the curve it had in the grid (the
 * bench's real ASHA runs check that on five orders).
 */
final class AshaReplay {

    /** One grid trial's validation accuracy after each epoch, and the test accuracy its full run reached. */
    record Curve(String settings, double[] validation, double test) {

        double bestUpTo(int epochs) {
            double best = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < epochs; e++) {
                best = Math.max(best, validation[e]);
            }
            return best;
        }
    }

    /**
     * What one replayed sweep used and found: the trial with the best validation accuracy, and its test accuracy
     * when it ran to the last epoch (NaN when it was stopped earlier: the grid knows only full runs' test accuracy).
     */
    record Outcome(long epochs, int[] reached, int best, double bestValidation, double test) {
    }

    private record Segment(int trial, int until, double endsAt, long order) {
    }

    private AshaReplay() {
    }

    /**
     * Replays a sweep whose trials start in {@code order} (indices into {@code curves}) on {@code workers}, each
     * epoch taking one time unit, or a random time in [0, 1) when {@code durations} is given.
     */
    static Outcome replay(List<Curve> curves, List<Integer> order, AshaRungs asha, int workers, Random durations) {
        int max = asha.maxEpochs();
        int[] reached = new int[curves.size()];
        Map<Integer, List<AshaRungs.Result<Integer>>> rungs = new HashMap<>();
        boolean[] paused = new boolean[curves.size()];
        PriorityQueue<Segment> running = new PriorityQueue<>((a, b) -> a.endsAt() != b.endsAt()
                ? Double.compare(a.endsAt(), b.endsAt()) : Long.compare(a.order(), b.order()));
        int started = 0;
        double now = 0;
        long sequence = 0;
        long epochs = 0;
        while (true) {
            // advance: fill every free worker with the job ASHA chooses, else the next new trial
            while (running.size() < workers) {
                Optional<AshaRungs.Promotion<Integer>> p = asha.nextPromotion(view(rungs, paused, -1),
                        started < order.size());
                if (p.isPresent()) {
                    int t = p.get().trial();
                    markPromoted(rungs, p.get());
                    paused[t] = false;
                    running.add(new Segment(t, p.get().toEpoch(),
                            now + time(p.get().toEpoch() - reached[t], durations), sequence++));
                } else if (started < order.size()) {
                    int t = order.get(started++);
                    int until = asha.nextStop(0);
                    running.add(new Segment(t, until, now + time(until, durations), sequence++));
                } else {
                    break;
                }
            }
            if (running.isEmpty()) {
                break;
            }
            Segment s = running.poll();
            epochs += s.until() - reached[s.trial()];
            now = s.endsAt();
            reached[s.trial()] = s.until();
            if (s.until() < max) {
                // reviewEpoch: record the epoch's validation accuracy, go on only if this trial is the promotion chosen
                rungs.computeIfAbsent(s.until(), e -> new ArrayList<>()).add(new AshaRungs.Result<>(s.trial(),
                        curves.get(s.trial()).validation()[s.until() - 1], false, true));
                Optional<AshaRungs.Promotion<Integer>> p = asha.nextPromotion(view(rungs, paused, s.trial()),
                        started < order.size());
                if (p.isPresent() && p.get().trial() == s.trial()) {
                    markPromoted(rungs, p.get());
                    running.add(new Segment(s.trial(), p.get().toEpoch(),
                            now + time(p.get().toEpoch() - s.until(), durations), sequence++));
                } else {
                    paused[s.trial()] = true;
                }
            }
        }
        int best = -1;
        double bestValidation = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < curves.size(); t++) {
            if (reached[t] > 0 && curves.get(t).bestUpTo(reached[t]) > bestValidation) {
                bestValidation = curves.get(t).bestUpTo(reached[t]);
                best = t;
            }
        }
        return new Outcome(epochs, reached, best, bestValidation,
                reached[best] == max ? curves.get(best).test() : Double.NaN);
    }

    private static double time(int epochs, Random durations) {
        return durations == null ? epochs : epochs * durations.nextDouble();
    }

    /** The rungs as {@link Sweeps#rungResults} gives them: promotable when paused, or the trial under review. */
    private static Map<Integer, List<AshaRungs.Result<Integer>>> view(Map<Integer, List<AshaRungs.Result<Integer>>> rungs,
            boolean[] paused, int reviewing) {
        Map<Integer, List<AshaRungs.Result<Integer>>> view = new HashMap<>();
        rungs.forEach((epoch, results) -> view.put(epoch, results.stream().map(r -> new AshaRungs.Result<>(r.trial(),
                r.accuracy(), r.promoted(), paused[r.trial()] || r.trial() == reviewing)).toList()));
        return view;
    }

    private static void markPromoted(Map<Integer, List<AshaRungs.Result<Integer>>> rungs,
            AshaRungs.Promotion<Integer> p) {
        List<AshaRungs.Result<Integer>> rung = rungs.get(p.fromEpoch());
        for (int i = 0; i < rung.size(); i++) {
            AshaRungs.Result<Integer> r = rung.get(i);
            if (r.trial() == p.trial()) {
                rung.set(i, new AshaRungs.Result<>(r.trial(), r.accuracy(), true, r.promotable()));
            }
        }
    }
}
