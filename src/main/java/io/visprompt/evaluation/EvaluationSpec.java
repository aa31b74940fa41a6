package io.visprompt.evaluation;

import java.util.List;
import java.util.UUID;

/**
 * What an evaluation job evaluates, as stored with the job: a prompt (its task and, for comparison, the same task
 * without it) or a bare model over named classes, on one split of a dataset ({@code all}: every split).
 */
record EvaluationSpec(UUID promptId, String model, List<String> classNames, UUID datasetId, String split) {
}
