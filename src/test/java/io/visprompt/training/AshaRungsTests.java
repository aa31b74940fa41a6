package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.IntToDoubleFunction;

import org.junit.jupiter.api.Test;

/** ASHA's decisions on synthetic accuracies and learning curves: no training, no database. */
class AshaRungsTests {

    @Test
    void rungsLieAtMinEpochsTimesPowersOfEtaBelowTheLastEpoch() {
        assertThat(new AshaRungs(1, 3, 27).rungs()).containsExactly(1, 3, 9);
        assertThat(new AshaRungs(2, 2, 16).rungs()).containsExactly(2, 4, 8);
        assertThat(new AshaRungs(1, 3, 3).rungs()).containsExactly(1);
        assertThat(new AshaRungs(1, 3, 10).isRung(9)).isTrue();
        assertThat(new AshaRungs(1, 3, 10).isRung(10)).as("the last epoch is no rung").isFalse();
    }

    @Test
    void aTrialGoesOnOnlyInTheTopThirdOfThoseRecordedBeforeIt() {
        AshaRungs asha = new AshaRungs(1, 3, 9);
        double[] arrivals = {0.9, 0.5, 0.7, 0.8};
        List<Boolean> decisions = decide(asha, arrivals);
        // 0.9 first: nothing to compare with; 0.5 < 0.9; 0.7 < 0.7667 (2/3 quantile of 0.5, 0.9);
        // 0.8 >= 0.7667 (2/3 quantile of 0.5, 0.7, 0.9)
        assertThat(decisions).containsExactly(true, false, false, true);
        assertThat(asha.cutoff(List.of(0.9, 0.5))).isCloseTo(0.5 + 2.0 / 3 * 0.4, within(1e-12));
        assertThat(asha.cutoff(List.of(0.9, 0.5, 0.7))).isCloseTo(0.7 + 1.0 / 3 * 0.2, within(1e-12));
        assertThat(asha.promotes(0.7667, List.of(0.9, 0.5, 0.7))).as("a tie with the cutoff goes on").isTrue();
    }

    @Test
    void inEveryArrivalOrderTheDecisionsAreTheDefinitions() {
        AshaRungs asha = new AshaRungs(1, 3, 9);
        double[] accuracies = {0.61, 0.42, 0.77, 0.55, 0.70, 0.33};
        List<int[]> orders = permutations(accuracies.length);
        assertThat(orders).hasSize(720);
        for (int[] order : orders) {
            double[] arrivals = new double[order.length];
            for (int i = 0; i < order.length; i++) {
                arrivals[i] = accuracies[order[i]];
            }
            List<Boolean> decisions = decide(asha, arrivals);
            for (int i = 0; i < arrivals.length; i++) {
                double max = Double.NEGATIVE_INFINITY;
                double min = Double.POSITIVE_INFINITY;
                List<Double> earlier = new ArrayList<>();
                for (int j = 0; j < i; j++) {
                    max = Math.max(max, arrivals[j]);
                    min = Math.min(min, arrivals[j]);
                    earlier.add(arrivals[j]);
                }
                if (i == 0 || arrivals[i] >= max) {
                    assertThat(decisions.get(i)).as("first or best so far goes on").isTrue();
                } else if (arrivals[i] < min) {
                    assertThat(decisions.get(i)).as("worst so far stops").isFalse();
                } else {
                    // in the top 1/eta: at least 2/3 of the earlier values interpolate below it
                    Collections.sort(earlier);
                    double position = (1 - 1.0 / 3) * (earlier.size() - 1);
                    int k = (int) position;
                    double cutoff = earlier.get(k) + (position - k)
                            * (earlier.get(Math.min(k + 1, earlier.size() - 1)) - earlier.get(k));
                    assertThat(decisions.get(i)).isEqualTo(arrivals[i] >= cutoff);
                }
            }
            int best = 2; // 0.77
            int bestArrival = indexOf(order, best);
            assertThat(decisions.get(bestArrival)).as("the best trial is never stopped").isTrue();
        }
        assertThat(decide(asha, new double[] {0.1, 0.2, 0.3, 0.4})).as("each better than all before")
                .containsOnly(true);
        assertThat(decide(asha, new double[] {0.4, 0.3, 0.2, 0.1})).as("each worse than all before")
                .containsExactly(true, false, false, false);
    }

    /**
     * Whole sweeps on synthetic learning curves that do not cross (a trial better at one epoch is better at every
     * epoch): whatever the workers' speeds (hence the order trials reach rungs), the best trial trains every epoch,
     * no trial trains past the budget, and ASHA uses far fewer epochs than the full grid.
     */
    @Test
    void onCurvesThatDoNotCrossTheBestTrialAlwaysRunsToTheEndWithinTheBudget() {
        int trials = 27;
        int maxEpochs = 9;
        AshaRungs asha = new AshaRungs(1, 3, maxEpochs);
        Random random = new Random(7);
        double fractions = 0;
        for (int run = 0; run < 200; run++) {
            double[] quality = random.doubles(trials, 0.2, 0.9).toArray();
            int bestTrial = 0;
            for (int t = 1; t < trials; t++) {
                bestTrial = quality[t] > quality[bestTrial] ? t : bestTrial;
            }
            IntToDoubleFunction[] curves = new IntToDoubleFunction[trials];
            for (int t = 0; t < trials; t++) {
                double q = quality[t];
                curves[t] = epoch -> q * (1 - Math.exp(-0.5 * epoch));
            }
            int[] used = simulate(asha, curves, 1 + random.nextInt(4), random.nextLong());
            assertThat(used[bestTrial]).as("run %d: the best trial trains to the end", run).isEqualTo(maxEpochs);
            int total = 0;
            for (int e : used) {
                assertThat(e).isBetween(1, maxEpochs);
                total += e;
            }
            assertThat(total).as("ASHA's epochs against the full grid's " + trials * maxEpochs)
                    .isLessThan(trials * maxEpochs * 3 / 4);
            fractions += (double) total / (trials * maxEpochs);
        }
        // asynchronous ASHA judges early arrivals against few others, so single runs vary (0.18 to 0.65 of the grid
        // in 2,000 simulated sweeps); on average it trains about a third of the grid's epochs
        assertThat(fractions / 200).isBetween(0.25, 0.45);
    }

    /** Decisions for accuracies arriving at one rung in this order. */
    private static List<Boolean> decide(AshaRungs asha, double[] arrivals) {
        List<Double> recorded = new ArrayList<>();
        List<Boolean> decisions = new ArrayList<>();
        for (double a : arrivals) {
            decisions.add(asha.promotes(a, List.copyOf(recorded)));
            recorded.add(a);
        }
        return decisions;
    }

    /**
     * An asynchronous sweep: {@code workers} run trials in order, each trial epoch taking a random time; at every
     * rung the trial is judged against the accuracies recorded there before it, as {@code Sweeps.reviewEpoch} does.
     * Returns the epochs each trial trained.
     */
    private static int[] simulate(AshaRungs asha, IntToDoubleFunction[] curves, int workers, long seed) {
        Random random = new Random(seed);
        record Running(double at, int trial, int epoch) {
        }
        PriorityQueue<Running> events = new PriorityQueue<>((a, b) -> Double.compare(a.at, b.at));
        Map<Integer, List<Double>> rungs = new HashMap<>();
        int[] used = new int[curves.length];
        int next = 0;
        for (; next < Math.min(workers, curves.length); next++) {
            events.add(new Running(random.nextDouble(), next, 1));
        }
        while (!events.isEmpty()) {
            Running r = events.poll();
            used[r.trial] = r.epoch;
            double accuracy = curves[r.trial].applyAsDouble(r.epoch);
            boolean goesOn = r.epoch < asha.maxEpochs();
            if (goesOn && asha.isRung(r.epoch)) {
                List<Double> recorded = rungs.computeIfAbsent(r.epoch, e -> new ArrayList<>());
                goesOn = asha.promotes(accuracy, List.copyOf(recorded));
                recorded.add(accuracy);
            }
            if (goesOn) {
                events.add(new Running(r.at + random.nextDouble(), r.trial, r.epoch + 1));
            } else if (next < curves.length) {
                events.add(new Running(r.at + random.nextDouble(), next++, 1));
            }
        }
        return used;
    }

    private static List<int[]> permutations(int n) {
        List<int[]> out = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permute(int[] current, boolean[] used, int depth, List<int[]> out) {
        if (depth == current.length) {
            out.add(current.clone());
            return;
        }
        for (int i = 0; i < current.length; i++) {
            if (!used[i]) {
                used[i] = true;
                current[depth] = i;
                permute(current, used, depth + 1, out);
                used[i] = false;
            }
        }
    }

    private static int indexOf(int[] order, int value) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException();
    }
}
