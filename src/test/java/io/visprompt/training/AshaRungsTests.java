package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

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
    void theFirstArrivalsAtARungWaitUntilEnoughResultsShowTheyAreInTheTopThird() {
        AshaRungs asha = new AshaRungs(1, 3, 9);
        Map<Integer, List<AshaRungs.Result<String>>> rungs = new HashMap<>();
        // greedy ASHA let the first arrival go on at once (nothing to compare it with): here it pauses
        arrive(rungs, 1, "a", 0.9);
        assertThat(asha.nextPromotion(rungs, false)).as("1 result: floor(1/3) = 0 may go on").isEmpty();
        arrive(rungs, 1, "b", 0.5);
        assertThat(asha.nextPromotion(rungs, false)).as("2 results: still none").isEmpty();
        arrive(rungs, 1, "c", 0.7);
        // 3 results: the top 1 is a, paused since it arrived: the worker free after c promotes a, not c
        assertThat(asha.nextPromotion(rungs, false)).contains(new AshaRungs.Promotion<>("a", 1, 3));
        promote(rungs, 1, "a");
        assertThat(asha.nextPromotion(rungs, false)).isEmpty();
        arrive(rungs, 1, "d", 0.8);
        arrive(rungs, 1, "e", 0.6);
        assertThat(asha.nextPromotion(rungs, false)).as("5 results: top 1 is a, already promoted").isEmpty();
        arrive(rungs, 1, "f", 0.4);
        assertThat(asha.nextPromotion(rungs, false)).as("6 results: top 2 are a and d").contains(
                new AshaRungs.Promotion<>("d", 1, 3));
        promote(rungs, 1, "d");
        // epoch 3 gets results: with 3 there its best may go on to the last epoch
        arrive(rungs, 3, "a", 0.91);
        arrive(rungs, 3, "d", 0.93);
        arrive(rungs, 1, "g", 0.95);
        arrive(rungs, 1, "h", 0.1);
        arrive(rungs, 1, "i", 0.2);
        assertThat(asha.nextPromotion(rungs, false)).as("9 at epoch 1, g in the top 3, but only 2 at epoch 3")
                .contains(new AshaRungs.Promotion<>("g", 1, 3));
        promote(rungs, 1, "g");
        arrive(rungs, 3, "g", 0.92);
        assertThat(asha.nextPromotion(rungs, false)).as("epoch 1's top 3 have gone on: epoch 3's top 1 of 3")
                .contains(new AshaRungs.Promotion<>("d", 3, 9));
        assertThat(asha.top(rungs.get(1))).extracting(AshaRungs.Result::trial).containsExactly("g", "a", "d");
    }

    @Test
    void whileTheSweepHasTrialsLeftToStartAFreeWorkerStartsOneInsteadOfPromoting() {
        AshaRungs asha = new AshaRungs(1, 3, 9);
        Map<Integer, List<AshaRungs.Result<String>>> rungs = new HashMap<>();
        arrive(rungs, 1, "a", 0.9);
        arrive(rungs, 1, "b", 0.5);
        arrive(rungs, 1, "c", 0.7);
        assertThat(asha.nextPromotion(rungs, true)).as("a is the top 1 of 3, but trials are left").isEmpty();
        assertThat(asha.nextPromotion(rungs, false)).contains(new AshaRungs.Promotion<>("a", 1, 3));
        assertThat(new AshaRungs(1, 3, 9, AshaRungs.Order.HIGHEST_RUNG_FIRST).nextPromotion(rungs, true))
                .as("Li et al.'s order promotes first").contains(new AshaRungs.Promotion<>("a", 1, 3));
    }

    @Test
    void breadthFirstPromotesFromTheLowestRungAndLiEtAlFromTheHighest() {
        Map<Integer, List<AshaRungs.Result<String>>> rungs = new HashMap<>();
        for (String t : List.of("a", "b", "c", "d", "e", "f")) {
            arrive(rungs, 1, t, t.equals("a") || t.equals("b") ? 0.9 : 0.1);
        }
        promote(rungs, 1, "a");
        arrive(rungs, 3, "a", 0.8);
        arrive(rungs, 3, "x", 0.5);
        arrive(rungs, 3, "y", 0.4);
        assertThat(new AshaRungs(1, 3, 9).nextPromotion(rungs, false))
                .contains(new AshaRungs.Promotion<>("b", 1, 3));
        assertThat(new AshaRungs(1, 3, 9, AshaRungs.Order.HIGHEST_RUNG_FIRST).nextPromotion(rungs, false))
                .contains(new AshaRungs.Promotion<>("a", 3, 9));
    }

    @Test
    void aTrialThatIsNotPausedIsNotPromotedButStillCountsAtItsRung() {
        AshaRungs asha = new AshaRungs(1, 3, 9);
        Map<Integer, List<AshaRungs.Result<String>>> rungs = new HashMap<>();
        rungs.computeIfAbsent(1, e -> new ArrayList<>()).add(new AshaRungs.Result<>("running", 0.9, false, false));
        arrive(rungs, 1, "b", 0.5);
        arrive(rungs, 1, "c", 0.7);
        assertThat(asha.nextPromotion(rungs, false)).as("its top 1 is not paused (a user resumed it)").isEmpty();
    }

    /**
     * One rung, every order of arrival of six results, one worker: after each arrival the free worker promotes at
     * most one trial, exactly the best paused one of the top floor(n/3) so far; after the last arrival the workers
     * go on promoting until none qualifies. The trials promoted then always include the final top floor(6/3).
     */
    @Test
    void inEveryArrivalOrderEachPromotionIsTheBestPausedTrialOfTheTopThirdSoFar() {
        AshaRungs asha = new AshaRungs(1, 3, 9);
        double[] accuracies = {0.61, 0.42, 0.77, 0.55, 0.70, 0.33};
        List<int[]> orders = permutations(accuracies.length);
        assertThat(orders).hasSize(720);
        int mostPromoted = 0;
        for (int[] order : orders) {
            Map<Integer, List<AshaRungs.Result<Integer>>> rungs = new HashMap<>();
            List<Integer> promoted = new ArrayList<>();
            for (int i = 0; i < order.length; i++) {
                arrive(rungs, 1, order[i], accuracies[order[i]]);
                Optional<AshaRungs.Promotion<Integer>> p = asha.nextPromotion(rungs, false);
                // the definition, computed here from scratch: rank every arrival so far, best first
                List<Integer> arrived = new ArrayList<>();
                for (int j = 0; j <= i; j++) {
                    arrived.add(order[j]);
                }
                arrived.sort((x, y) -> Double.compare(accuracies[y], accuracies[x]));
                Optional<Integer> expected = arrived.subList(0, (i + 1) / 3).stream()
                        .filter(t -> !promoted.contains(t)).findFirst();
                assertThat(p.map(AshaRungs.Promotion::trial)).isEqualTo(expected);
                p.ifPresent(x -> {
                    promote(rungs, 1, x.trial());
                    promoted.add(x.trial());
                });
            }
            for (Optional<AshaRungs.Promotion<Integer>> p = asha.nextPromotion(rungs, false); p.isPresent();
                    p = asha.nextPromotion(rungs, false)) {
                promote(rungs, 1, p.get().trial());
                promoted.add(p.get().trial());
            }
            assertThat(promoted).as("the best two of six always go on").contains(2, 4);
            mostPromoted = Math.max(mostPromoted, promoted.size());
        }
        // leaders that later fall out of the top third have gone on already (e.g. arrivals 0.42, 0.33, 0.55, 0.61,
        // 0.77, 0.70 promote 0.55, 0.61, 0.77, 0.70): at most one promotion per arrival from the third on
        assertThat(mostPromoted).isEqualTo(4);
    }

    /**
     * Whole sweeps on synthetic learning curves that do not cross (a trial better at one epoch is better at every
     * epoch): whatever the workers' number and speeds (hence the order trials reach rungs), the best trial trains
     * every epoch, and the sweep trains exactly successive halving's epochs (27 trials, eta 3, rungs 1 and 3 of 9:
     * 27 x 1 + 9 x 2 + 3 x 6 = 63 of 243). With more workers a promotion may be taken while the last first-rung
     * results are still in flight; in these 150 sweeps (2 to 4 workers, random speeds) none turned out wrong.
     */
    @Test
    void onCurvesThatDoNotCrossTheBestTrialAlwaysRunsToTheEndWithinTheBudget() {
        int trials = 27;
        int maxEpochs = 9;
        AshaRungs asha = new AshaRungs(1, 3, maxEpochs);
        Random random = new Random(7);
        for (int run = 0; run < 200; run++) {
            double[] quality = random.doubles(trials, 0.2, 0.9).toArray();
            int bestTrial = 0;
            List<AshaReplay.Curve> curves = new ArrayList<>();
            for (int t = 0; t < trials; t++) {
                bestTrial = quality[t] > quality[bestTrial] ? t : bestTrial;
                double[] validation = new double[maxEpochs];
                for (int e = 0; e < maxEpochs; e++) {
                    validation[e] = quality[t] * (1 - Math.exp(-0.5 * (e + 1)));
                }
                curves.add(new AshaReplay.Curve("t" + t, validation, quality[t]));
            }
            int workers = 1 + run % 4;
            AshaReplay.Outcome o = AshaReplay.replay(curves, shuffled(trials, random), asha, workers, random);
            assertThat(o.reached()[bestTrial]).as("run %d: the best trial trains to the end", run)
                    .isEqualTo(maxEpochs);
            assertThat(java.util.Arrays.stream(o.reached()).boxed().toList()).allSatisfy(e -> assertThat(e)
                    .isIn(1, 3, maxEpochs));
            assertThat(o.epochs()).as("run %d, %d worker(s)", run, workers).isEqualTo(63);
        }
    }

    /**
     * Noisy curves that cross, 16 trials, 500 orders of arrival, one worker: breadth-first ASHA trains successive
     * halving's 16 x 1 + 5 x 2 + 1 x 6 = 32 epochs in every order, as the top third of each rung goes on and no more.
     * Li et al.'s order on the same sweeps lets every new leader go on at once and trains more in some orders.
     */
    @Test
    void withOneWorkerTheEpochsTrainedAreSuccessiveHalvingsInEveryOrder() {
        Random random = new Random(11);
        long liMost = 0;
        for (int run = 0; run < 500; run++) {
            List<AshaReplay.Curve> curves = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                double q = random.nextDouble();
                double[] validation = new double[9];
                for (int e = 0; e < 9; e++) {
                    validation[e] = q * (e + 1) / 9 + 0.3 * random.nextDouble();
                }
                curves.add(new AshaReplay.Curve("t" + t, validation, q));
            }
            List<Integer> order = shuffled(16, random);
            AshaReplay.Outcome o = AshaReplay.replay(curves, order, new AshaRungs(1, 3, 9), 1, null);
            assertThat(o.epochs()).as("run %d", run).isEqualTo(32);
            assertThat(java.util.Arrays.stream(o.reached()).filter(e -> e >= 3).count()).isEqualTo(5);
            assertThat(java.util.Arrays.stream(o.reached()).filter(e -> e == 9).count()).isEqualTo(1);
            liMost = Math.max(liMost, AshaReplay.replay(curves, order,
                    new AshaRungs(1, 3, 9, AshaRungs.Order.HIGHEST_RUNG_FIRST), 1, null).epochs());
        }
        assertThat(liMost).isGreaterThan(32);
    }

    private static List<Integer> shuffled(int n, Random random) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, random);
        return order;
    }

    private static <K> void arrive(Map<Integer, List<AshaRungs.Result<K>>> rungs, int epoch, K trial, double accuracy) {
        rungs.computeIfAbsent(epoch, e -> new ArrayList<>()).add(new AshaRungs.Result<>(trial, accuracy, false, true));
    }

    private static <K> void promote(Map<Integer, List<AshaRungs.Result<K>>> rungs, int epoch, K trial) {
        List<AshaRungs.Result<K>> rung = rungs.get(epoch);
        for (int i = 0; i < rung.size(); i++) {
            if (rung.get(i).trial().equals(trial)) {
                rung.set(i, new AshaRungs.Result<>(trial, rung.get(i).accuracy(), true, false));
            }
        }
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
}
