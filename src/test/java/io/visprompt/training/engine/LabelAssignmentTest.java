package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class LabelAssignmentTest {

    @Test
    void assignsTheLargestCountsFirstOneToOne() {
        // counts[source][target]
        long[][] counts = {
                {5, 9, 0},
                {7, 8, 1},
                {0, 0, 2},
                {6, 1, 0}};

        int[] mapping = LabelAssignment.greedyOneToOne(counts);

        // 9 pairs source 0 with target 1; then 7 pairs source 1 with target 0; then 2 pairs source 2 with target 2.
        assertThat(mapping).containsExactly(1, 0, 2);
    }

    @Test
    void aSourceTakenByOneTargetIsNotReusedEvenIfItIsBestForAnother() {
        long[][] counts = {
                {10, 9},
                {1, 0},
                {0, 2}};

        assertThat(LabelAssignment.greedyOneToOne(counts)).containsExactly(0, 2);
    }

    @Test
    void tiesGoToTheLowestSourceThenTheLowestTarget() {
        long[][] counts = {
                {0, 0},
                {3, 3},
                {3, 3}};

        assertThat(LabelAssignment.greedyOneToOne(counts)).containsExactly(1, 2);
    }

    @Test
    void targetsWithNoCountsStillGetDistinctSources() {
        long[][] counts = new long[4][3];

        assertThat(LabelAssignment.greedyOneToOne(counts)).containsExactly(0, 1, 2);
    }

    @Test
    void fewerSourceThanTargetClassesIsAClearError() {
        assertThatThrownBy(() -> LabelAssignment.greedyOneToOne(new long[2][3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 source classes").hasMessageContaining("3 classes");
        assertThatThrownBy(() -> LabelAssignment.identity(10, 11))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void identityMapsTargetIToSourceI() {
        assertThat(LabelAssignment.identity(10, 4)).containsExactly(0, 1, 2, 3);
    }

    @Test
    void byNameMatchesFolderNamesToTheModelsLabelsIgnoringCaseAndPunctuation() {
        List<String> labels = List.of("t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                "sneaker", "bag", "ankle boot");
        List<String> folders = List.of("ankle boot", "bag", "coat", "dress", "pullover", "sandal", "shirt",
                "sneaker", "t-shirt_top", "Trouser");

        assertThat(LabelAssignment.byName(labels, folders)).containsExactly(9, 8, 4, 3, 2, 5, 6, 7, 0, 1);
    }

    @Test
    void byNameRejectsUnknownAndAmbiguousClasses() {
        assertThatThrownBy(() -> LabelAssignment.byName(List.of("cat", "dog"), List.of("cat", "zebra")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"zebra\" matches none");
        assertThatThrownBy(() -> LabelAssignment.byName(List.of("t-shirt", "dog"), List.of("T shirt", "t_shirt")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Two classes");
        assertThatThrownBy(() -> LabelAssignment.byName(List.of(), List.of("cat")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no class labels");
    }
}
