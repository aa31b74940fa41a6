package io.visprompt.prompt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class JdbcPrompts implements Prompts {

    private final JdbcClient jdbc;
    private final Clock clock;

    JdbcPrompts(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Override
    public LearnedPrompt save(Tenant owner, LearnedPrompt p) {
        UUID id = p.id() != null ? p.id() : UUID.randomUUID();
        Instant created = clock.instant().truncatedTo(ChronoUnit.MICROS);
        if (p.jobId() != null) {
            // a job that saves again (a stopped trial resumed): prompts never change under an id (inference caches
            // them), so the earlier one stays as it was, as a prompt of no job, and the new one is the job's
            jdbc.sql("UPDATE prompts SET job_id = NULL WHERE job_id = :job AND tenant = :tenant")
                    .param("job", p.jobId()).param("tenant", owner.id()).update();
        }
        jdbc.sql("""
                INSERT INTO prompts (id, tenant, job_id, dataset_id, model_id, template, size, placement, height,
                                    width, prompt_values, mask, class_names, label_mapping, text_templates,
                                    validation_accuracy, zero_shot_test_accuracy, prompted_test_accuracy, created_at)
                VALUES (:id, :tenant, :job, :dataset, :model, :template, :size, :placement, :height, :width,
                        :values, :mask, :classNames, :mapping, :textTemplates,
                        :val, :zeroShot, :prompted, :created)
                """)
                .param("id", id).param("tenant", owner.id()).param("job", p.jobId()).param("dataset", p.datasetId()).param("model", p.modelId())
                .param("template", p.template()).param("size", p.size()).param("placement", p.placement())
                .param("height", p.height()).param("width", p.width())
                .param("values", FloatBytes.encode(p.values())).param("mask", FloatBytes.encode(p.mask()))
                .param("classNames", p.classNames().toArray(String[]::new))
                .param("mapping", p.labelMapping() == null ? null : Arrays.stream(p.labelMapping()).boxed().toArray(Integer[]::new))
                .param("textTemplates", p.textTemplates() == null ? null : p.textTemplates().toArray(String[]::new))
                .param("val", p.validationAccuracy()).param("zeroShot", p.zeroShotTestAccuracy())
                .param("prompted", p.promptedTestAccuracy()).param("created", Timestamp.from(created))
                .update();
        return find(owner, id).orElseThrow();
    }

    @Override
    public Optional<LearnedPrompt> find(Tenant tenant, UUID id) {
        return jdbc.sql("SELECT * FROM prompts WHERE id = :id AND tenant = :tenant").param("id", id)
                .param("tenant", tenant.id()).query(JdbcPrompts::map).optional();
    }

    /** The tenant's prompts, newest first; {@code after} is the id of the last prompt of the previous page. */
    List<LearnedPrompt> list(Tenant tenant, UUID after, int limit) {
        return jdbc.sql("""
                SELECT * FROM prompts
                 WHERE tenant = :tenant
                   AND (CAST(:after AS uuid) IS NULL
                        OR (created_at, id) < (SELECT created_at, id FROM prompts WHERE id = :after AND tenant = :tenant))
                 ORDER BY created_at DESC, id DESC LIMIT :limit
                """).param("tenant", tenant.id()).param("after", after).param("limit", limit)
                .query(JdbcPrompts::map).list();
    }

    @Override
    public Optional<LearnedPrompt> findByJob(Tenant tenant, UUID jobId) {
        return jdbc.sql("SELECT * FROM prompts WHERE job_id = :job AND tenant = :tenant").param("job", jobId)
                .param("tenant", tenant.id()).query(JdbcPrompts::map).optional();
    }

    static LearnedPrompt map(ResultSet rs, int row) throws SQLException {
        return new LearnedPrompt(rs.getObject("id", UUID.class), rs.getObject("job_id", UUID.class),
                rs.getObject("dataset_id", UUID.class), rs.getString("model_id"), rs.getString("template"),
                rs.getInt("size"), rs.getString("placement"), rs.getInt("height"), rs.getInt("width"),
                FloatBytes.decode(rs.getBytes("prompt_values")), FloatBytes.decode(rs.getBytes("mask")),
                strings(rs.getArray("class_names")), ints(rs.getArray("label_mapping")),
                strings(rs.getArray("text_templates")), (Double) rs.getObject("validation_accuracy"),
                (Double) rs.getObject("zero_shot_test_accuracy"), (Double) rs.getObject("prompted_test_accuracy"),
                rs.getTimestamp("created_at").toInstant());
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

        static byte[] encode(float[] values) {
            ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(values);
            return buffer.array();
        }

        static float[] decode(byte[] bytes) {
            float[] values = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            return values;
        }
    }
}
