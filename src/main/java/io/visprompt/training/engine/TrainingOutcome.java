package io.visprompt.training.engine;

/**
 * The result of a finished run: the prompt with the best validation accuracy and the test accuracies of the
 * unprompted (TP, zero-shot) and prompted (VP) model on the test split.
 *
 * @param prompt                 values {@code [3,H,W]} and mask of the best prompt
 * @param labelMapping           target class -> source class (classifiers); empty for CLIP
 * @param zeroShotTestAccuracy   the frozen model without a prompt; NaN when the test split is empty
 * @param promptedTestAccuracy   the frozen model with the best prompt; NaN when the test split is empty
 */
public record TrainingOutcome(PromptTensor prompt, int[] labelMapping, double bestValidationAccuracy, int bestEpoch,
        double zeroShotTestAccuracy, double promptedTestAccuracy, int testExamples) {
}
