package io.visprompt.dataset;

import java.util.Locale;

import io.visprompt.dataset.internal.DatasetEntity;

/**
 * Where a dataset's validation images came from, so that taking them out of the training images is never silent.
 *
 * @param source   {@value #VAL_FOLDER} (the archive's {@code val/} folder), {@value #CARVED_FROM_TRAIN} (the archive
 *                 has {@code train/} but no {@code val/}: {@code fraction} of each class's training images were
 *                 moved to validation), {@value #RANDOM_SPLIT} (no split folders: each class divided at random) or
 *                 {@value #NONE} (no validation images: training keeps the last epoch's prompt)
 * @param fraction the {@code val_fraction} used when the service divided images itself; null when folders decided
 * @param count    validation images
 */
public record ValidationSplit(String source, Double fraction, int count) {

    public static final String VAL_FOLDER = "val_folder";
    public static final String CARVED_FROM_TRAIN = "carved_from_train";
    public static final String RANDOM_SPLIT = "random_split";
    public static final String NONE = "none";

    static ValidationSplit of(String splitMode, Double valFraction, int count) {
        if (count == 0) {
            return new ValidationSplit(NONE, valFraction, 0);
        }
        if (DatasetEntity.SPLIT_FOLDERS.equals(splitMode)) {
            // The importer records a fraction for folder archives only when it carved val out of train/.
            return valFraction != null ? new ValidationSplit(CARVED_FROM_TRAIN, valFraction, count)
                    : new ValidationSplit(VAL_FOLDER, null, count);
        }
        return new ValidationSplit(RANDOM_SPLIT, valFraction, count);
    }

    /** For people: how the validation images were obtained, e.g. in a job's {@code data_loaded} event. */
    public String describe() {
        return switch (source) {
            case CARVED_FROM_TRAIN -> String.format(Locale.ROOT, "carved from train/: val_fraction %s of each class's "
                    + "training images, as the archive has no val/ folder", fraction);
            case VAL_FOLDER -> "from the archive's val/ folder";
            case RANDOM_SPLIT -> String.format(Locale.ROOT, "divided at random (val_fraction %s)", fraction);
            default -> "none: the last epoch's prompt is kept";
        };
    }
}
