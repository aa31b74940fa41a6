package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.unit.DataSize;

/**
 * The first admin key, against a real PostgreSQL migrated by Flyway: generated once into a file only its owner can
 * read, never logged, exactly once even when several processes start together; a configured key stored hashed.
 */
@ExtendWith(OutputCaptureExtension.class)
class BootstrapKeysTests {

    static final String CONFIGURED = "vp_k8sadmin_" + "c0nfigured-Secret_".repeat(3);

    static EmbeddedPostgres postgres;
    static DataSource dataSource;
    static JdbcClient jdbc;

    @TempDir
    Path dir;

    @BeforeAll
    static void database() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        dataSource = postgres.getPostgresDatabase();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        jdbc = JdbcClient.create(dataSource);
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void emptyKeyTable() {
        jdbc.sql("TRUNCATE api_keys, audit_events").update();
    }

    @Test
    void theFirstStartGeneratesOneAdminKeyIntoAFileOnlyItsOwnerCanRead(CapturedOutput output) throws Exception {
        Path file = dir.resolve("data/admin.key");

        assertThat(bootstrap(null, file).generateIfNone()).isTrue();

        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String key = Files.readString(file).strip();
        ApiKeyFormat.Parsed parsed = ApiKeyFormat.parse(key).orElseThrow();
        Map<String, Object> row = jdbc.sql("SELECT tenant, scopes::text AS scopes, origin, encode(secret_sha256, 'hex') AS hash "
                + "FROM api_keys").query().singleRow();
        assertThat(row).containsEntry("tenant", "default").containsEntry("scopes", "{admin}")
                .containsEntry("origin", "generated")
                .containsEntry("hash", HexFormat.of().formatHex(ApiKeyFormat.sha256(parsed.secret())));
        assertThat(output.getAll()).contains(file.toAbsolutePath().toString()).contains(parsed.prefix())
                .doesNotContain(parsed.secret()).doesNotContain(key);

        // later starts find a key and leave the file alone
        byte[] before = Files.readAllBytes(file);
        assertThat(bootstrap(null, file).generateIfNone()).isFalse();
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(jdbc.sql("SELECT count(*) FROM api_keys").query(Long.class).single()).isOne();
        assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE action = 'bootstrap_generated'").query(Long.class)
                .single()).isOne();
    }

    @Test
    void processesStartingTogetherMakeOneKeyBetweenThem() throws Exception {
        int processes = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            BootstrapKeys keys = bootstrap(null, dir.resolve("process-" + i + "/admin.key"));
            results.add(pool.submit((Callable<Boolean>) () -> {
                start.await();
                return keys.generateIfNone();
            }));
        }
        start.countDown();
        int generated = 0;
        for (Future<Boolean> result : results) {
            generated += result.get() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(generated).isOne();
        assertThat(jdbc.sql("SELECT count(*) FROM api_keys").query(Long.class).single()).isOne();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            Path file = dir.resolve("process-" + i + "/admin.key");
            if (Files.exists(file)) {
                files.add(file);
            }
        }
        assertThat(files).hasSize(1);
        String prefix = ApiKeyFormat.parse(Files.readString(files.get(0)).strip()).orElseThrow().prefix();
        assertThat(jdbc.sql("SELECT prefix FROM api_keys").query(String.class).single()).isEqualTo(prefix);
    }

    @Test
    void aConfiguredKeyIsStoredHashedOnceAndThenNoKeyIsGenerated(CapturedOutput output) {
        Path file = dir.resolve("admin.key");
        BootstrapKeys first = bootstrap(CONFIGURED, file);
        BootstrapKeys second = bootstrap(CONFIGURED, file);

        first.afterSingletonsInstantiated();
        second.afterSingletonsInstantiated();

        Map<String, Object> row = jdbc.sql("SELECT prefix, origin, row_to_json(k)::text AS json FROM api_keys k")
                .query().singleRow();
        assertThat(row).containsEntry("prefix", "k8sadmin").containsEntry("origin", "configured");
        String secret = ApiKeyFormat.parse(CONFIGURED).orElseThrow().secret();
        assertThat((String) row.get("json")).doesNotContain(secret);
        assertThat(file).doesNotExist();
        assertThat(output.getAll()).doesNotContain(secret);
    }

    @Test
    void aMalformedConfiguredKeyStopsTheStartWithoutEchoingIt() {
        String malformed = "my-admin-password-1234567890";
        assertThatThrownBy(() -> bootstrap(malformed, dir.resolve("admin.key")).afterSingletonsInstantiated())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("vp_<prefix>_<secret>")
                .hasMessageNotContaining(malformed);
        assertThat(jdbc.sql("SELECT count(*) FROM api_keys").query(Long.class).single()).isZero();
    }

    @Test
    void aKeyFileThatCannotBeWrittenLeavesNoKeyBehind() throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-directory"), "x");
        assertThatThrownBy(() -> bootstrap(null, blocker.resolve("admin.key")).generateIfNone())
                .hasMessageContaining("bootstrap-key-file");
        assertThat(jdbc.sql("SELECT count(*) FROM api_keys").query(Long.class).single()).isZero();
    }

    private static BootstrapKeys bootstrap(String configuredKey, Path file) {
        ApiSecurityProperties properties = new ApiSecurityProperties(configuredKey, file, Duration.ofSeconds(3),
                new ApiSecurityProperties.Audit(false, Duration.ofDays(90), Duration.ofHours(1), 1, 20),
                new ApiSecurityProperties.QuotaDefaults(DataSize.ofGigabytes(1), 1, 1, 1, Map.of()));
        Clock clock = Clock.systemUTC();
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        ApiKeyStore store = new ApiKeyStore(jdbc);
        ApiKeyAdministration administration = new ApiKeyAdministration(store,
                new ApiKeyAuthenticationProvider(store, clock, properties), transactions, clock);
        return new BootstrapKeys(store, administration, new AuditLog(jdbc), transactions, clock, properties);
    }
}
