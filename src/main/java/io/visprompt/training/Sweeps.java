package io.visprompt.training;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;
import io.visprompt.dataset.DatasetSummary;
import io.visprompt.dataset.Datasets;
import io.visprompt.dataset.Split;
import io.visprompt.model.ModelCatalog;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.security.Quotas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hyperparameter sweeps whose trials are ordinary jobs of the queue. A sweep's whole state is in PostgreSQL: its plan
 * (every trial's resolved settings, fixed at creation), its trials ({@code training_jobs.sweep_id}) and ASHA's rung
 * records. {@link #advance} submits the next trials from that state alone, under a lock on the sweep's row, so any
 * process may call it at any time (a trial's end, the periodic top-up) and a restart of every process loses nothing.
 */
@Service
class Sweeps {

    private static final Logger log = LoggerFactory.getLogger(Sweeps.class);
    static final String OBJECTIVE = "validation_accuracy";
    static final int DEFAULT_ETA = 3;
    static final int DEFAULT_MIN_EPOCHS = 1;

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;
    private final TransactionTemplate transactions;
    private final JobQueue queue;
    private final ModelCatalog models;
    private final Datasets datasets;
    private final Quotas quotas;
    private final TrainingProperties properties;

    Sweeps(JdbcClient jdbc, JsonMapper json, Clock clock, TransactionTemplate transactions, JobQueue queue,
            ModelCatalog models, Datasets datasets, Quotas quotas, TrainingProperties properties) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
        this.transactions = transactions;
        this.queue = queue;
        this.models = models;
        this.datasets = datasets;
        this.quotas = quotas;
        this.properties = properties;
    }

    /** One planned trial: the settings searched, the job's resolved spec and its steps. */
    record PlannedTrial(Map<String, Object> point, TrainingJobSpec spec, long totalSteps) {
    }

    /**
     * Checks the request, fixes every trial's settings and stores the sweep, then submits its first trials, all in
     * one transaction. Each trial is resolved as a job request would be, so a sweep refuses what a job would.
     */
    UUID create(Tenant tenant, SweepRequest request) {
        return transactions.execute(tx -> {
            ModelDescriptor model = models.find(tenant, request.model()).orElseThrow(() -> new InvalidTrainingSettings(
                    "model", "unknown model '" + request.model() + "'; GET /v1/models lists the models on offer"));
            DatasetSummary dataset = datasets.reserve(tenant, request.datasetId()).orElseThrow(() ->
                    new InvalidTrainingSettings("dataset_id", "dataset " + request.datasetId() + " does not exist"));
            int trainImages = dataset.imageCounts().getOrDefault(Split.TRAIN, 0);
            if (trainImages == 0) {
                throw new InvalidTrainingSettings("dataset_id", "the dataset has no training images");
            }
            if (dataset.imageCounts().getOrDefault(Split.VAL, 0) == 0) {
                throw new InvalidTrainingSettings("dataset_id", "a sweep compares trials by validation accuracy: "
                        + "the dataset needs validation images");
            }
            String objective = request.objective() == null ? OBJECTIVE : request.objective();
            if (!OBJECTIVE.equals(objective)) {
                throw new InvalidTrainingSettings("objective", "must be " + OBJECTIVE);
            }
            if (request.hyperparameters() != null && request.hyperparameters().epochs() != null) {
                throw new InvalidTrainingSettings("hyperparameters.epochs", "a trial's epochs are max_epochs_per_trial");
            }
            String strategy = request.strategy().toLowerCase(Locale.ROOT);
            long seed = request.seed() == null ? 0L : request.seed();
            int parallelism = request.parallelism() == null ? 1 : request.parallelism();
            SweepSpace space = SweepSpace.parse(request.space());
            Integer eta = null;
            Integer minEpochs = null;
            List<Map<String, Object>> points = switch (strategy) {
                case "grid" -> {
                    if (request.asha() != null) {
                        throw new InvalidTrainingSettings("asha", "only for strategy asha");
                    }
                    long size = space.gridSize();
                    if (size != Long.MAX_VALUE && size > request.maxTrials()) {
                        throw new InvalidTrainingSettings("max_trials", "the grid has " + size
                                + " trials, more than max_trials " + request.maxTrials()
                                + "; raise it, or sample with strategy random or asha");
                    }
                    yield space.grid();
                }
                case "random" -> {
                    if (request.asha() != null) {
                        throw new InvalidTrainingSettings("asha", "only for strategy asha");
                    }
                    yield space.sample(seed, request.maxTrials());
                }
                case "asha" -> {
                    eta = request.asha() == null || request.asha().eta() == null ? DEFAULT_ETA : request.asha().eta();
                    minEpochs = request.asha() == null || request.asha().minEpochs() == null ? DEFAULT_MIN_EPOCHS
                            : request.asha().minEpochs();
                    if (minEpochs >= request.maxEpochsPerTrial()) {
                        throw new InvalidTrainingSettings("asha.min_epochs", "must be below max_epochs_per_trial "
                                + request.maxEpochsPerTrial() + ", or ASHA has no rung to stop trials at");
                    }
                    yield space.sample(seed, request.maxTrials());
                }
                default -> throw new InvalidTrainingSettings("strategy", "must be one of [grid, random, asha]");
            };
            List<PlannedTrial> plan = new ArrayList<>();
            for (Map<String, Object> point : points) {
                TrainingJobSpec spec = TrainingJobDefaults.resolve(trialRequest(request, point), model, dataset,
                        request.maxEpochsPerTrial());
                plan.add(new PlannedTrial(point, spec, TrainingJobDefaults.totalSteps(trainImages,
                        spec.hyperparameters().batchSize(), spec.hyperparameters().epochs())));
            }
            UUID id = UUID.randomUUID();
            Timestamp now = now();
            jdbc.sql("""
                    INSERT INTO sweeps (id, tenant, dataset_id, model_id, space, strategy, seed, max_trials,
                                        max_epochs_per_trial, parallelism, eta, min_epochs, objective, plan, status,
                                        created_at, updated_at)
                    VALUES (:id, :tenant, :dataset, :model, CAST(:space AS jsonb), :strategy, :seed, :maxTrials,
                            :maxEpochs, :parallelism, :eta, :minEpochs, :objective, CAST(:plan AS jsonb), 'running',
                            :now, :now)
                    """).param("id", id).param("tenant", tenant.id()).param("dataset", dataset.id())
                    .param("model", model.id()).param("space", json.writeValueAsString(request.space()))
                    .param("strategy", strategy).param("seed", seed).param("maxTrials", request.maxTrials())
                    .param("maxEpochs", request.maxEpochsPerTrial()).param("parallelism", parallelism)
                    .param("eta", eta).param("minEpochs", minEpochs).param("objective", objective)
                    .param("plan", json.writeValueAsString(plan)).param("now", now).update();
            event(id, "info", "created", null, "Sweep created: " + plan.size() + " trials (" + strategy
                    + (eta == null ? "" : ", " + new AshaRungs(minEpochs, eta, request.maxEpochsPerTrial()))
                    + "), up to " + parallelism + " at a time");
            advanceLocked(id);
            return id;
        });
    }

    /** A job request for one trial: the sweep's fixed settings with the trial's searched values over them. */
    static TrainingJobRequest trialRequest(SweepRequest sweep, Map<String, Object> point) {
        var p = sweep.prompt() != null ? sweep.prompt() : new TrainingJobRequest.PromptOptions(null, null, null);
        var o = sweep.output() != null ? sweep.output() : new TrainingJobRequest.OutputOptions(null, null);
        var h = sweep.hyperparameters() != null ? sweep.hyperparameters()
                : new TrainingJobRequest.HyperparameterOptions(null, null, null, null, null, null, null, null, null);
        return new TrainingJobRequest(sweep.datasetId(), sweep.model(),
                new TrainingJobRequest.PromptOptions((String) point.getOrDefault("prompt.template", p.template()),
                        (Integer) point.getOrDefault("prompt.size", p.size()),
                        (String) point.getOrDefault("prompt.placement", p.placement())),
                new TrainingJobRequest.OutputOptions(
                        (String) point.getOrDefault("output.label_mapping", o.labelMapping()), o.textTemplates()),
                new TrainingJobRequest.HyperparameterOptions(sweep.maxEpochsPerTrial(),
                        (Integer) point.getOrDefault("hyperparameters.batch_size", h.batchSize()),
                        (Double) point.getOrDefault("hyperparameters.learning_rate", h.learningRate()), h.momentum(),
                        h.weightDecay(), h.warmupSteps(),
                        (String) point.getOrDefault("hyperparameters.optimizer", h.optimizer()), h.seed(),
                        h.checkpointEvery()),
                null);
    }

    /** Submits the sweep's next trials if it has room, and ends it once every trial has ended. Idempotent. */
    void advance(UUID sweepId) {
        transactions.executeWithoutResult(tx -> advanceLocked(sweepId));
    }

    /** The periodic top-up: every running sweep, each in its own transaction. */
    void advanceAll() {
        for (UUID id : jdbc.sql("SELECT id FROM sweeps WHERE status = 'running'").query(UUID.class).list()) {
            try {
                advance(id);
            } catch (RuntimeException e) {
                log.warn("Could not advance sweep {}: {}", id, e.getMessage());
            }
        }
    }

    /** After a job ended: its sweep, if it has one, submits the next trial. */
    void afterJobEnded(UUID jobId) {
        jdbc.sql("SELECT sweep_id FROM training_jobs WHERE id = :job AND sweep_id IS NOT NULL").param("job", jobId)
                .query(UUID.class).optional().ifPresent(this::advance);
    }

    private void advanceLocked(UUID sweepId) {
        Optional<Map<String, Object>> found = jdbc.sql("""
                SELECT tenant, dataset_id, model_id, parallelism, waiting_for_quota, jsonb_array_length(plan) AS planned,
                       eta, min_epochs, max_epochs_per_trial
                  FROM sweeps WHERE id = :id AND status = 'running' FOR UPDATE
                """).param("id", sweepId).query().listOfRows().stream().findFirst();
        if (found.isEmpty()) {
            return;
        }
        // Counted in a statement of its own, after the lock: a statement that waited for the lock still sees the
        // snapshot it started with, so counts taken with the lock would miss the trials the lock holder submitted.
        Map<String, Object> sweep = new HashMap<>(found.get());
        sweep.putAll(jdbc.sql("""
                SELECT count(*) AS submitted,
                       count(*) FILTER (WHERE status IN ('queued', 'running', 'cancelling')) AS in_flight
                  FROM training_jobs WHERE sweep_id = :id
                """).param("id", sweepId).query().singleRow());
        Tenant tenant = new Tenant((String) sweep.get("tenant"));
        int planned = ((Number) sweep.get("planned")).intValue();
        int submitted = ((Number) sweep.get("submitted")).intValue();
        int inFlight = ((Number) sweep.get("in_flight")).intValue();
        int parallelism = ((Number) sweep.get("parallelism")).intValue();
        boolean waiting = (Boolean) sweep.get("waiting_for_quota");
        int maxActive = quotas.of(tenant).concurrentJobs();
        AshaRungs asha = sweep.get("eta") == null ? null : ashaOf(sweep);
        while (inFlight < parallelism) {
            // ASHA, breadth-first: a free worker starts a new trial while any is left, then promotes a paused one
            Optional<AshaRungs.Promotion<UUID>> promotion = asha == null ? Optional.empty()
                    : asha.nextPromotion(rungResults(sweepId, null), submitted < planned);
            if (promotion.isPresent()) {
                AshaRungs.Promotion<UUID> p = promotion.get();
                JobQueue.Resume resumed = queue.resumeStopped(tenant, p.trial(), maxActive, "ASHA promoted the "
                        + "trial from epoch " + p.fromEpoch() + ": it continues from its checkpoint to epoch "
                        + p.toEpoch());
                if (resumed == JobQueue.Resume.AT_QUOTA) {
                    if (!waiting) {
                        event(sweepId, "warning", "waiting_for_quota", p.trial(), "Promoted trial waits: the tenant "
                                + "has " + maxActive + " queued or running jobs, its concurrent-jobs quota");
                        setWaiting(sweepId, true);
                    }
                    return;
                }
                int results = rungResults(sweepId, null).get(p.fromEpoch()).size();
                promote(sweepId, p, results, asha.topCount(results), "resumed");
                if (resumed == JobQueue.Resume.RESUMED) {
                    inFlight++;
                    if (waiting) {
                        setWaiting(sweepId, false);
                        waiting = false;
                    }
                }
                continue;
            }
            if (submitted >= planned) {
                break;
            }
            Map<String, Object> trial = jdbc.sql("""
                    SELECT (plan -> :i -> 'spec')::text AS spec,
                           (plan -> :i ->> 'total_steps')::bigint AS total_steps
                      FROM sweeps WHERE id = :id
                    """).param("i", submitted).param("id", sweepId).query().singleRow();
            TrainingJobSpec spec = json.readValue((String) trial.get("spec"), TrainingJobSpec.class);
            UUID jobId = UUID.randomUUID();
            Optional<UUID> job = queue.enqueue(new JobQueue.NewJob(jobId, tenant, (UUID) sweep.get("dataset_id"),
                    (String) sweep.get("model_id"), (String) trial.get("spec"), spec.hyperparameters().epochs(),
                    ((Number) trial.get("total_steps")).longValue(), properties.maxAttempts(), null, JobQueue.TRAINING,
                    sweepId, submitted), maxActive);
            if (job.isEmpty()) {
                // the trial waits (the sweep keeps it) instead of failing; the periodic top-up retries
                if (!waiting) {
                    event(sweepId, "warning", "waiting_for_quota", null, "Trial " + submitted + " waits: the tenant "
                            + "has " + maxActive + " queued or running jobs, its concurrent-jobs quota");
                    setWaiting(sweepId, true);
                }
                return;
            }
            if (waiting) {
                setWaiting(sweepId, false);
                waiting = false;
            }
            event(sweepId, "info", "trial_submitted", jobId, "Trial " + submitted + " queued as job " + jobId);
            submitted++;
            inFlight++;
        }
        if (submitted >= planned && inFlight == 0) {
            long usable = jdbc.sql("""
                    SELECT count(*) FROM training_jobs WHERE sweep_id = :id AND status IN ('succeeded', 'stopped')
                    """).param("id", sweepId).query(Long.class).single();
            String status = usable > 0 ? "succeeded" : "failed";
            Timestamp now = now();
            jdbc.sql("""
                    UPDATE sweeps SET status = :status, finished_at = :now, updated_at = :now, waiting_for_quota = false
                     WHERE id = :id
                    """).param("status", status).param("now", now).param("id", sweepId).update();
            event(sweepId, usable > 0 ? "info" : "error", status, null, usable > 0
                    ? "Sweep finished: all " + planned + " trials ended"
                    : "Sweep failed: none of its " + planned + " trials produced a prompt");
        }
    }

    private void setWaiting(UUID sweepId, boolean waiting) {
        jdbc.sql("UPDATE sweeps SET waiting_for_quota = :w, updated_at = :now WHERE id = :id").param("w", waiting)
                .param("now", now()).param("id", sweepId).update();
    }

    /**
     * Cancels the sweep and every trial of it that has not ended (queued ones at once, running ones within a step),
     * in one transaction. Empty when the tenant has no such sweep; false when it had already ended.
     */
    Optional<Boolean> cancel(Tenant tenant, UUID sweepId) {
        return transactions.execute(tx -> {
            Optional<String> status = jdbc.sql("SELECT status FROM sweeps WHERE id = :id AND tenant = :tenant FOR UPDATE")
                    .param("id", sweepId).param("tenant", tenant.id()).query(String.class).optional();
            if (status.isEmpty()) {
                return Optional.<Boolean>empty();
            }
            if (!"running".equals(status.get())) {
                return Optional.of(false);
            }
            Timestamp now = now();
            jdbc.sql("""
                    UPDATE sweeps SET status = 'cancelled', finished_at = :now, updated_at = :now,
                           waiting_for_quota = false WHERE id = :id
                    """).param("now", now).param("id", sweepId).update();
            List<UUID> trials = jdbc.sql("""
                    SELECT id FROM training_jobs WHERE sweep_id = :id AND status IN ('queued', 'running') ORDER BY id
                    """).param("id", sweepId).query(UUID.class).list();
            for (UUID trial : trials) {
                queue.requestCancel(tenant, trial);
            }
            event(sweepId, "info", "cancelled", null, "Sweep cancelled; " + trials.size() + " unfinished trial(s) "
                    + "cancelled");
            return Optional.of(true);
        });
    }

    /**
     * ASHA at a rung (breadth-first, see {@link AshaRungs}): the trial that finished {@code epoch} with
     * {@code accuracy} records its result there, then its worker, now free, takes the next job: the trial goes on
     * only if it is itself the promotion ASHA chooses; otherwise it pauses (ends as {@code stopped}, its checkpoint
     * kept) and {@link #advance}, after it ended, starts a new trial or promotes the chosen one. Taken under a lock on
     * the sweep's row and the trial's lease, in one transaction with the record and its event. Empty to go on, else
     * why the trial pauses. A repeated epoch (a resumed attempt) reuses its record and is decided again.
     *
     * @throws LeaseLost when the trial's lease is gone
     */
    Optional<String> reviewEpoch(Lease lease, int epoch, double accuracy) {
        if (!Double.isFinite(accuracy)) {
            return Optional.empty();
        }
        return transactions.execute(tx -> {
            Optional<Map<String, Object>> found = jdbc.sql("""
                    SELECT s.id, s.eta, s.min_epochs, s.max_epochs_per_trial FROM training_jobs j
                      JOIN sweeps s ON s.id = j.sweep_id
                     WHERE j.id = :job AND s.strategy = 'asha' AND s.status = 'running'
                       FOR UPDATE OF s
                    """).param("job", lease.jobId()).query().listOfRows().stream().findFirst();
            if (found.isEmpty()) {
                return Optional.<String>empty();
            }
            UUID sweepId = (UUID) found.get().get("id");
            AshaRungs asha = ashaOf(found.get());
            if (!asha.isRung(epoch)) {
                return Optional.<String>empty();
            }
            Optional<Boolean> recorded = jdbc.sql("""
                    SELECT promoted FROM sweep_rungs WHERE sweep_id = :sweep AND rung_epoch = :epoch AND job_id = :job
                    """).param("sweep", sweepId).param("epoch", epoch).param("job", lease.jobId())
                    .query(Boolean.class).optional();
            if (recorded.orElse(false)) {
                return Optional.<String>empty();
            }
            if (recorded.isEmpty()) {
                int written = jdbc.sql("""
                        INSERT INTO sweep_rungs (sweep_id, rung_epoch, job_id, validation_accuracy, promoted, recorded_at)
                        SELECT :sweep, :epoch, id, :accuracy, false, :now FROM training_jobs
                         WHERE id = :job AND lease_owner = :worker AND attempt = :attempt AND status = 'running'
                        """).param("sweep", sweepId).param("epoch", epoch).param("accuracy", accuracy)
                        .param("now", now()).param("job", lease.jobId()).param("worker", lease.worker())
                        .param("attempt", lease.attempt()).update();
                if (written == 0) {
                    throw new LeaseLost(lease);
                }
            }
            // counted after the lock, in a statement of its own (see advanceLocked)
            boolean trialsLeftToStart = jdbc.sql("""
                    SELECT (SELECT count(*) FROM training_jobs WHERE sweep_id = :sweep) < jsonb_array_length(plan)
                      FROM sweeps WHERE id = :sweep
                    """).param("sweep", sweepId).query(Boolean.class).single();
            Map<Integer, List<AshaRungs.Result<UUID>>> rungs = rungResults(sweepId, lease.jobId());
            List<AshaRungs.Result<UUID>> here = rungs.get(epoch);
            Optional<AshaRungs.Promotion<UUID>> next = asha.nextPromotion(rungs, trialsLeftToStart);
            if (next.isPresent() && next.get().trial().equals(lease.jobId())) {
                promote(sweepId, next.get(), here.size(), asha.topCount(here.size()), "goes on");
                return Optional.<String>empty();
            }
            String paused = String.format(Locale.ROOT, "ASHA: paused at epoch %d with validation accuracy %.4f: ",
                    epoch, accuracy);
            boolean inTop = asha.top(here).stream().anyMatch(r -> r.trial().equals(lease.jobId()));
            String reason;
            if (trialsLeftToStart) {
                reason = paused + "the sweep starts its remaining trials before it promotes any; it resumes this one "
                        + "from its checkpoint if it is then among the top 1/" + asha.eta() + " of this rung";
            } else if (inTop && next.isPresent()) {
                reason = paused + String.format(Locale.ROOT, "among the top %d (1/%d) of the %d result(s) at this "
                        + "rung, but a free worker first promotes job %s (epoch %d); this one follows from its "
                        + "checkpoint", asha.topCount(here.size()), asha.eta(), here.size(), next.get().trial(),
                        next.get().fromEpoch());
            } else {
                reason = paused + String.format(Locale.ROOT, "not among the top %d (1/%d) of the %d result(s) at "
                        + "this rung so far; the sweep resumes it from its checkpoint should it rise into them",
                        asha.topCount(here.size()), asha.eta(), here.size());
            }
            if (recorded.isEmpty()) {
                event(sweepId, "info", "trial_stopped", lease.jobId(), "Job " + lease.jobId() + " " + reason);
            }
            return Optional.of(reason);
        });
    }

    private static AshaRungs ashaOf(Map<String, Object> sweep) {
        return new AshaRungs(((Number) sweep.get("min_epochs")).intValue(), ((Number) sweep.get("eta")).intValue(),
                ((Number) sweep.get("max_epochs_per_trial")).intValue());
    }

    /**
     * Every rung's results in order of arrival. A result may be promoted when its trial is paused ({@code stopped})
     * or is {@code reviewing}, the running trial whose worker asks.
     */
    private Map<Integer, List<AshaRungs.Result<UUID>>> rungResults(UUID sweepId, UUID reviewing) {
        Map<Integer, List<AshaRungs.Result<UUID>>> rungs = new HashMap<>();
        jdbc.sql("""
                SELECT r.rung_epoch, r.job_id, r.validation_accuracy, r.promoted,
                       (j.status = 'stopped' OR j.id = CAST(:reviewing AS uuid)) AS promotable
                  FROM sweep_rungs r JOIN training_jobs j ON j.id = r.job_id
                 WHERE r.sweep_id = :sweep ORDER BY r.recorded_at, r.job_id
                """).param("sweep", sweepId).param("reviewing", reviewing).query((rs, row) -> {
                    rungs.computeIfAbsent(rs.getInt("rung_epoch"), e -> new ArrayList<>()).add(new AshaRungs.Result<>(
                            rs.getObject("job_id", UUID.class), rs.getDouble("validation_accuracy"),
                            rs.getBoolean("promoted"), rs.getBoolean("promotable")));
                    return null;
                }).list();
        return rungs;
    }

    private void promote(UUID sweepId, AshaRungs.Promotion<UUID> p, int results, int top, String how) {
        jdbc.sql("""
                UPDATE sweep_rungs SET promoted = true, promoted_at = :now
                 WHERE sweep_id = :sweep AND rung_epoch = :epoch AND job_id = :job
                """).param("now", now()).param("sweep", sweepId).param("epoch", p.fromEpoch())
                .param("job", p.trial()).update();
        event(sweepId, "info", "trial_promoted", p.trial(), String.format(Locale.ROOT, "Job %s %s from epoch %d to "
                + "epoch %d: among the top %d of the %d result(s) at this rung", p.trial(), how, p.fromEpoch(),
                p.toEpoch(), top, results));
    }

    private void event(UUID sweepId, String level, String type, UUID jobId, String message) {
        jdbc.sql("""
                INSERT INTO sweep_events (sweep_id, created_at, level, type, message, job_id)
                VALUES (:sweep, :now, :level, :type, :message, :job)
                """).param("sweep", sweepId).param("now", now()).param("level", level).param("type", type)
                .param("message", message).param("job", jobId).update();
    }

    private Timestamp now() {
        return Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS));
    }
}
