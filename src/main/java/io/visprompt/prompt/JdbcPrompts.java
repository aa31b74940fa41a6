package io.visprompt.prompt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;
import io.visprompt.storage.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Prompt rows in PostgreSQL, their tensors in the object store: one object {@code prompts/<id>/tensors-<nonce>.f32}
 * holding the values and then the mask, whose key, size and SHA-256 the row keeps. Rows from before V10 still hold their
 * bytes in {@code prompt_values} and {@code mask} and are read from there.
 */
@Repository
class JdbcPrompts implements Prompts {

    private static final Logger log = LoggerFactory.getLogger(JdbcPrompts.class);

    private final JdbcClient jdbc;
    private final ObjectStore store;
    private final TransactionTemplate transaction;
    private final Clock clock;

    JdbcPrompts(JdbcClient jdbc, ObjectStore store, PlatformTransactionManager transactions, Clock clock) {
        this.jdbc = jdbc;
        this.store = store;
        this.transaction = new TransactionTemplate(transactions);
        this.clock = clock;
    }

    /**
     * A fresh key per write, never reused: a failed insert then deletes only the object it wrote, even when the
     * caller passed the id of a prompt that already exists.
     */
    static String tensorKey(UUID id) {
        return "prompts/" + id + "/tensors-" + UUID.randomUUID() + ".f32";
    }

    /**
     * The object goes first, the row after it: a row never points at a missing object. Should the insert fail, or
     * the caller's transaction roll back, the object is deleted again, so a refused or lost prompt leaves nothing.
     */
    @Override
    public LearnedPrompt save(Tenant owner, LearnedPrompt p) {
        UUID id = p.id() != null ? p.id() : UUID.randomUUID();
        Instant created = clock.instant().truncatedTo(ChronoUnit.MICROS);
        int floats = 3 * p.height() * p.width();
        if (p.values().length != floats || p.mask().length != floats) {
            throw new IllegalArgumentException("A prompt of " + p.height() + "x" + p.width() + " has " + floats
                    + " values and as many mask entries");
        }
        byte[] tensors = FloatBytes.encode(p.values(), p.mask());
        String key = tensorKey(id);
        if (p.jobId() != null) {
            // a job that saves again (a stopped trial resumed): prompts never change under an id (inference caches
            // them), so the earlier one stays as it was, as a prompt of no job, and the new one is the job's
            jdbc.sql("UPDATE prompts SET job_id = NULL WHERE job_id = :job AND tenant = :tenant")
                    .param("job", p.jobId()).param("tenant", owner.id()).update();
        }
        store.put(key, tensors);
        try {
            jdbc.sql("""
                    INSERT INTO prompts (id, tenant, job_id, dataset_id, model_id, template, size, placement, height,
                                        width, tensor_key, tensor_bytes, tensor_sha256, class_names, label_mapping,
                                        text_templates, validation_accuracy, zero_shot_test_accuracy,
                                        prompted_test_accuracy, created_at)
                    VALUES (:id, :tenant, :job, :dataset, :model, :template, :size, :placement, :height, :width,
                            :key, :bytes, :sha256, :classNames, :mapping, :textTemplates,
                            :val, :zeroShot, :prompted, :created)
                    """)
                    .param("id", id).param("tenant", owner.id()).param("job", p.jobId()).param("dataset", p.datasetId())
                    .param("model", p.modelId()).param("template", p.template()).param("size", p.size())
                    .param("placement", p.placement()).param("height", p.height()).param("width", p.width())
                    .param("key", key).param("bytes", (long) tensors.length).param("sha256", sha256(tensors))
                    .param("classNames", p.classNames().toArray(String[]::new))
                    .param("mapping", p.labelMapping() == null ? null : Arrays.stream(p.labelMapping()).boxed().toArray(Integer[]::new))
                    .param("textTemplates", p.textTemplates() == null ? null : p.textTemplates().toArray(String[]::new))
                    .param("val", p.validationAccuracy()).param("zeroShot", p.zeroShotTestAccuracy())
                    .param("prompted", p.promptedTestAccuracy()).param("created", Timestamp.from(created))
                    .update();
        } catch (RuntimeException e) {
            deleteObjectQuietly(id, key);
            throw e;
        }
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    // an unknown outcome may have committed: an orphan object is better than a row without one
                    if (status == STATUS_ROLLED_BACK) {
                        deleteObjectQuietly(id, key);
                    }
                }
            });
        }
        return new LearnedPrompt(id, p.jobId(), p.datasetId(), p.modelId(), p.template(), p.size(), p.placement(),
                p.height(), p.width(), p.values(), p.mask(), p.classNames(), p.labelMapping(), p.textTemplates(),
                p.validationAccuracy(), p.zeroShotTestAccuracy(), p.promptedTestAccuracy(), created);
    }

    @Override
    public Optional<LearnedPrompt> find(Tenant tenant, UUID id) {
        return jdbc.sql("SELECT * FROM prompts WHERE id = :id AND tenant = :tenant").param("id", id)
                .param("tenant", tenant.id()).query(this::withTensors).optional();
    }

    /**
     * The tenant's prompts, newest first, without their tensors ({@code values} and {@code mask} are null: a page
     * reads no objects); {@code after} is the id of the last prompt of the previous page.
     */
    List<LearnedPrompt> list(Tenant tenant, UUID after, int limit) {
        return jdbc.sql("""
                SELECT * FROM prompts
                 WHERE tenant = :tenant
                   AND (CAST(:after AS uuid) IS NULL
                        OR (created_at, id) < (SELECT created_at, id FROM prompts WHERE id = :after AND tenant = :tenant))
                 ORDER BY created_at DESC, id DESC LIMIT :limit
                """).param("tenant", tenant.id()).param("after", after).param("limit", limit)
                .query((rs, row) -> map(rs, null, null)).list();
    }

    @Override
    public Optional<LearnedPrompt> findByJob(Tenant tenant, UUID jobId) {
        return jdbc.sql("SELECT * FROM prompts WHERE job_id = :job AND tenant = :tenant").param("job", jobId)
                .param("tenant", tenant.id()).query(this::withTensors).optional();
    }

    /** The row goes first (in its own transaction), the object once no row points at it. */
    @Override
    public boolean delete(Tenant tenant, UUID id) {
        Optional<String> deleted = transaction.execute(status -> jdbc.sql("""
                DELETE FROM prompts WHERE id = :id AND tenant = :tenant RETURNING coalesce(tensor_key, '')
                """).param("id", id).param("tenant", tenant.id()).query(String.class).optional());
        if (deleted.isEmpty()) {
            return false;
        }
        if (!deleted.get().isEmpty()) {
            deleteObjectQuietly(id, deleted.get());
        }
        log.info("Tenant {} deleted prompt {}", tenant, id);
        return true;
    }

    private void deleteObjectQuietly(UUID id, String key) {
        try {
            store.delete(key);
        } catch (RuntimeException e) {
            log.warn("Cannot delete the tensors of prompt {} from the {}: {}", id, store.description(), e.getMessage());
        }
    }

    /** The row with its tensors: from the object store, checked against the row's size and SHA-256, or legacy bytea. */
    private LearnedPrompt withTensors(ResultSet rs, int row) throws SQLException {
        String key = rs.getString("tensor_key");
        if (key == null) {
            return map(rs, FloatBytes.decode(rs.getBytes("prompt_values")), FloatBytes.decode(rs.getBytes("mask")));
        }
        byte[] tensors = store.read(key);
        if (tensors.length != rs.getLong("tensor_bytes") || !sha256(tensors).equals(rs.getString("tensor_sha256"))) {
            throw new IllegalStateException("The tensors of prompt " + rs.getObject("id") + " in the "
                    + store.description() + " (" + key + ") do not match their row's size and SHA-256");
        }
        int floats = tensors.length / 8;
        float[] both = FloatBytes.decode(tensors);
        return map(rs, Arrays.copyOfRange(both, 0, floats), Arrays.copyOfRange(both, floats, 2 * floats));
    }

    private static LearnedPrompt map(ResultSet rs, float[] values, float[] mask) throws SQLException {
        return new LearnedPrompt(rs.getObject("id", UUID.class), rs.getObject("job_id", UUID.class),
                rs.getObject("dataset_id", UUID.class), rs.getString("model_id"), rs.getString("template"),
                rs.getInt("size"), rs.getString("placement"), rs.getInt("height"), rs.getInt("width"),
                values, mask,
                strings(rs.getArray("class_names")), ints(rs.getArray("label_mapping")),
                strings(rs.getArray("text_templates")), (Double) rs.getObject("validation_accuracy"),
                (Double) rs.getObject("zero_shot_test_accuracy"), (Double) rs.getObject("prompted_test_accuracy"),
                rs.getTimestamp("created_at").toInstant());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? null : List.of((String[]) array.getArray());
    }

    private static int[] ints(Array array) throws SQLException {
        return array == null ? null : Arrays.stream((Integer[]) array.getArray()).mapToInt(Integer::intValue).toArray();
    }

    /** Little-endian float32, the layout numpy and the tensor download use. */
    static final class FloatBytes {
        private FloatBytes() {
        }

        static byte[] encode(float[]... arrays) {
            int floats = 0;
            for (float[] a : arrays) {
                floats += a.length;
            }
            ByteBuffer buffer = ByteBuffer.allocate(floats * 4).order(ByteOrder.LITTLE_ENDIAN);
            var view = buffer.asFloatBuffer();
            for (float[] a : arrays) {
                view.put(a);
            }
            return buffer.array();
        }

        static float[] decode(byte[] bytes) {
            float[] values = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            return values;
        }
    }
}
