package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.TestArchives;
import io.visprompt.VispromptApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import org.springframework.core.io.ByteArrayResource;
import tools.jackson.databind.JsonNode;

/**
 * Two service instances (two Spring contexts, each with its own worker, heartbeat, reaper and sweep top-up) on one
 * PostgreSQL run one sweep: its trials run at the same time on both, no trial is claimed twice, and when one instance
 * shuts down mid-sweep its trial resumes on the other from the checkpoint: the sweep loses no trial.
 */
class SweepTwoWorkersIT {

    private static final String ADMIN_KEY = "vp_sweepit_" + "0123456789abcdef".repeat(3);
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private EmbeddedPostgres postgres;

    @AfterEach
    void stopEverything() throws Exception {
        contexts.forEach(ConfigurableApplicationContext::close);
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void twoWorkersRunASweepsTrialsInParallelWithoutDoubleClaimsAndLoseNoneWhenOneStops() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        JdbcClient db = JdbcClient.create(postgres.getPostgresDatabase());
        String storage = Files.createTempDirectory("visprompt-sweep-it").toString();
        ConfigurableApplicationContext first = start(storage);
        start(storage);
        RestClient http = RestClient.builder().baseUrl("http://localhost:" + port(first))
                .defaultHeader("Authorization", "Bearer " + ADMIN_KEY).build();

        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", new ByteArrayResource(TestArchives.fixture("fashion-border.zip")) {
            @Override
            public String getFilename() {
                return "fashion-border.zip";
            }
        });
        String dataset = http.post().uri("/v1/datasets").contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                .retrieve().body(JsonNode.class).get("id").asString();
        JsonNode sweep = http.post().uri("/v1/sweeps").contentType(MediaType.APPLICATION_JSON).body(Map.of(
                "dataset_id", dataset, "model", "fashion-cnn", "strategy", "grid", "max_trials", 4,
                "max_epochs_per_trial", 6, "parallelism", 2,
                "space", Map.of("hyperparameters", Map.of("learning_rate", List.of(1, 2, 4, 8))),
                "hyperparameters", Map.of("batch_size", 16, "warmup_steps", 5, "checkpoint_every", 5)))
                .retrieve().body(JsonNode.class);
        UUID id = UUID.fromString(sweep.get("id").asString());

        // both instances hold a trial at once
        await().atMost(Duration.ofMinutes(3)).until(() -> db.sql("""
                SELECT count(DISTINCT regexp_replace(lease_owner, '-w[0-9]+$', '')) FROM training_jobs
                 WHERE sweep_id = :id AND status = 'running'
                """).param("id", id).query(Long.class).single() == 2);
        await().atMost(Duration.ofMinutes(2)).until(() -> db.sql("""
                SELECT count(*) FROM training_jobs j JOIN training_job_checkpoints c ON c.job_id = j.id
                 WHERE j.sweep_id = :id AND j.status = 'running'
                """).param("id", id).query(Long.class).single() == 2);
        // graceful: its worker checkpoints and gives its trial back (whichever it holds at that moment)
        first.close();
        contexts.remove(first);

        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1)).until(() -> db.sql(
                "SELECT status FROM sweeps WHERE id = :id").param("id", id).query(String.class).single(),
                status -> !status.equals("running"));
        assertThat(db.sql("SELECT status FROM sweeps WHERE id = :id").param("id", id).query(String.class).single())
                .isEqualTo("succeeded");

        List<Map<String, Object>> trials = db.sql("""
                SELECT id, status, attempt, started_at, finished_at,
                       (SELECT count(*) FROM training_job_events e WHERE e.job_id = j.id AND e.type = 'claimed') AS claims,
                       (SELECT count(*) FROM training_job_events e WHERE e.job_id = j.id AND e.type = 'released') AS releases,
                       (SELECT count(*) FROM training_job_events e WHERE e.job_id = j.id AND e.type = 'resumed'
                         AND e.message LIKE 'Resuming from the checkpoint%') AS resumes,
                       (SELECT count(*) FROM training_job_metrics m WHERE m.job_id = j.id) AS epochs
                  FROM training_jobs j WHERE sweep_id = :id ORDER BY sweep_trial
                """).param("id", id).query().listOfRows();
        assertThat(trials).hasSize(4);
        long released = 0;
        for (Map<String, Object> t : trials) {
            assertThat(t.get("status")).as("%s", t).isEqualTo("succeeded");
            assertThat(t.get("epochs")).isEqualTo(6L);
            long releases = (Long) t.get("releases");
            // a trial is claimed once, and once more after each release: never by two workers at a time
            assertThat(t.get("claims")).as("%s", t).isEqualTo(1 + releases);
            assertThat(((Number) t.get("attempt")).longValue()).isEqualTo(1 + releases);
            assertThat(t.get("resumes")).as("a released trial resumes from its checkpoint: %s", db.sql("""
                    SELECT type || ': ' || message FROM training_job_events WHERE job_id = :job ORDER BY id
                    """).param("job", t.get("id")).query(String.class).list()).isEqualTo(releases);
            released += releases;
        }
        assertThat(released).as("the stopped instance gave its trial back").isEqualTo(1);
        List<String> events = db.sql("""
                SELECT e.type FROM training_job_events e JOIN training_jobs j ON j.id = e.job_id
                 WHERE j.sweep_id = :id AND e.type IN ('claimed', 'released', 'succeeded') ORDER BY e.job_id, e.id
                """).param("id", id).query(String.class).list();
        assertThat(String.join(",", events)).doesNotContain("claimed,claimed");
        // two trials' running intervals overlap
        boolean overlap = false;
        for (Map<String, Object> a : trials) {
            for (Map<String, Object> b : trials) {
                if (a != b && ((Timestamp) a.get("started_at")).before((Timestamp) b.get("finished_at"))
                        && ((Timestamp) b.get("started_at")).before((Timestamp) a.get("finished_at"))) {
                    overlap = true;
                }
            }
        }
        assertThat(overlap).isTrue();
        assertThat(db.sql("SELECT count(*) FROM sweep_events WHERE sweep_id = :id AND type = 'trial_submitted'")
                .param("id", id).query(Long.class).single()).as("each trial submitted once").isEqualTo(4L);
    }

    private ConfigurableApplicationContext start(String storage) {
        // command-line arguments: they outrank application.yml (default properties would not)
        ConfigurableApplicationContext context = new SpringApplicationBuilder(VispromptApplication.class)
                .profiles("test")
                .run("--server.port=0",
                        "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                        "--spring.datasource.username=postgres",
                        "--visprompt.datasets.storage-dir=" + storage,
                        "--visprompt.security.bootstrap-key=" + ADMIN_KEY,
                        "--visprompt.training.workers=true",
                        "--visprompt.training.reaper=true",
                        "--visprompt.training.heartbeat-interval=1s",
                        "--visprompt.training.progress-interval=0s");
        contexts.add(context);
        return context;
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
