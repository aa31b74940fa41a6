package io.visprompt.inference;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.visprompt.config.Tenant;

/**
 * Prompts found for a tenant, kept for a short time to live so that classifying with a busy prompt does not read its
 * row from the database and its tensors from the object store for every request. Only found prompts are kept, under
 * the tenant that found them: another tenant's lookup of the same id misses and asks the database, which answers not
 * found. An entry older than the time to live is looked up again, so a prompt removed by any process stops
 * classifying within that time; this process can forget one at once. Bounded by entries' floats, least recently
 * used first out.
 */
final class PromptCache {

    /** A prompt's task with the prompt, and the same task without it (prompted=false). */
    record Task(ServedClassifiers.Target prompted, ServedClassifiers.Target unprompted, long floats) {
    }

    private record Key(String tenant, UUID promptId) {
    }

    private record Entry(Task task, long loadedAt) {
    }

    private final long ttlNanos;
    private final long maxFloats;
    private final LongSupplier nanoTime;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long floats;

    PromptCache(Duration ttl, long maxFloats) {
        this(ttl, maxFloats, System::nanoTime);
    }

    PromptCache(Duration ttl, long maxFloats, LongSupplier nanoTime) {
        this.ttlNanos = ttl.toNanos();
        this.maxFloats = maxFloats;
        this.nanoTime = nanoTime;
    }

    /**
     * The tenant's prompt: cached while younger than the time to live, else from {@code load} (which throws when
     * there is no such prompt for the tenant; nothing is kept then, and an older entry is dropped).
     */
    Task get(Tenant tenant, UUID promptId, Supplier<Task> load) {
        Key key = new Key(tenant.id(), promptId);
        long now = nanoTime.getAsLong();
        synchronized (this) {
            Entry entry = entries.get(key);
            if (entry != null && now - entry.loadedAt() < ttlNanos) {
                return entry.task();
            }
        }
        Task task;
        try {
            task = load.get();
        } catch (RuntimeException e) {
            synchronized (this) {
                remove(key);
            }
            throw e;
        }
        if (ttlNanos > 0 && task.floats() <= maxFloats) {
            synchronized (this) {
                remove(key);
                entries.put(key, new Entry(task, now));
                floats += task.floats();
                for (Iterator<Entry> eldest = entries.values().iterator(); floats > maxFloats && eldest.hasNext(); ) {
                    floats -= eldest.next().task().floats();
                    eldest.remove();
                }
            }
        }
        return task;
    }

    /** Forgets the prompt under every tenant. */
    synchronized void forget(UUID promptId) {
        for (Iterator<Map.Entry<Key, Entry>> i = entries.entrySet().iterator(); i.hasNext(); ) {
            Map.Entry<Key, Entry> e = i.next();
            if (e.getKey().promptId().equals(promptId)) {
                floats -= e.getValue().task().floats();
                i.remove();
            }
        }
    }

    synchronized int size() {
        return entries.size();
    }

    private void remove(Key key) {
        Entry old = entries.remove(key);
        if (old != null) {
            floats -= old.task().floats();
        }
    }
}
