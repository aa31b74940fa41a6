package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class IntraOpThreadsTest {

    @Test
    void eachThreadKeepsTheCountItSetWhileAnotherThreadSetsADifferentOne() throws Exception {
        CyclicBarrier bothSet = new CyclicBarrier(2);
        CyclicBarrier servingSetAgain = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<int[]> training = threads.submit(counts(() -> {
                IntraOpThreads.use(2);
                bothSet.await(10, TimeUnit.SECONDS);
                servingSetAgain.await(10, TimeUnit.SECONDS);
                return IntraOpThreads.current();
            }));
            Future<int[]> serving = threads.submit(counts(() -> {
                IntraOpThreads.use(1);
                bothSet.await(10, TimeUnit.SECONDS);
                IntraOpThreads.use(1); // set last, after the training thread: its count must not follow
                servingSetAgain.await(10, TimeUnit.SECONDS);
                return IntraOpThreads.current();
            }));
            assertThat(training.get(30, TimeUnit.SECONDS)).containsExactly(2);
            assertThat(serving.get(30, TimeUnit.SECONDS)).containsExactly(1);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aThreadThatNeverSetOneTakesTheLastCountSetInTheProcessSoWorkersSetTheirOwn() throws Exception {
        CompletableFuture.runAsync(() -> IntraOpThreads.use(1), Executors.newSingleThreadExecutor()).get();
        int fresh = CompletableFuture.supplyAsync(IntraOpThreads::current, Executors.newSingleThreadExecutor()).get();
        int worker = CompletableFuture.supplyAsync(() -> {
            IntraOpThreads.useProcessDefault();
            return IntraOpThreads.current();
        }, Executors.newSingleThreadExecutor()).get();

        assertThat(fresh).isEqualTo(1);
        assertThat(worker).isEqualTo(IntraOpThreads.processDefault());
    }

    private static Callable<int[]> counts(Callable<Integer> body) {
        return () -> new int[] {body.call()};
    }
}
