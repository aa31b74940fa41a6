package io.visprompt.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ForwardThreadsTests {

    private static final long MS = 1_000_000;

    @Test
    void aShortPassMovesToOneThreadOnceOneThreadMeasuredFasterAndStillRetriesAllNowAndThen() {
        ForwardThreads threads = new ForwardThreads(2);
        List<Integer> chosen = new ArrayList<>();
        for (int pass = 0; pass < 3 * ForwardThreads.RETRY_EVERY; pass++) {
            int count = threads.choose(1);
            chosen.add(count);
            threads.record(1, count, count == 1 ? MS : 2 * MS);
        }

        assertThat(chosen.subList(0, 4)).containsExactly(2, 2, 1, 1); // each count's first pass is not counted
        assertThat(chosen.subList(4, chosen.size())).containsOnly(1, 2);
        assertThat(chosen.stream().filter(c -> c == 2).count()).isBetween(4L, 6L);
    }

    @Test
    void aPassThatTakesLongOnAllThreadsIsNeverTriedOnOne() {
        ForwardThreads threads = new ForwardThreads(2);
        for (int pass = 0; pass < 100; pass++) {
            int count = threads.choose(32);
            assertThat(count).isEqualTo(2);
            threads.record(32, count, ForwardThreads.PARALLEL_ABOVE_NANOS + MS);
        }
    }

    @Test
    void batchSizesAreMeasuredApartSoABigBatchCanKeepEveryThread() {
        ForwardThreads threads = new ForwardThreads(4);
        for (int pass = 0; pass < 20; pass++) {
            int small = threads.choose(1);
            threads.record(1, small, small == 1 ? MS : 2 * MS);
            int big = threads.choose(32);
            threads.record(32, big, big == 1 ? 16 * MS : 6 * MS);
        }

        assertThat(threads.choose(1)).isEqualTo(1);
        assertThat(threads.choose(32)).isEqualTo(4);
        assertThat(threads.choose(20)).isEqualTo(4); // 17-32 is one size class
    }

    @Test
    void aProcessWithOneThreadAlwaysUsesOne() {
        ForwardThreads threads = new ForwardThreads(1);
        threads.record(1, 1, 50 * MS);

        assertThat(threads.choose(1)).isEqualTo(1);
        assertThat(threads.choose(64)).isEqualTo(1);
    }
}
