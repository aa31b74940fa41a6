package io.visprompt.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.visprompt.config.Tenant;
import org.junit.jupiter.api.Test;

class PromptCacheTests {

    private final AtomicLong now = new AtomicLong();
    private final PromptCache cache = new PromptCache(Duration.ofSeconds(3), 100, now::get);
    private final AtomicInteger loads = new AtomicInteger();
    private final Tenant alice = new Tenant("alice");
    private final Tenant bob = new Tenant("bob");

    @Test
    void aFoundPromptIsServedFromMemoryUntilItsTimeToLiveThenReadAgain() {
        UUID id = UUID.randomUUID();
        PromptCache.Task first = cache.get(alice, id, load(id, 10));
        now.addAndGet(Duration.ofMillis(2999).toNanos());
        assertThat(cache.get(alice, id, load(id, 10))).isSameAs(first);
        assertThat(loads).hasValue(1);

        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(cache.get(alice, id, load(id, 10))).isNotSameAs(first);
        assertThat(loads).hasValue(2);
    }

    @Test
    void aPromptGoneAtTheNextLookupIsDroppedAndNotFoundIsNeverCached() {
        UUID id = UUID.randomUUID();
        cache.get(alice, id, load(id, 10));
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        assertThatThrownBy(() -> cache.get(alice, id, notFound())).isInstanceOf(IllegalStateException.class);
        assertThat(cache.size()).isZero();
        assertThatThrownBy(() -> cache.get(alice, id, notFound())).isInstanceOf(IllegalStateException.class);
        assertThat(loads).hasValue(3);
    }

    @Test
    void anotherTenantsLookupOfTheSameIdAsksTheDatabase() {
        UUID id = UUID.randomUUID();
        cache.get(alice, id, load(id, 10));
        assertThatThrownBy(() -> cache.get(bob, id, notFound())).isInstanceOf(IllegalStateException.class);
        assertThat(loads).hasValue(2);
        assertThat(cache.get(alice, id, load(id, 10))).isNotNull();
        assertThat(loads).hasValue(2);
    }

    @Test
    void forgettingAPromptReadsItAgainAtOnce() {
        UUID id = UUID.randomUUID();
        cache.get(alice, id, load(id, 10));
        cache.forget(id);
        cache.get(alice, id, load(id, 10));
        assertThat(loads).hasValue(2);
    }

    @Test
    void theLeastRecentlyUsedPromptsGoFirstOnceTheFloatsExceedTheBound() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        UUID c = UUID.randomUUID();
        cache.get(alice, a, load(a, 40));
        cache.get(alice, b, load(b, 40));
        cache.get(alice, a, load(a, 40)); // a is now the most recently used
        cache.get(alice, c, load(c, 40)); // 120 floats > 100: b goes
        assertThat(cache.size()).isEqualTo(2);
        assertThat(loads).hasValue(3);
        cache.get(alice, a, load(a, 40));
        assertThat(loads).hasValue(3);
        cache.get(alice, b, load(b, 40));
        assertThat(loads).hasValue(4);
        // larger than the whole bound: served, not kept
        UUID huge = UUID.randomUUID();
        cache.get(alice, huge, load(huge, 101));
        cache.get(alice, huge, load(huge, 101));
        assertThat(loads).hasValue(6);
    }

    private Supplier<PromptCache.Task> load(UUID id, long floats) {
        return () -> {
            loads.incrementAndGet();
            ServedClassifiers.Target target = new ServedClassifiers.Target("prompt:" + id, "fashion-cnn", id, null,
                    List.of("a", "b"), null, List.of());
            return new PromptCache.Task(target, target, floats);
        };
    }

    private Supplier<PromptCache.Task> notFound() {
        return () -> {
            loads.incrementAndGet();
            throw new IllegalStateException("not found");
        };
    }
}
