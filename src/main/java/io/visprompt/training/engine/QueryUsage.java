package io.visprompt.training.engine;

/**
 * What a black-box run has spent so far, reported after every step.
 *
 * @param queries           training queries made (by this run, over all its attempts)
 * @param budget            the query budget (0 = none)
 * @param plannedQueries    queries the whole run will make (within the budget)
 * @param meanLatencyMillis mean wall time of one query in this attempt
 * @param queriesPerSecond  measured rate in this attempt, including the time between queries
 * @param etaSeconds        time to finish the remaining queries at that rate
 */
public record QueryUsage(long queries, long budget, long plannedQueries, double meanLatencyMillis,
        double queriesPerSecond, long etaSeconds) {
}
