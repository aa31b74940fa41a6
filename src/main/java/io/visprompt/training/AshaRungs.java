package io.visprompt.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Asynchronous successive halving as Li et al. (2020, "A System for Massively Parallel Hyperparameter Tuning",
 * Algorithm 2) define it: plain Java, no Spring. Rungs lie at {@code minEpochs * eta^k} epochs, below the trial's
 * last epoch. A trial that reaches a rung is paused there; a worker that becomes free first promotes a trial (from
 * the highest rung down, the best paused trial among the top {@code floor(n/eta)} of the {@code n} results that rung
 * has so far) to train on to the next rung, and only when none qualifies starts a new trial. So the first
 * {@code eta - 1} arrivals at a rung never go on at once ({@code floor(n/eta) = 0}): they wait until enough results
 * show that they are in the top {@code 1/eta}. Once every trial has started and no paused trial qualifies, the
 * paused ones stay stopped.
 */
final class AshaRungs {

    private final int minEpochs;
    private final int eta;
    private final int maxEpochs;

    AshaRungs(int minEpochs, int eta, int maxEpochs) {
        if (minEpochs < 1 || eta < 2 || maxEpochs < 1) {
            throw new IllegalArgumentException("needs min_epochs >= 1, eta >= 2, max_epochs >= 1");
        }
        this.minEpochs = minEpochs;
        this.eta = eta;
        this.maxEpochs = maxEpochs;
    }

    /**
     * One trial's result at a rung, in the rung's order of arrival.
     *
     * @param promoted  whether it was already promoted from this rung
     * @param promotable whether it may be promoted now (it is paused, not running or ended otherwise)
     */
    record Result<K>(K trial, double accuracy, boolean promoted, boolean promotable) {
    }

    /** A promotion: {@code trial} trains on from {@code fromEpoch} to {@code toEpoch}. */
    record Promotion<K>(K trial, int fromEpoch, int toEpoch) {
    }

    /** The epochs at which trials are judged: {@code r, r*eta, r*eta^2, ...} below {@code maxEpochs}. */
    List<Integer> rungs() {
        List<Integer> rungs = new ArrayList<>();
        for (long epoch = minEpochs; epoch < maxEpochs; epoch *= eta) {
            rungs.add((int) epoch);
        }
        return rungs;
    }

    boolean isRung(int epoch) {
        return rungs().contains(epoch);
    }

    /** Where a trial promoted from the rung at {@code epoch} pauses next: the next rung, or its last epoch. */
    int nextStop(int epoch) {
        return rungs().stream().filter(r -> r > epoch).findFirst().orElse(maxEpochs);
    }

    /** How many of a rung's {@code n} results are its top {@code 1/eta}: {@code floor(n / eta)}. */
    int topCount(int n) {
        return n / eta;
    }

    /**
     * What a free worker does (Algorithm 2's {@code get_job}): from the highest rung down, the first rung whose top
     * {@code floor(n/eta)} results (best first; ties go to the earlier arrival) hold a trial not yet promoted and
     * promotable gives that trial. Empty: no promotion, so start a new trial if any is left.
     *
     * @param byRung each rung's results in order of arrival, keyed by the rung's epoch
     */
    <K> Optional<Promotion<K>> nextPromotion(Map<Integer, List<Result<K>>> byRung) {
        List<Integer> rungs = new ArrayList<>(rungs());
        rungs.sort(Comparator.reverseOrder());
        for (int rung : rungs) {
            List<Result<K>> results = byRung.getOrDefault(rung, List.of());
            for (Result<K> r : top(results)) {
                if (!r.promoted() && r.promotable()) {
                    return Optional.of(new Promotion<>(r.trial(), rung, nextStop(rung)));
                }
            }
        }
        return Optional.empty();
    }

    /** The rung's top {@code floor(n/eta)} results, best first; a stable sort keeps the earlier arrival first. */
    <K> List<Result<K>> top(List<Result<K>> results) {
        List<Result<K>> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingDouble((Result<K> r) -> r.accuracy()).reversed());
        return sorted.subList(0, topCount(results.size()));
    }

    /** Epochs a trial of this sweep may run at most: the budget per trial. */
    int maxEpochs() {
        return maxEpochs;
    }

    int eta() {
        return eta;
    }

    @Override
    public String toString() {
        return "ASHA(eta=" + eta + ", rungs=" + Arrays.toString(rungs().toArray()) + ", max=" + maxEpochs + ")";
    }
}
