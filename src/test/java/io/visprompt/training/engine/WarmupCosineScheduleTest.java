package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WarmupCosineScheduleTest {

    private final WarmupCosineSchedule schedule = new WarmupCosineSchedule(40, 1000, 5000);

    @Test
    void warmsUpLinearlyFromTheFirstStep() {
        assertThat(schedule.rate(0)).isEqualTo(0.04);
        assertThat(schedule.rate(499)).isEqualTo(20.0);
        assertThat(schedule.rate(999)).isEqualTo(40.0);
    }

    @Test
    void thenDecaysWithACosineToZero() {
        assertThat(schedule.rate(1000)).isEqualTo(40.0);
        assertThat(schedule.rate(3000)).isCloseTo(20.0, within(1e-12));
        assertThat(schedule.rate(4000)).isCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.75)) * 40, within(1e-12));
        assertThat(schedule.rate(4999)).isCloseTo(0.5 * (1 + Math.cos(Math.PI * 3999 / 4000)) * 40, within(1e-12))
                .isLessThan(1e-5);
    }

    @Test
    void aRunShorterThanItsWarmUpNeverDividesByZero() {
        WarmupCosineSchedule shortRun = new WarmupCosineSchedule(1, 10, 5);

        assertThat(shortRun.rate(4)).isEqualTo(0.5);
    }
}
