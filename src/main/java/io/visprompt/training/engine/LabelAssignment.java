package io.visprompt.training.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Greedy one-to-one assignment of source classes to target classes from co-occurrence counts (ILM-VP): take the
 * largest remaining count, pair its source and target, remove both, repeat until every target has a source. Ties go
 * to the lowest source, then the lowest target (the order of {@code argmax} over the flattened count matrix).
 */
final class LabelAssignment {

    private LabelAssignment() {
    }

    static void requireEnoughSources(int sourceClasses, int targetClasses) {
        if (sourceClasses < targetClasses) {
            throw new IllegalArgumentException("The model has " + sourceClasses + " source classes but the task has "
                    + targetClasses + " classes; label mapping needs at least as many source classes as task classes");
        }
    }

    /**
     * @param counts {@code counts[source][target]}: how often the model's top source class was {@code source} for
     *               an example labelled {@code target}
     * @return target class -> source class
     */
    static int[] greedyOneToOne(long[][] counts) {
        int sources = counts.length;
        int targets = sources == 0 ? 0 : counts[0].length;
        requireEnoughSources(sources, targets);
        boolean[] sourceTaken = new boolean[sources];
        int[] mapping = new int[targets];
        Arrays.fill(mapping, -1);
        for (int assigned = 0; assigned < targets; assigned++) {
            int bestSource = -1;
            int bestTarget = -1;
            long bestCount = -1;
            for (int s = 0; s < sources; s++) {
                if (sourceTaken[s]) {
                    continue;
                }
                for (int t = 0; t < targets; t++) {
                    if (mapping[t] < 0 && counts[s][t] > bestCount) {
                        bestCount = counts[s][t];
                        bestSource = s;
                        bestTarget = t;
                    }
                }
            }
            mapping[bestTarget] = bestSource;
            sourceTaken[bestSource] = true;
        }
        return mapping;
    }

    /** Target class -> the source label with the same {@linkplain #nameKey name}; every target must match one. */
    static int[] byName(List<String> sourceLabels, List<String> targetNames) {
        if (sourceLabels.isEmpty()) {
            throw new IllegalArgumentException("The model publishes no class labels to match task classes by name");
        }
        Map<String, Integer> sourceByKey = new HashMap<>();
        for (int s = sourceLabels.size() - 1; s >= 0; s--) {
            sourceByKey.put(nameKey(sourceLabels.get(s)), s);
        }
        int[] mapping = new int[targetNames.size()];
        Set<Integer> used = new HashSet<>();
        for (int t = 0; t < mapping.length; t++) {
            Integer source = sourceByKey.get(nameKey(targetNames.get(t)));
            if (source == null) {
                throw new IllegalArgumentException("Class \"" + targetNames.get(t) + "\" matches none of the model's "
                        + "labels " + sourceLabels);
            }
            if (!used.add(source)) {
                throw new IllegalArgumentException("Two classes match the model's label \"" + sourceLabels.get(source)
                        + "\"");
            }
            mapping[t] = source;
        }
        return mapping;
    }

    /** Lower case with every run of characters other than letters and digits as one space. */
    static String nameKey(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").trim();
    }

    static int[] identity(int sourceClasses, int targetClasses) {
        requireEnoughSources(sourceClasses, targetClasses);
        int[] mapping = new int[targetClasses];
        for (int t = 0; t < targetClasses; t++) {
            mapping[t] = t;
        }
        return mapping;
    }
}
