package io.visprompt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL that a test can stop and start again: the same data directory and port each time, so a
 * restart brings back the same database at the same URL, as a real server restart does.
 */
public final class RestartablePostgres {

    private final Path data;
    private final int port;
    private EmbeddedPostgres server;

    public RestartablePostgres(String name) {
        try {
            this.data = Files.createTempDirectory(name);
            try (ServerSocket socket = new ServerSocket(0)) {
                this.port = socket.getLocalPort();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    public String username() {
        return "postgres";
    }

    public synchronized void start() {
        try {
            server = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fast shutdown ({@code pg_ctl stop -m fast}): open connections are terminated. */
    public synchronized void stop() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
