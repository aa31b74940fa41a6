package io.visprompt.dataset.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.visprompt.dataset.Split;
import org.junit.jupiter.api.Test;

class SeededSplitTests {

    private static final List<Integer> TEN = IntStream.range(0, 10).boxed().toList();

    @Test
    void sameImagesFractionsAndSeedGiveTheSameDivision() {
        SeededSplit split = new SeededSplit(0.2, 0.1, 7);

        Map<Split, List<Integer>> first = split.divide("cats", TEN);

        assertThat(split.divide("cats", TEN)).isEqualTo(first);
        assertThat(first.get(Split.TRAIN)).hasSize(7).isSorted();
        assertThat(first.get(Split.VAL)).hasSize(2);
        assertThat(first.get(Split.TEST)).hasSize(1);
        assertThat(new SeededSplit(0.2, 0.1, 8).divide("cats", TEN)).isNotEqualTo(first);
    }

    @Test
    void everyClassKeepsAtLeastOneTrainingImage() {
        SeededSplit split = new SeededSplit(0.45, 0.45, 0);

        assertThat(split.divide("cats", List.of(1)).get(Split.TRAIN)).containsExactly(1);
        assertThat(split.divide("cats", List.of(1, 2)).get(Split.TRAIN)).hasSize(1);
        assertThat(split.divide("cats", List.of()).get(Split.TRAIN)).isEmpty();
    }

    @Test
    void fractionsMustLeaveRoomForTraining() {
        assertThatThrownBy(() -> new SeededSplit(0.5, 0.5, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SeededSplit(-0.1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
