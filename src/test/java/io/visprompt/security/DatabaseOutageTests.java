package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import io.visprompt.RestartablePostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The API edge during a PostgreSQL outage, on a connection pool as in production (spring.datasource.url set): a
 * PostgreSQL of its own on a fixed port and data directory, stopped and started again under the running service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "visprompt.training.workers=false",
        "spring.datasource.hikari.connection-timeout=2000",
        // the admin key stays cached through the outage, so its request reaches the controller's query
        "visprompt.security.key-cache-ttl=60s"})
@ActiveProfiles("test")
class DatabaseOutageTests {

    static final RestartablePostgres postgres = new RestartablePostgres("visprompt-outage");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", postgres::jdbcUrl);
        registry.add("spring.datasource.username", postgres::username);
    }

    @LocalServerPort
    int port;

    @Value("${visprompt.security.bootstrap-key}")
    String adminKey;

    @AfterAll
    static void stopPostgres() {
        postgres.stop();
    }

    @Test
    void anOutageIsAFast503WithRetryAfterAndNotReadyThenTheServiceRecovers() throws IOException {
        assertThat(RawHttp.send(port, "GET", "/v1/datasets", adminKey).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/actuator/health/readiness", null).status()).isEqualTo(200);

        postgres.stop();
        // a query in a controller (the admin key is cached), then a key lookup in the security filter chain
        for (String key : new String[] {adminKey, "vp_0123456789ab_" + "x".repeat(43)}) {
            Instant start = Instant.now();
            RawHttp.Response response = RawHttp.send(port, "GET", "/v1/datasets", key);
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
            assertThat(response.status()).as("%s", response).isEqualTo(503);
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
            assertThat(response.header("Retry-After")).isEqualTo("5");
            assertThat(response.json().get("code").asString()).isEqualTo("database_unavailable");
        }
        Instant start = Instant.now();
        RawHttp.Response readiness = RawHttp.send(port, "GET", "/actuator/health/readiness", null);
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(readiness.status()).as("%s", readiness).isEqualTo(503);
        assertThat(readiness.body()).contains("DOWN");
        assertThat(RawHttp.send(port, "GET", "/actuator/health/liveness", null).status())
                .as("alive: restarting the process would not help").isEqualTo(200);

        postgres.start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> RawHttp.send(port, "GET", "/v1/datasets", adminKey).status() == 200);
        assertThat(RawHttp.send(port, "GET", "/actuator/health/readiness", null).status()).isEqualTo(200);
    }
}
