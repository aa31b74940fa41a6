package io.visprompt.training.engine;

/**
 * The result of a finished run: the prompt with the best validation accuracy and test accuracies of the frozen
 * model on the test split, without and with that prompt. All accuracies are NaN when the test split is empty.
 *
 * @param prompt                  values {@code [3,H,W]} and mask of the best prompt
 * @param labelMapping            target class -> source class (classifiers); empty for CLIP
 * @param baselineTestAccuracy    the bare model: no prompt, and for a classifier the mapping that involves no
 *                                learning (identity, or by name when the job maps by name); CLIP's text head as is
 * @param mappingOnlyTestAccuracy no prompt, under the run's final {@code labelMapping}; differs from the baseline
 *                                only when the mapping is learned (frequency, iterative)
 * @param promptedTestAccuracy    the best prompt under the run's final {@code labelMapping}
 */
public record TrainingOutcome(PromptTensor prompt, int[] labelMapping, double bestValidationAccuracy, int bestEpoch,
        double baselineTestAccuracy, double mappingOnlyTestAccuracy, double promptedTestAccuracy, int testExamples) {

    /**
     * What earlier versions called zero-shot: the unprompted model under the run's mapping, i.e.
     * {@link #mappingOnlyTestAccuracy()} (with a learned mapping it is not the bare model's accuracy).
     */
    public double zeroShotTestAccuracy() {
        return mappingOnlyTestAccuracy;
    }
}
