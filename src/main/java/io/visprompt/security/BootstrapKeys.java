package io.visprompt.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

import io.visprompt.config.Tenant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.StringUtils;

/**
 * Secure by default: an API process makes sure an admin key exists before it serves requests.
 * <ul>
 * <li>A key given by {@code visprompt.security.bootstrap-key} (e.g. {@code VISPROMPT_BOOTSTRAP_KEY} from a Kubernetes
 * Secret) is stored hashed if its prefix is new. A stored key with that prefix wins: it is neither re-hashed nor
 * un-revoked (a warning says so).</li>
 * <li>When the database holds no key at all, one admin key (tenant {@code default}) is generated and written to
 * {@code visprompt.security.bootstrap-key-file} (mode 600); the log names the file, never the key.</li>
 * </ul>
 * Both run under a PostgreSQL advisory lock, and a unique index allows one generated key only, so processes starting
 * together on an empty database make one key between them.
 */
@Component
@ConditionalOnBooleanProperty(name = "visprompt.api.enabled", matchIfMissing = true)
class BootstrapKeys implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(BootstrapKeys.class);
    static final String NAME = "bootstrap admin";

    private final ApiKeyStore store;
    private final ApiKeyAdministration keys;
    private final AuditLog audit;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final ApiSecurityProperties properties;

    BootstrapKeys(ApiKeyStore store, ApiKeyAdministration keys, AuditLog audit, TransactionTemplate transactions,
            Clock clock, ApiSecurityProperties properties) {
        this.store = store;
        this.keys = keys;
        this.audit = audit;
        this.transactions = transactions;
        this.clock = clock;
        this.properties = properties;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (StringUtils.hasText(properties.bootstrapKey())) {
            ensureConfigured(properties.bootstrapKey().strip());
        }
        generateIfNone();
    }

    /** Stores the configured key (hashed) unless its prefix exists; true when it was stored now. */
    boolean ensureConfigured(String key) {
        ApiKeyFormat.Parsed parsed = ApiKeyFormat.parse(key).orElseThrow(() -> new IllegalStateException(
                "visprompt.security.bootstrap-key (VISPROMPT_BOOTSTRAP_KEY) must read vp_<prefix>_<secret>: a prefix "
                        + "of 4 to 32 letters and digits and a secret of 32 to 256 characters of A-Z a-z 0-9 _ -, "
                        + "for example: echo \"vp_$(openssl rand -hex 6)_$(openssl rand -hex 32)\""));
        Boolean stored = transactions.execute(status -> {
            store.lockKeys();
            var existing = store.find(parsed.prefix());
            if (existing.isPresent()) {
                if (!ApiKeyFormat.matches(parsed.secret(), existing.get().secretSha256())) {
                    log.warn("The configured bootstrap key's prefix {} belongs to a stored key with another secret; "
                            + "the stored key is kept and the configured one will be refused", parsed.prefix());
                } else if (existing.get().revoked()) {
                    log.warn("The configured bootstrap key {} was revoked and stays revoked; configure a key with a "
                            + "new prefix to regain admin access", parsed.prefix());
                }
                return false;
            }
            store.insert(new ApiKeyStore.StoredKey(parsed.prefix(), ApiKeyFormat.sha256(parsed.secret()), NAME,
                    Tenant.DEFAULT, EnumSet.of(Scope.ADMIN), "configured", now(), null, null));
            audit.append(event(parsed.prefix(), "bootstrap_configured"));
            return true;
        });
        if (Boolean.TRUE.equals(stored)) {
            log.info("Stored the configured bootstrap admin key {} (tenant {}, hashed)", parsed.prefix(), Tenant.DEFAULT);
        }
        return Boolean.TRUE.equals(stored);
    }

    /** Generates the first admin key and writes it to the key file, when the database holds no key at all. */
    boolean generateIfNone() {
        Path file = properties.bootstrapKeyFile().toAbsolutePath().normalize();
        String prefix = transactions.execute(status -> {
            store.lockKeys();
            if (store.anyKey()) {
                return null;
            }
            ApiKeyAdministration.CreatedKey created = keys.create(NAME, Tenant.DEFAULT, EnumSet.of(Scope.ADMIN),
                    "generated");
            audit.append(event(created.stored().prefix(), "bootstrap_generated"));
            writeOwnerOnly(file, created.key()); // a failure here rolls the key back: no key nobody knows
            return created.stored().prefix();
        });
        if (prefix != null) {
            log.info("No API key existed: generated the admin key {} (tenant {}) and wrote it to {} (readable only by "
                    + "this user). Send it as \"Authorization: Bearer <key>\"; create more keys with POST /v1/api-keys.",
                    prefix, Tenant.DEFAULT, file);
        }
        return prefix != null;
    }

    private AuditLog.AuditEvent event(String prefix, String action) {
        return new AuditLog.AuditEvent(null, now(), Tenant.DEFAULT.id(), prefix, null, null, "api_key", prefix, action, null);
    }

    /** Writes {@code key} to {@code file} atomically, created with permissions 600 where the file system has them. */
    static void writeOwnerOnly(Path file, String key) {
        try {
            Path dir = file.getParent();
            Files.createDirectories(dir);
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
            Path temp = posix
                    ? Files.createTempFile(dir, ".admin-key", ".tmp", PosixFilePermissions.asFileAttribute(ownerOnly))
                    : Files.createTempFile(dir, ".admin-key", ".tmp");
            try {
                byte[] bytes = (key + "\n").getBytes(StandardCharsets.US_ASCII);
                Files.write(temp, bytes);
                Arrays.fill(bytes, (byte) 0);
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
                if (posix) {
                    Files.setPosixFilePermissions(file, ownerOnly);
                } else {
                    log.warn("{} is on a file system without POSIX permissions: restrict access to it yourself", file);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the bootstrap admin key to " + file
                    + " (visprompt.security.bootstrap-key-file)", e);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
