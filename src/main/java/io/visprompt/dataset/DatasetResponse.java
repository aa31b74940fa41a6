package io.visprompt.dataset;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.visprompt.dataset.internal.DatasetClass;
import io.visprompt.dataset.internal.DatasetEntity;

/**
 * A dataset as the API shows it. {@code rejected_files} is left out of list pages (see
 * {@code rejected_file_count}); {@code GET /v1/datasets/{id}} has it.
 */
record DatasetResponse(UUID id, String name, List<String> classNames, SplitCounts imageCounts,
        List<ClassCounts> classCounts, SplitSettings split, List<RejectedFile> rejectedFiles, int rejectedFileCount,
        long totalBytes, long uploadBytes, Instant createdAt) {

    record SplitCounts(int train, int val, int test) {
    }

    record ClassCounts(String name, int train, int val, int test) {
    }

    /**
     * @param mode         {@code seeded} (divided at random per class) or {@code folders} (train/ val/ test/ folders)
     * @param valFraction  set when val was divided at random (also for val carved out of train/ without a val/)
     */
    record SplitSettings(String mode, Double valFraction, Double testFraction, Long seed) {
    }

    /** Where the validation images came from: {@code carved_from_train} says training images were given up. */
    @JsonProperty("validation")
    ValidationSplit validation() {
        return ValidationSplit.of(split.mode(), split.valFraction(), imageCounts.val());
    }

    record RejectedFile(String path, String reason) {
    }

    static DatasetResponse of(DatasetEntity dataset, boolean withRejectedFiles) {
        List<DatasetClass> classes = dataset.classes();
        List<RejectedFile> rejected = dataset.rejectedFiles().stream()
                .map(r -> new RejectedFile(r.path(), r.reason())).toList();
        return new DatasetResponse(dataset.getId(), dataset.name(),
                classes.stream().map(DatasetClass::name).toList(),
                new SplitCounts(classes.stream().mapToInt(DatasetClass::trainCount).sum(),
                        classes.stream().mapToInt(DatasetClass::valCount).sum(),
                        classes.stream().mapToInt(DatasetClass::testCount).sum()),
                classes.stream().map(c -> new ClassCounts(c.name(), c.trainCount(), c.valCount(), c.testCount())).toList(),
                new SplitSettings(dataset.splitMode(), dataset.valFraction(), dataset.testFraction(), dataset.splitSeed()),
                withRejectedFiles ? rejected : null, rejected.size(), dataset.totalBytes(), dataset.uploadBytes(),
                dataset.createdAt());
    }
}
