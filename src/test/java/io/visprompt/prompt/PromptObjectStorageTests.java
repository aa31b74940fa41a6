package io.visprompt.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.config.Tenant;
import io.visprompt.storage.ObjectStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * Prompt tensors live in the object store (here the default filesystem store; {@link S3PromptObjectStorageTests}
 * runs the same on an S3 bucket): one object per prompt, a row without tensor bytes, the same downloads as before,
 * and neither left behind by a delete, a failed insert or a rolled-back transaction.
 */
class PromptObjectStorageTests extends PostgresIntegrationTest {

    private static final int SIDE = 32;
    private static final int FLOATS = 3 * SIDE * SIDE;

    @Autowired
    JdbcClient jdbc;
    @Autowired
    Prompts prompts;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    ObjectStore configuredStore;

    /** The store as the test sees it: the service's own one here, an independent client for S3. */
    protected ObjectStore inspected() {
        return configuredStore;
    }

    @Test
    void anImportedPromptIsOneObjectAndItsRowHoldsNoTensorBytes() throws Exception {
        float[] values = ramp(0.25f);
        float[] mask = new float[FLOATS];
        for (int i = 0; i < FLOATS; i += 3) {
            mask[i] = 1f;
        }
        byte[] npy = new NpyArray(new int[] {3, SIDE, SIDE}, values).write();
        byte[] maskNpy = new NpyArray(new int[] {3, SIDE, SIDE}, mask).write();
        UUID id = importPrompt(npy, maskNpy);

        assertThat(inspected().keys("prompts/" + id)).singleElement().asString()
                .matches("prompts/" + id + "/tensors-[0-9a-f-]{36}\\.f32");
        String key = inspected().keys("prompts/" + id).get(0);
        byte[] object = inspected().read(key);
        assertThat(object).hasSize(2 * 4 * FLOATS).isEqualTo(concat(littleEndian(values), littleEndian(mask)));
        Map<String, Object> row = jdbc.sql("""
                SELECT octet_length(prompt_values) AS value_bytes, octet_length(mask) AS mask_bytes, tensor_key,
                       tensor_bytes, tensor_sha256 FROM prompts WHERE id = ?""").param(id).query().singleRow();
        assertThat(row.get("value_bytes")).isNull();
        assertThat(row.get("mask_bytes")).isNull();
        assertThat(row.get("tensor_key")).isEqualTo(key);
        assertThat(row.get("tensor_bytes")).isEqualTo(2L * 4 * FLOATS);
        assertThat(row.get("tensor_sha256")).isEqualTo(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(object)));

        assertThat(download(id, "application/x-npy")).isEqualTo(npy);
        assertThat(http.get().uri("/v1/prompts/" + id + "/mask").retrieve().body(byte[].class)).isEqualTo(maskNpy);
        assertThat(download(id, MediaType.APPLICATION_OCTET_STREAM_VALUE)).isEqualTo(littleEndian(values));
        assertThat(download(id, MediaType.IMAGE_PNG_VALUE)).startsWith(0x89, 'P', 'N', 'G');
        assertThat(prompts.find(new Tenant("default"), id).orElseThrow().values()).containsExactly(values);
    }

    @Test
    void deletingAPromptRemovesItsRowAndItsObject() {
        UUID id = importPrompt(new NpyArray(new int[] {3, SIDE, SIDE}, ramp(1f)).write(), null);
        assertThat(inspected().keys("prompts/" + id)).hasSize(1);

        assertThat(http.delete().uri("/v1/prompts/" + id).retrieve().toBodilessEntity().getStatusCode())
                .isEqualTo(HttpStatus.NO_CONTENT);
        assertThat(jdbc.sql("SELECT count(*) FROM prompts WHERE id = ?").param(id).query(Long.class).single()).isZero();
        assertThat(inspected().keys("prompts/" + id)).isEmpty();
        assertThat(getJson("/v1/prompts/" + id).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(http.delete().uri("/v1/prompts/" + id).retrieve().toBodilessEntity().getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    void anotherTenantCannotDeleteThePrompt() {
        UUID id = importPrompt(new NpyArray(new int[] {3, SIDE, SIDE}, ramp(2f)).write(), null);
        assertThat(prompts.delete(new Tenant("someone-else-" + UUID.randomUUID()), id)).isFalse();
        assertThat(inspected().keys("prompts/" + id)).hasSize(1);
        assertThat(getJson("/v1/prompts/" + id).getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void aFailedInsertOrARolledBackTransactionLeavesNoObject() {
        Tenant tenant = new Tenant("store-" + UUID.randomUUID());
        UUID job = UUID.randomUUID();
        UUID first = UUID.randomUUID();
        prompts.save(tenant, prompt(first, job));
        List<String> firstObject = inspected().keys("prompts/" + first);
        // the id is taken: the insert fails after its own object was written, which goes again; the first stays
        assertThatThrownBy(() -> prompts.save(tenant, prompt(first, UUID.randomUUID())))
                .isInstanceOf(DuplicateKeyException.class);
        assertThat(inspected().keys("prompts/" + first)).isEqualTo(firstObject).hasSize(1);
        assertThat(prompts.find(tenant, first)).get().extracting(LearnedPrompt::jobId).isEqualTo(job);

        UUID rolledBack = UUID.randomUUID();
        new TransactionTemplate(transactions).executeWithoutResult(tx -> {
            prompts.save(tenant, prompt(rolledBack, UUID.randomUUID()));
            assertThat(inspected().keys("prompts/" + rolledBack)).hasSize(1);
            tx.setRollbackOnly();
        });
        assertThat(inspected().keys("prompts/" + rolledBack)).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM prompts WHERE id = ?").param(rolledBack)
                .query(Long.class).single()).isZero();
        assertThat(inspected().keys("prompts/" + first)).hasSize(1);
    }

    @Test
    void aRowFromBeforeTheObjectStoreIsStillReadFromItsColumns() {
        UUID id = UUID.randomUUID();
        float[] values = ramp(-0.5f);
        float[] mask = new float[FLOATS];
        java.util.Arrays.fill(mask, 1f);
        jdbc.sql("""
                INSERT INTO prompts (id, tenant, model_id, template, size, placement, height, width, prompt_values,
                                     mask, class_names, label_mapping, created_at)
                VALUES (?, 'default', 'fashion-cnn', 'padding', 4, 'normalized', ?, ?, ?, ?, ?, ?, now())
                """).params(id, SIDE, SIDE, littleEndian(values), littleEndian(mask), new String[] {"a", "b"},
                new Integer[] {0, 1}).update();

        assertThat(download(id, MediaType.APPLICATION_OCTET_STREAM_VALUE)).isEqualTo(littleEndian(values));
        assertThat(inspected().keys("prompts/" + id)).isEmpty();
        assertThat(http.delete().uri("/v1/prompts/" + id).retrieve().toBodilessEntity().getStatusCode())
                .isEqualTo(HttpStatus.NO_CONTENT);
        assertThat(jdbc.sql("SELECT count(*) FROM prompts WHERE id = ?").param(id).query(Long.class).single()).isZero();
    }

    private UUID importPrompt(byte[] npy, byte[] maskNpy) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("values", filePart(npy, "prompt.npy", MediaType.APPLICATION_OCTET_STREAM));
        if (maskNpy != null) {
            parts.add("mask", filePart(maskNpy, "mask.npy", MediaType.APPLICATION_OCTET_STREAM));
        }
        parts.add("metadata", Map.of("model", "fashion-cnn", "class_names", List.of("a", "b"), "size", 4));
        ResponseEntity<JsonNode> imported = http.post().uri("/v1/prompts").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts).retrieve().toEntity(JsonNode.class);
        assertThat(imported.getStatusCode()).as("%s", imported.getBody()).isEqualTo(HttpStatus.CREATED);
        return UUID.fromString(imported.getBody().get("id").asString());
    }

    private byte[] download(UUID id, String accept) {
        ResponseEntity<byte[]> response = http.get().uri("/v1/prompts/" + id + "/content")
                .header("Accept", accept).retrieve().toEntity(byte[].class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    private static LearnedPrompt prompt(UUID id, UUID job) {
        float[] mask = new float[FLOATS];
        java.util.Arrays.fill(mask, 1f);
        return new LearnedPrompt(id, job, null, "fashion-cnn", "padding", 4, "normalized", SIDE, SIDE, ramp(0.1f),
                mask, List.of("a", "b"), new int[] {0, 1}, null, null, null, null, null);
    }

    private static float[] ramp(float start) {
        float[] values = new float[FLOATS];
        for (int i = 0; i < FLOATS; i++) {
            values[i] = start + i / 1000f;
        }
        return values;
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
