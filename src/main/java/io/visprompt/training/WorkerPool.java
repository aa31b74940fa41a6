package io.visprompt.training;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import ai.djl.engine.Engine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.training.engine.IntraOpThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The workers of this process: one on GPU 0 when libtorch sees a GPU, or {@code cpu-workers} on a CPU-only machine. Each claims a job,
 * runs it and claims the next; a heartbeat renews the leases of running jobs. On shutdown, workers stop
 * claiming, running jobs checkpoint and are released to the queue so another process resumes them.
 */
@Component
class WorkerPool implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    private final JobQueue queue;
    private final JobExecution execution;
    private final TrainingProperties properties;
    private final MeterRegistry meters;
    private final Map<UUID, JobProgressReporter> running = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final String processId;
    private ScheduledExecutorService heartbeat;
    private volatile boolean active;

    WorkerPool(JobQueue queue, JobExecution execution, TrainingProperties properties, MeterRegistry meters) {
        this.queue = queue;
        this.execution = execution;
        this.properties = properties;
        this.meters = meters;
        this.processId = hostName() + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public synchronized void start() {
        if (!properties.workers() || active) {
            return;
        }
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        // Models load on the engine's default device, GPU 0: one worker per GPU means one worker process per GPU
        // (CUDA_VISIBLE_DEVICES, or one GPU per pod as the Helm chart asks), not several workers sharing GPU 0.
        int count = gpus > 0 ? 1 : properties.cpuWorkers();
        if (gpus > 1) {
            log.warn("{} GPUs visible, this process trains on GPU 0 only: start one worker process per GPU "
                    + "(CUDA_VISIBLE_DEVICES=0, 1, ...)", gpus);
        }
        active = true;
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "visprompt-heartbeat"));
        long interval = properties.heartbeatInterval().toMillis();
        heartbeat.scheduleWithFixedDelay(this::renewLeases, interval, interval, TimeUnit.MILLISECONDS);
        for (int i = 0; i < count; i++) {
            String workerId = processId + "-w" + i;
            Thread thread = new Thread(() -> work(workerId), "visprompt-worker-" + i);
            threads.add(thread);
            thread.start();
        }
        NativeAllocator allocator = NativeAllocator.ofThisProcess();
        log.info("Started {} training worker(s) ({} GPU(s) found, native allocator {}) as {}", count, gpus,
                allocator.wireName(), processId);
        Gauge.builder("visprompt.training.native.allocator", () -> allocator.caches() ? 1 : 0)
                .tag("allocator", allocator.wireName())
                .description("1 when a caching malloc (tcmalloc, jemalloc) serves libtorch in this worker process")
                .register(meters);
        if (gpus == 0 && allocator == NativeAllocator.GLIBC) {
            log.warn("Training on CPU with glibc malloc: every step page-faults its activation buffers in again. "
                    + "Start the JVM with LD_PRELOAD=libtcmalloc_minimal.so.4 (Debian/Ubuntu: libtcmalloc-minimal4),"
                    + " as the container image does: about 1.2-1.4x faster steps on ResNet-18 (bench/README.md)");
        }
        if (gpus == 0) {
            NnpackSupport.ofThisCpu().warnings(System.getenv("TORCH_CPP_LOG_LEVEL")).forEach(log::warn);
        }
    }

    @Override
    public synchronized void stop() {
        if (!active) {
            return;
        }
        active = false;
        // Running jobs checkpoint at their next step and are released; idle workers notice within a poll interval.
        // Threads are not interrupted: an interrupt inside libtorch or the JDBC driver would lose the checkpoint.
        running.values().forEach(JobProgressReporter::requestSuspend);
        for (Thread thread : threads) {
            try {
                thread.join(properties.leaseDuration().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        threads.clear();
        heartbeat.shutdownNow();
        log.info("Training workers stopped");
    }

    @Override
    public boolean isRunning() {
        return active;
    }

    /** Stop workers before the web server and the database go away. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 2048;
    }

    /** Jobs this process is running now (for tests and diagnostics). */
    List<UUID> runningJobs() {
        return List.copyOf(running.keySet());
    }

    private void work(String workerId) {
        // libtorch's thread count is per thread, but a thread that never set one takes the last count set anywhere
        // in the process, e.g. a serving thread's one thread for a small pass
        IntraOpThreads.useProcessDefault();
        while (active) {
            try {
                Optional<JobQueue.ClaimedJob> job = queue.claim(workerId);
                if (job.isEmpty()) {
                    Thread.sleep(properties.pollInterval().toMillis());
                    continue;
                }
                JobProgressReporter reporter = execution.reporterFor(job.get().lease());
                running.put(job.get().lease().jobId(), reporter);
                if (!active) {
                    reporter.requestSuspend();
                }
                try {
                    execution.execute(job.get(), reporter);
                } finally {
                    running.remove(job.get().lease().jobId());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // e.g. the database is briefly unreachable: keep the worker alive and try again
                log.warn("Worker {} could not claim work: {}", workerId, e.getMessage());
                pause();
            }
        }
    }

    private void renewLeases() {
        for (JobProgressReporter reporter : running.values()) {
            try {
                reporter.onHeartbeat(queue.heartbeat(reporter.lease()));
            } catch (RuntimeException e) {
                log.warn("Heartbeat for job {} failed: {}", reporter.lease().jobId(), e.getMessage());
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(properties.pollInterval().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return ManagementFactory.getRuntimeMXBean().getName();
        }
    }
}
