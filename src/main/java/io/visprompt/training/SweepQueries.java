package io.visprompt.training;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Read side of the sweeps API; a sweep is found by id and tenant (another tenant's reads as none). */
@Repository
class SweepQueries {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final TypeReference<List<Map<String, Object>>> POINTS = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonMapper json;

    SweepQueries(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    private record Row(UUID id, UUID datasetId, String model, String strategy, String status, String objective,
            Map<String, Object> space, long seed, int maxTrials, int maxEpochs, int parallelism, Integer eta,
            Integer minEpochs, List<Map<String, Object>> points, boolean waiting, Instant created, Instant updated,
            Instant finished) {
    }

    Optional<SweepView> find(Tenant tenant, UUID id) {
        return jdbc.sql(SELECT_SWEEP + " WHERE id = :id AND tenant = :tenant").param("id", id)
                .param("tenant", tenant.id()).query(this::row).optional().map(row -> view(row, true));
    }

    /** Newest first, without leaderboards; {@code after} is the last sweep of the previous page. */
    List<SweepView> list(Tenant tenant, UUID after, int limit) {
        return jdbc.sql(SELECT_SWEEP + """
                 WHERE tenant = :tenant
                   AND (CAST(:after AS uuid) IS NULL OR (created_at, id) <
                        (SELECT created_at, id FROM sweeps WHERE id = :after AND tenant = :tenant))
                 ORDER BY created_at DESC, id DESC LIMIT :limit
                """).param("tenant", tenant.id()).param("after", after).param("limit", limit).query(this::row).list()
                .stream().map(row -> view(row, false)).toList();
    }

    boolean exists(Tenant tenant, UUID id) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM sweeps WHERE id = :id AND tenant = :tenant)")
                .param("id", id).param("tenant", tenant.id()).query(Boolean.class).single();
    }

    List<SweepView.SweepEventView> events(UUID sweepId, long afterId, int limit) {
        return jdbc.sql("""
                SELECT id, created_at, level, type, job_id, message FROM sweep_events
                 WHERE sweep_id = :sweep AND id > :after ORDER BY id LIMIT :limit
                """).param("sweep", sweepId).param("after", afterId).param("limit", limit)
                .query((rs, n) -> new SweepView.SweepEventView(rs.getLong(1), rs.getTimestamp(2).toInstant(),
                        rs.getString(3), rs.getString(4), rs.getObject(5, UUID.class), rs.getString(6)))
                .list();
    }

    private static final String SELECT_SWEEP = """
            SELECT id, dataset_id, model_id, strategy, status, objective, space::text AS space_json, seed, max_trials,
                   max_epochs_per_trial, parallelism, eta, min_epochs, jsonb_path_query_array(plan, '$[*].point')::text
                   AS points_json, waiting_for_quota, created_at, updated_at, finished_at
              FROM sweeps
            """;

    private Row row(ResultSet rs, int n) throws SQLException {
        return new Row(rs.getObject("id", UUID.class), rs.getObject("dataset_id", UUID.class),
                rs.getString("model_id"), rs.getString("strategy"), rs.getString("status"), rs.getString("objective"),
                json.readValue(rs.getString("space_json"), MAP), rs.getLong("seed"), rs.getInt("max_trials"),
                rs.getInt("max_epochs_per_trial"), rs.getInt("parallelism"), (Integer) rs.getObject("eta"),
                (Integer) rs.getObject("min_epochs"), json.readValue(rs.getString("points_json"), POINTS),
                rs.getBoolean("waiting_for_quota"), instant(rs, "created_at"), instant(rs, "updated_at"),
                instant(rs, "finished_at"));
    }

    private SweepView view(Row s, boolean withLeaderboard) {
        Map<Integer, SweepView.SweepTrial> submitted = new HashMap<>();
        jdbc.sql("""
                SELECT j.id, j.sweep_trial, j.status, j.result::text AS result_json,
                       (SELECT array_agg(m.validation_accuracy ORDER BY m.epoch) FROM training_job_metrics m
                         WHERE m.job_id = j.id) AS curve
                  FROM training_jobs j WHERE j.sweep_id = :id
                """).param("id", s.id()).query((ResultSet rs) -> {
                    int trial = rs.getInt("sweep_trial");
                    submitted.put(trial, trial(trial, rs, s.points().get(trial)));
                });
        List<SweepView.SweepTrial> trials = new ArrayList<>();
        for (int i = 0; i < s.points().size(); i++) {
            trials.add(submitted.getOrDefault(i, new SweepView.SweepTrial(i, null, "pending", s.points().get(i), null,
                    null, 0, List.of(), null, null, null)));
        }
        trials.sort(Comparator.comparing((SweepView.SweepTrial t) -> t.bestValidationAccuracy() == null ? 1 : 0)
                .thenComparing(t -> -(t.bestValidationAccuracy() == null ? 0 : t.bestValidationAccuracy()))
                .thenComparingInt(SweepView.SweepTrial::epochsUsed).thenComparingInt(SweepView.SweepTrial::trial));
        Map<String, Integer> counts = new HashMap<>();
        trials.forEach(t -> counts.merge(t.status(), 1, Integer::sum));
        int ended = counts.getOrDefault("succeeded", 0) + counts.getOrDefault("stopped", 0)
                + counts.getOrDefault("failed", 0) + counts.getOrDefault("cancelled", 0);
        SweepView.SweepProgress progress = new SweepView.SweepProgress(trials.size(), counts.getOrDefault("pending", 0),
                counts.getOrDefault("queued", 0), counts.getOrDefault("running", 0) + counts.getOrDefault("cancelling", 0),
                counts.getOrDefault("succeeded", 0), counts.getOrDefault("stopped", 0), counts.getOrDefault("failed", 0),
                counts.getOrDefault("cancelled", 0), s.waiting(),
                trials.isEmpty() ? null : Math.round(1000.0 * ended / trials.size()) / 10.0);
        long used = trials.stream().mapToLong(SweepView.SweepTrial::epochsUsed).sum();
        long full = (long) trials.size() * s.maxEpochs();
        SweepView.SweepCompute compute = new SweepView.SweepCompute(used, full, full == 0 ? 0 : (double) used / full);
        SweepView.SweepTrial best = trials.stream().filter(t -> t.promptId() != null).findFirst().orElse(null);
        SweepView.SweepAsha asha = s.eta() == null ? null : new SweepView.SweepAsha(s.eta(), s.minEpochs(),
                new AshaRungs(s.minEpochs(), s.eta(), s.maxEpochs()).rungs());
        return new SweepView(s.id(), "sweep", s.datasetId(), s.model(), s.strategy(), s.status(), s.objective(),
                s.space(), s.seed(), s.maxTrials(), s.maxEpochs(), s.parallelism(), asha, progress, compute, best,
                withLeaderboard ? trials : null, s.created(), s.updated(), s.finished());
    }

    private SweepView.SweepTrial trial(int trial, ResultSet rs, Map<String, Object> point) throws SQLException {
        Array array = rs.getArray("curve");
        List<Double> curve = new ArrayList<>();
        if (array != null) {
            for (Object v : (Object[]) array.getArray()) {
                curve.add(v == null ? null : ((Number) v).doubleValue());
            }
        }
        Double best = null;
        Integer bestEpoch = null;
        for (int e = 0; e < curve.size(); e++) {
            if (curve.get(e) != null && (best == null || curve.get(e) > best)) {
                best = curve.get(e);
                bestEpoch = e + 1;
            }
        }
        String resultJson = rs.getString("result_json");
        Map<String, Object> result = resultJson == null ? Map.of() : json.readValue(resultJson, MAP);
        Object promptId = result.get("prompt_id");
        return new SweepView.SweepTrial(trial, rs.getObject("id", UUID.class), rs.getString("status"), point, best,
                bestEpoch, curve.size(), curve, promptId == null ? null : UUID.fromString(promptId.toString()),
                result.get("prompted_test_accuracy") instanceof Number n ? n.doubleValue() : null,
                (String) result.get("stopped_reason"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
