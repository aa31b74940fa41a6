package io.visprompt.dataset;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.visprompt.config.CursorPage;
import io.visprompt.dataset.internal.DatasetClass;
import io.visprompt.dataset.internal.DatasetEntity;

/**
 * A dataset as the API shows it. {@code rejected_files} is left out of list pages (see
 * {@code rejected_file_count}); {@code GET /v1/datasets/{id}} and the upload's answer have its first
 * {@value #REJECTED_FILES_SHOWN} entries, and {@code rejected_files_next} links the paged list of the rest
 * ({@code GET /v1/datasets/{id}/rejected-files}) when there are more.
 */
record DatasetResponse(UUID id, String name, List<String> classNames, SplitCounts imageCounts,
        List<ClassCounts> classCounts, SplitSettings split, List<RejectedFile> rejectedFiles, int rejectedFileCount,
        String rejectedFilesNext, long totalBytes, long uploadBytes, Instant createdAt) {

    /** A whole page of the rejected-files list: an archive of 100k bad entries would otherwise answer megabytes. */
    static final int REJECTED_FILES_SHOWN = CursorPage.Request.MAX_LIMIT;

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

    /** The dataset just stored, from the entity in memory: its first rejected files, and a link when there are more. */
    static DatasetResponse stored(DatasetEntity dataset) {
        List<RejectedFile> rejected = dataset.rejectedFiles().stream().limit(REJECTED_FILES_SHOWN)
                .map(r -> new RejectedFile(r.path(), r.reason())).toList();
        return of(dataset, rejected, dataset.rejectedFiles().size());
    }

    /**
     * @param firstRejected the first (up to {@value #REJECTED_FILES_SHOWN}) rejected files in archive order, null
     *                      to leave them out (list pages)
     * @param rejectedCount how many there are in all
     */
    static DatasetResponse of(DatasetEntity dataset, List<RejectedFile> firstRejected, int rejectedCount) {
        List<DatasetClass> classes = dataset.classes();
        String next = firstRejected != null && rejectedCount > firstRejected.size()
                ? "/v1/datasets/" + dataset.getId() + "/rejected-files?after=" + (firstRejected.size() - 1)
                : null;
        return new DatasetResponse(dataset.getId(), dataset.name(),
                classes.stream().map(DatasetClass::name).toList(),
                new SplitCounts(classes.stream().mapToInt(DatasetClass::trainCount).sum(),
                        classes.stream().mapToInt(DatasetClass::valCount).sum(),
                        classes.stream().mapToInt(DatasetClass::testCount).sum()),
                classes.stream().map(c -> new ClassCounts(c.name(), c.trainCount(), c.valCount(), c.testCount())).toList(),
                new SplitSettings(dataset.splitMode(), dataset.valFraction(), dataset.testFraction(), dataset.splitSeed()),
                firstRejected, rejectedCount, next, dataset.totalBytes(), dataset.uploadBytes(),
                dataset.createdAt());
    }
}
