package io.visprompt.training.engine;

/**
 * How a black-box optimizer ({@link OptimizerKind#blackBox()}) spends queries.
 *
 * @param queriesPerStep forward queries per optimizer step (SPSA-GC: 2 per direction; RGF: 1 + directions)
 * @param perturbation   the finite-difference step c (SPSA-GC decays it as {@code c / (k+1)^0.101}, as BlackVIP)
 * @param queryBudget    training queries at most; training stops at the last step that fits (0 = no limit)
 */
public record BlackBoxSettings(int queriesPerStep, double perturbation, long queryBudget) {

    /** For white-box runs, which query nothing. */
    public static final BlackBoxSettings NONE = new BlackBoxSettings(0, 0, 0);

    /** Steps the budget allows (all of {@code plannedSteps} when there is no budget). */
    public long stepsWithin(long plannedSteps) {
        if (queryBudget <= 0 || queriesPerStep <= 0) {
            return plannedSteps;
        }
        return Math.min(plannedSteps, queryBudget / queriesPerStep);
    }
}
