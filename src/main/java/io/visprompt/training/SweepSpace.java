package io.visprompt.training;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A sweep's search space and the trials drawn from it; plain Java, no Spring. The space names settings of a training
 * job by their path in the job request ({@code prompt.size}, {@code hyperparameters.learning_rate}, ...): each is a
 * list of choices, or (the learning rate only) a log-uniform range. A trial is a map from those paths to values.
 */
final class SweepSpace {

    /** The settings a sweep may vary, in the order grid trials vary them (the last one fastest). */
    static final List<String> PARAMETERS = List.of("prompt.template", "prompt.size", "prompt.placement",
            "output.label_mapping", "hyperparameters.optimizer", "hyperparameters.batch_size",
            "hyperparameters.learning_rate");
    static final int MAX_CHOICES = 64;
    static final int MAX_GRID = 10_000;

    /** One setting's choices, or a log-uniform range when {@code choices} is null. */
    record Dimension(String parameter, List<Object> choices, Double min, Double max) {

        boolean discrete() {
            return choices != null;
        }
    }

    private final List<Dimension> dimensions;

    private SweepSpace(List<Dimension> dimensions) {
        this.dimensions = List.copyOf(dimensions);
    }

    List<Dimension> dimensions() {
        return dimensions;
    }

    /**
     * Reads the request's {@code space}: nested as in a job request ({@code {"prompt": {"size": [4, 8]}}}); a list
     * gives choices, {@code {"min": a, "max": b}} a log-uniform range (learning rate only).
     *
     * @throws InvalidTrainingSettings naming the path at fault
     */
    static SweepSpace parse(Map<String, Object> space) {
        if (space == null || space.isEmpty()) {
            throw new InvalidTrainingSettings("space", "name at least one setting to search, one of " + PARAMETERS);
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        for (Map.Entry<String, Object> group : space.entrySet()) {
            if (!(group.getValue() instanceof Map<?, ?> settings)) {
                throw new InvalidTrainingSettings("space." + group.getKey(), "must be an object of settings");
            }
            for (Map.Entry<?, ?> setting : settings.entrySet()) {
                String path = group.getKey() + "." + setting.getKey();
                if (!PARAMETERS.contains(path)) {
                    throw new InvalidTrainingSettings("space." + path, "cannot be searched; searchable: " + PARAMETERS);
                }
                flat.put(path, setting.getValue());
            }
        }
        List<Dimension> dimensions = new ArrayList<>();
        for (String parameter : PARAMETERS) {
            if (flat.containsKey(parameter)) {
                dimensions.add(dimension(parameter, flat.get(parameter)));
            }
        }
        if (dimensions.isEmpty()) {
            throw new InvalidTrainingSettings("space", "name at least one setting to search, one of " + PARAMETERS);
        }
        return new SweepSpace(dimensions);
    }

    private static Dimension dimension(String parameter, Object value) {
        String field = "space." + parameter;
        if (value instanceof List<?> list) {
            if (list.isEmpty() || list.size() > MAX_CHOICES) {
                throw new InvalidTrainingSettings(field, "must list 1 to " + MAX_CHOICES + " choices");
            }
            List<Object> choices = new ArrayList<>();
            for (Object choice : list) {
                choices.add(choice(field, parameter, choice));
            }
            if (choices.stream().distinct().count() != choices.size()) {
                throw new InvalidTrainingSettings(field, "lists a choice twice");
            }
            return new Dimension(parameter, List.copyOf(choices), null, null);
        }
        if (value instanceof Map<?, ?> range && parameter.equals("hyperparameters.learning_rate")) {
            if (!(range.get("min") instanceof Number min) || !(range.get("max") instanceof Number max)
                    || range.size() != 2) {
                throw new InvalidTrainingSettings(field, "a range is {\"min\": a, \"max\": b} (log-uniform)");
            }
            if (!(min.doubleValue() > 0) || !(max.doubleValue() > min.doubleValue()) || max.doubleValue() > 100000) {
                throw new InvalidTrainingSettings(field, "needs 0 < min < max <= 100000");
            }
            return new Dimension(parameter, null, min.doubleValue(), max.doubleValue());
        }
        throw new InvalidTrainingSettings(field, parameter.equals("hyperparameters.learning_rate")
                ? "must be a list of values or {\"min\": a, \"max\": b}" : "must be a list of values");
    }

    private static Object choice(String field, String parameter, Object choice) {
        boolean number = parameter.equals("prompt.size") || parameter.startsWith("hyperparameters.batch")
                || parameter.equals("hyperparameters.learning_rate");
        if (number) {
            if (!(choice instanceof Number n) || !(n.doubleValue() > 0)) {
                throw new InvalidTrainingSettings(field, "choices must be positive numbers");
            }
            if (parameter.equals("hyperparameters.learning_rate")) {
                return n.doubleValue();
            }
            if (n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() > 4096) {
                throw new InvalidTrainingSettings(field, "choices must be whole numbers up to 4096");
            }
            return n.intValue();
        }
        if (!(choice instanceof String s) || s.isBlank()) {
            throw new InvalidTrainingSettings(field, "choices must be names");
        }
        return s;
    }

    /** Every combination of the choices, the last setting varying fastest; only for spaces of lists. */
    List<Map<String, Object>> grid() {
        for (Dimension d : dimensions) {
            if (!d.discrete()) {
                throw new InvalidTrainingSettings("space." + d.parameter(),
                        "a grid needs a list of values, not a range");
            }
        }
        long size = gridSize();
        if (size > MAX_GRID) {
            throw new InvalidTrainingSettings("space", "the grid has " + size + " trials, more than " + MAX_GRID);
        }
        List<Map<String, Object>> trials = new ArrayList<>();
        trials.add(new LinkedHashMap<>());
        for (Dimension d : dimensions) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : trials) {
                for (Object choice : d.choices()) {
                    Map<String, Object> t = new LinkedHashMap<>(partial);
                    t.put(d.parameter(), choice);
                    next.add(t);
                }
            }
            trials = next;
        }
        return trials;
    }

    /** Number of grid trials; {@link Long#MAX_VALUE} when a setting is a range. */
    long gridSize() {
        long size = 1;
        for (Dimension d : dimensions) {
            if (!d.discrete()) {
                return Long.MAX_VALUE;
            }
            size = Math.multiplyExact(size, d.choices().size());
        }
        return size;
    }

    /**
     * {@code count} trials drawn with {@code seed}, the same for the same seed. A space of lists is sampled without
     * repetition (the grid in a seeded order; fewer trials when the grid is smaller); a range is sampled log-uniformly
     * (values rounded to 4 significant digits) and lists uniformly.
     */
    List<Map<String, Object>> sample(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        if (gridSize() <= MAX_GRID) {
            List<Map<String, Object>> grid = new ArrayList<>(grid());
            for (int i = grid.size() - 1; i > 0; i--) { // Fisher-Yates
                int j = random.nextInt(i + 1);
                Map<String, Object> swap = grid.get(i);
                grid.set(i, grid.get(j));
                grid.set(j, swap);
            }
            return List.copyOf(grid.subList(0, Math.min(count, grid.size())));
        }
        List<Map<String, Object>> trials = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, Object> trial = new LinkedHashMap<>();
            for (Dimension d : dimensions) {
                trial.put(d.parameter(), d.discrete() ? d.choices().get(random.nextInt(d.choices().size()))
                        : logUniform(random, d.min(), d.max()));
            }
            trials.add(trial);
        }
        return trials;
    }

    private static double logUniform(SplittableRandom random, double min, double max) {
        double value = Math.exp(Math.log(min) + random.nextDouble() * (Math.log(max) - Math.log(min)));
        double rounded = new BigDecimal(value).round(new MathContext(4)).doubleValue();
        return Math.min(max, Math.max(min, rounded));
    }
}
