package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The trials a sweep declares: grid expansion, seeded sampling and the refusals, without Spring. */
class SweepSpaceTests {

    @Test
    void aGridHasEveryCombinationTheLastSettingVaryingFastest() {
        SweepSpace space = SweepSpace.parse(Map.of(
                "hyperparameters", Map.of("learning_rate", List.of(1, 4.5)),
                "prompt", Map.of("template", List.of("padding", "fixed_patch"), "size", List.of(2, 4))));
        assertThat(space.gridSize()).isEqualTo(8);
        List<Map<String, Object>> grid = space.grid();
        assertThat(grid).hasSize(8).doesNotHaveDuplicates();
        assertThat(grid.get(0)).isEqualTo(Map.of("prompt.template", "padding", "prompt.size", 2,
                "hyperparameters.learning_rate", 1.0));
        assertThat(grid.get(1)).isEqualTo(Map.of("prompt.template", "padding", "prompt.size", 2,
                "hyperparameters.learning_rate", 4.5));
        assertThat(grid.get(7)).isEqualTo(Map.of("prompt.template", "fixed_patch", "prompt.size", 4,
                "hyperparameters.learning_rate", 4.5));
    }

    @Test
    void randomTrialsOfListsAreDistinctGridPointsInAnOrderFixedByTheSeed() {
        SweepSpace space = SweepSpace.parse(Map.of("prompt", Map.of("size", List.of(1, 2, 3, 4)),
                "hyperparameters", Map.of("optimizer", List.of("sgd", "adam"))));
        List<Map<String, Object>> five = space.sample(42, 5);
        assertThat(five).hasSize(5).doesNotHaveDuplicates().isSubsetOf(space.grid());
        assertThat(space.sample(42, 5)).as("same seed, same trials").isEqualTo(five);
        assertThat(space.sample(43, 8)).as("another seed, another order").isNotEqualTo(space.sample(42, 8))
                .containsExactlyInAnyOrderElementsOf(space.grid());
        assertThat(space.sample(42, 100)).as("never more than the grid holds").hasSize(8);
    }

    @Test
    void aLearningRateRangeIsSampledLogUniformlyWithinItsBounds() {
        SweepSpace space = SweepSpace.parse(Map.of("hyperparameters",
                Map.of("learning_rate", Map.of("min", 1, "max", 100), "batch_size", List.of(16, 32))));
        List<Map<String, Object>> trials = space.sample(3, 2000);
        assertThat(trials).hasSize(2000);
        int belowGeometricMean = 0;
        for (Map<String, Object> t : trials) {
            double lr = (Double) t.get("hyperparameters.learning_rate");
            assertThat(lr).isBetween(1.0, 100.0);
            assertThat(t.get("hyperparameters.batch_size")).isIn(16, 32);
            belowGeometricMean += lr < 10 ? 1 : 0;
        }
        assertThat(belowGeometricMean).as("half below sqrt(1 * 100) when log-uniform").isBetween(900, 1100);
        assertThat(new HashSet<>(space.sample(3, 50))).isEqualTo(new HashSet<>(trials.subList(0, 50)));
    }

    @Test
    void badSpacesAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> SweepSpace.parse(Map.of("hyperparameters", Map.of("momentum", List.of(0.9)))))
                .isInstanceOf(InvalidTrainingSettings.class).hasMessageStartingWith("space.hyperparameters.momentum");
        assertThatThrownBy(() -> SweepSpace.parse(Map.of("prompt", Map.of("size", Map.of("min", 1, "max", 9)))))
                .hasMessageStartingWith("space.prompt.size");
        assertThatThrownBy(() -> SweepSpace.parse(Map.of("prompt", Map.of("size", List.of(4, 4)))))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> SweepSpace.parse(Map.of("prompt", Map.of("size", List.of(2.5)))))
                .hasMessageContaining("whole numbers");
        assertThatThrownBy(() -> SweepSpace.parse(Map.of())).hasMessageStartingWith("space");
        assertThatThrownBy(() -> SweepSpace.parse(Map.of("hyperparameters",
                Map.of("learning_rate", Map.of("min", 1, "max", 100)))).grid())
                .hasMessageContaining("a grid needs a list");
    }
}
