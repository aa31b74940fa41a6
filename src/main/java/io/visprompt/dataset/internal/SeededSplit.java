package io.visprompt.dataset.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.visprompt.dataset.Split;

/**
 * Divides one class's images into train, val and test. The same images, fractions and seed always give the same
 * division (java.util.Random and Collections.shuffle are specified exactly), and the class name is mixed into the
 * seed so classes are not shuffled in lockstep. Every non-empty class keeps at least one training image.
 */
public record SeededSplit(double valFraction, double testFraction, long seed) {

    public SeededSplit {
        if (!(valFraction >= 0 && testFraction >= 0 && valFraction + testFraction < 1)) {
            throw new IllegalArgumentException("fractions must be >= 0 and sum to less than 1");
        }
    }

    /**
     * @param items the class's images in a deterministic order (for example sorted by archive path)
     * @return the items of each split, each list in the input order
     */
    public <T> Map<Split, List<T>> divide(String className, List<T> items) {
        int n = items.size();
        int test = (int) Math.round(n * testFraction);
        int val = (int) Math.round(n * valFraction);
        while (n > 0 && val + test > n - 1) {
            if (test >= val && test > 0) {
                test--;
            } else {
                val--;
            }
        }
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed ^ (className.hashCode() * 0x9E3779B97F4A7C15L)));
        Split[] assigned = new Split[n];
        for (int i = 0; i < n; i++) {
            assigned[order.get(i)] = i < test ? Split.TEST : i < test + val ? Split.VAL : Split.TRAIN;
        }
        Map<Split, List<T>> result = new EnumMap<>(Split.class);
        for (Split split : Split.values()) {
            result.put(split, new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            result.get(assigned[i]).add(items.get(i));
        }
        return result;
    }
}
