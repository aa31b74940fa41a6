package io.visprompt.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Asynchronous successive halving (Li et al. 2020, as Ray Tune's {@code ASHAScheduler} implements it); plain Java,
 * no Spring. Rungs lie at {@code minEpochs * eta^k} epochs, below the trial's last epoch. When a trial reaches a
 * rung, it goes on only if its validation accuracy is at least the {@code (1 - 1/eta)} quantile (linear
 * interpolation) of the accuracies recorded at that rung before it, i.e. it is in the top {@code 1/eta} so far; the
 * first trial at a rung always goes on. The decision needs no other trial to finish (asynchronous): a trial is
 * judged against whoever arrived first.
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

    /**
     * @param accuracy the arriving trial's validation accuracy at the rung
     * @param earlier  the accuracies recorded at the same rung before it (any order)
     * @return true when the trial goes on to the next rung, false when it stops here
     */
    boolean promotes(double accuracy, List<Double> earlier) {
        if (earlier.isEmpty()) {
            return true;
        }
        return !(accuracy < cutoff(earlier));
    }

    /** The {@code (1 - 1/eta)} quantile of {@code values}, interpolated linearly (numpy's default percentile). */
    double cutoff(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double position = (1.0 - 1.0 / eta) * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    /** Epochs a trial of this sweep may run at most: the budget per trial. */
    int maxEpochs() {
        return maxEpochs;
    }

    @Override
    public String toString() {
        return "ASHA(eta=" + eta + ", rungs=" + Arrays.toString(rungs().toArray()) + ", max=" + maxEpochs + ")";
    }
}
