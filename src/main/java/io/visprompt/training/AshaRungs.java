package io.visprompt.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning"), in the
 * breadth-first order a sweep of a known number of trials calls for: plain Java, no Spring. Rungs lie at
 * {@code minEpochs * eta^k} epochs, below the trial's last epoch. A trial that reaches a rung pauses there unless it
 * is the promotion chosen; a free worker starts a new trial while the sweep has any left, and only then promotes: from
 * the lowest rung up, the best paused trial among the top {@code floor(n/eta)} of the {@code n} results that rung has.
 * So no worker waits for a rung to fill (the asynchrony), yet each rung's top 1/eta is chosen from all (one worker) or
 * nearly all (in flight on the others) of its trials, and the epochs a sweep trains are those of synchronous
 * successive halving whatever the order trials arrive in. Li et al.'s Algorithm 2 promotes first, from the highest
 * rung down, which suits an endless stream of trials: on a finite sweep every new leader then goes on at once, and
 * {@code bench/sweep.sh -Druns=replay} measured it train up to 0.54 of a full grid's epochs (eta 3, 1000 trial orders)
 * where this order trains 0.22 in every order (it stays here, {@link Order#HIGHEST_RUNG_FIRST}, for that comparison).
 */
final class AshaRungs {

    /** Which job a free worker takes. */
    enum Order {
        /** New trials first, then promotions from the lowest rung up: what sweeps use. */
        BREADTH_FIRST,
        /** Li et al.'s Algorithm 2: promotions first, from the highest rung down, then new trials. */
        HIGHEST_RUNG_FIRST
    }

    private final int minEpochs;
    private final int eta;
    private final int maxEpochs;
    private final Order order;

    AshaRungs(int minEpochs, int eta, int maxEpochs) {
        this(minEpochs, eta, maxEpochs, Order.BREADTH_FIRST);
    }

    AshaRungs(int minEpochs, int eta, int maxEpochs, Order order) {
        if (minEpochs < 1 || eta < 2 || maxEpochs < 1) {
            throw new IllegalArgumentException("needs min_epochs >= 1, eta >= 2, max_epochs >= 1");
        }
        this.minEpochs = minEpochs;
        this.eta = eta;
        this.maxEpochs = maxEpochs;
        this.order = order;
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
     * What a free worker does (Algorithm 2's {@code get_job}, in this instance's {@link Order}): empty while the sweep
     * has trials left to start (breadth-first), else the first rung, from the lowest up (or the highest down), whose
     * top {@code floor(n/eta)} results (best first; ties go to the earlier arrival) hold a trial not yet promoted and
     * promotable gives that trial. Empty: no promotion, so start a new trial if any is left.
     *
     * @param byRung each rung's results in order of arrival, keyed by the rung's epoch
     * @param trialsLeftToStart whether the sweep has trials it has not started yet
     */
    <K> Optional<Promotion<K>> nextPromotion(Map<Integer, List<Result<K>>> byRung, boolean trialsLeftToStart) {
        if (order == Order.BREADTH_FIRST && trialsLeftToStart) {
            return Optional.empty();
        }
        List<Integer> rungs = new ArrayList<>(rungs());
        if (order == Order.HIGHEST_RUNG_FIRST) {
            rungs.sort(Comparator.reverseOrder());
        }
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
        return "ASHA(eta=" + eta + ", rungs=" + Arrays.toString(rungs().toArray()) + ", max=" + maxEpochs
                + (order == Order.BREADTH_FIRST ? "" : ", " + order) + ")";
    }
}
