package io.visprompt.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.multipart.MultipartFile;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.config.FileTrees;
import io.visprompt.config.Tenant;
import io.visprompt.model.internal.ConfiguredModel;
import io.visprompt.model.internal.LoadedModel;
import io.visprompt.model.internal.ModelDescriptors;
import io.visprompt.model.internal.ModelMetadata;
import io.visprompt.model.internal.TorchScriptModels;
import io.visprompt.model.internal.UploadedModelCheck;
import io.visprompt.storage.ObjectStore;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Models uploaded through the API: validated in a scratch directory, then stored as objects under
 * {@code models/<id>/} with one {@code uploaded_models} row. A refused upload leaves neither. Loaded models are
 * shared like configured ones; this process keeps each until its row is gone: deleted here, or by another process,
 * which this process notices at the next lookup of the model or at its periodic check
 * ({@code visprompt.model-uploads.loaded-check-interval}), whichever comes first. A model a job still refers to
 * stays loaded until the job is finished. Listeners of {@link UploadedModelReleasing} stop using a model before it
 * is closed.
 */
@Component
class UploadedModels implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(UploadedModels.class);
    static final int MAX_NAME_LENGTH = 200;
    private static final int MAX_INPUT_SIZE = 1024;
    private static final int MAX_CLASSES = 100_000;
    static final String SOURCE = "upload";

    /** The metadata part of an upload (snake_case JSON). */
    record UploadMetadata(String name, String kind, @JsonProperty("input_size") Integer inputSize, Integer resize,
            List<Float> mean, List<Float> std, @JsonProperty("class_names") List<String> classNames,
            List<String> templates, @JsonProperty("logit_scale") Float logitScale,
            @JsonProperty("context_length") Integer contextLength, @JsonProperty("pad_id") Long padId,
            String description, @JsonProperty("feature_method") String featureMethod) {
    }

    /** The parts of an upload; the text parts only for CLIP. */
    record Parts(String metadata, MultipartFile file, MultipartFile textEncoder, MultipartFile tokenizer,
            MultipartFile textEmbeddings) {
    }

    private final JdbcClient jdbc;
    private final ObjectStore store;
    private final ObjectProvider<ModelUsage> usages;
    private final TransactionTemplate transaction;
    private final ModelUploadProperties properties;
    private final JsonMapper json;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final Map<UUID, LoadedModel> loaded = new ConcurrentHashMap<>();
    /** One validation at a time: each loads a whole model into memory. */
    private final Semaphore validations = new Semaphore(1);

    UploadedModels(JdbcClient jdbc, ObjectStore store, ObjectProvider<ModelUsage> usages,
            PlatformTransactionManager transactions, ModelUploadProperties properties, JsonMapper json, Clock clock,
            ApplicationEventPublisher events, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.events = events;
        Gauge.builder("visprompt.models.loaded", loaded, Map::size).tag("origin", "uploaded")
                .description("Uploaded models this process holds loaded (native memory)").register(meters);
        this.store = store;
        this.usages = usages;
        this.transaction = new TransactionTemplate(transactions);
        this.properties = properties;
        this.json = json;
        this.clock = clock;
    }

    static String key(UUID id, String file) {
        return "models/" + id + "/" + file;
    }

    UploadedModel upload(Tenant tenant, Parts parts, List<String> configuredIds) {
        UploadMetadata metadata = parse(parts.metadata());
        ModelKind kind = requireValid(metadata, parts);
        Path work;
        try {
            work = Files.createTempDirectory("visprompt-model-upload-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            UUID id = UUID.randomUUID();
            long limit = properties.maxSize().toBytes();
            long[] budget = {limit};
            Map<String, Long> files = new LinkedHashMap<>();
            String mainFile = kind == ModelKind.CLIP ? "image_encoder.pt" : "model.pt";
            String sha256 = copy(parts.file(), work.resolve(mainFile), budget, limit);
            files.put(mainFile, size(work.resolve(mainFile)));
            UploadedModelCheck.requireTorchScript(work.resolve(mainFile), "file");
            if (parts.textEncoder() != null) {
                copy(parts.textEncoder(), work.resolve("text_encoder.pt"), budget, limit);
                files.put("text_encoder.pt", size(work.resolve("text_encoder.pt")));
                UploadedModelCheck.requireTorchScript(work.resolve("text_encoder.pt"), "text_encoder");
                copy(parts.tokenizer(), work.resolve("tokenizer.json"), budget, limit);
                files.put("tokenizer.json", size(work.resolve("tokenizer.json")));
            }
            if (parts.textEmbeddings() != null) {
                copy(parts.textEmbeddings(), work.resolve("text_embeddings.json"), budget, limit);
                files.put("text_embeddings.json", size(work.resolve("text_embeddings.json")));
            }
            ModelMetadata stored = new ModelMetadata(kind.name().toLowerCase(Locale.ROOT), metadata.inputSize(),
                    metadata.resize(), metadata.mean(), metadata.std(), metadata.classNames(), metadata.templates(),
                    metadata.logitScale(), metadata.contextLength(), metadata.padId(), metadata.description(),
                    kind == ModelKind.CLIP ? null : metadata.featureMethod());
            byte[] modelJson = json.writeValueAsBytes(stored);
            Files.write(work.resolve(ModelMetadata.FILE_NAME), modelJson);
            files.put(ModelMetadata.FILE_NAME, (long) modelJson.length);
            ModelDescriptor descriptor = describe(id, stored);
            validate(descriptor, work, parts.textEmbeddings() == null ? null : work.resolve("text_embeddings.json"));
            if (configuredIds.contains(metadata.name())) {
                throw ModelRefused.nameTaken(metadata.name());
            }
            requireNameFree(tenant, metadata.name());
            long total = files.values().stream().mapToLong(Long::longValue).sum();
            Instant now = clock.instant();
            try {
                for (String file : files.keySet()) {
                    store.put(key(id, file), work.resolve(file));
                }
                jdbc.sql("""
                        INSERT INTO uploaded_models (id, tenant, name, kind, metadata, files, size_bytes, sha256, created_at)
                        VALUES (:id, :tenant, :name, :kind, CAST(:metadata AS jsonb), CAST(:files AS jsonb), :size,
                                :sha256, :created)
                        """).param("id", id).param("tenant", tenant.id()).param("name", metadata.name())
                        .param("kind", kind.name().toLowerCase(Locale.ROOT))
                        .param("metadata", new String(modelJson, java.nio.charset.StandardCharsets.UTF_8))
                        .param("files", json.writeValueAsString(files)).param("size", total).param("sha256", sha256)
                        .param("created", Timestamp.from(now)).update();
            } catch (RuntimeException e) {
                deleteObjectsQuietly(id);
                if (e instanceof DuplicateKeyException) {
                    throw ModelRefused.nameTaken(metadata.name());
                }
                throw e;
            }
            log.info("Tenant {} uploaded model {} ('{}', {}, {} bytes)", tenant, id, metadata.name(), kind, total);
            return new UploadedModel(id, tenant, metadata.name(), descriptor, files, total, sha256, now);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteRecursively(work);
        }
    }

    private void validate(ModelDescriptor descriptor, Path work, Path textEmbeddings) {
        validations.acquireUninterruptibly();
        try {
            UploadedModelCheck.check(descriptor, work, textEmbeddings);
        } finally {
            validations.release();
        }
    }

    private UploadMetadata parse(String metadata) {
        if (metadata == null || metadata.isBlank()) {
            throw ModelRefused.invalidField("metadata", "is required: a JSON object with name, kind, input_size, ...");
        }
        try {
            return json.readValue(metadata, UploadMetadata.class);
        } catch (JacksonException e) {
            throw ModelRefused.invalidField("metadata", "not valid JSON for this part: " + e.getOriginalMessage());
        }
    }

    /** Every rule the metadata alone can break; the file is checked against it afterwards. */
    private static ModelKind requireValid(UploadMetadata m, Parts parts) {
        if (parts.file() == null || parts.file().isEmpty()) {
            throw ModelRefused.invalidField("file", "is required: the TorchScript model (image encoder for CLIP)");
        }
        if (m.name() == null || m.name().isBlank() || m.name().length() > MAX_NAME_LENGTH
                || !m.name().strip().equals(m.name()) || m.name().chars().anyMatch(Character::isISOControl)) {
            throw ModelRefused.invalidField("metadata.name", "is required: 1 to " + MAX_NAME_LENGTH
                    + " characters without control characters or surrounding spaces");
        }
        ModelKind kind;
        if ("classifier".equals(m.kind())) {
            kind = ModelKind.CLASSIFIER;
        } else if ("clip".equals(m.kind())) {
            kind = ModelKind.CLIP;
        } else {
            throw ModelRefused.invalidField("metadata.kind", "must be classifier or clip");
        }
        if (m.inputSize() == null || m.inputSize() < 8 || m.inputSize() > MAX_INPUT_SIZE) {
            throw ModelRefused.invalidField("metadata.input_size", "is required: the square input's side in pixels, "
                    + "8 to " + MAX_INPUT_SIZE);
        }
        if (m.resize() != null && (m.resize() < m.inputSize() || m.resize() > 4 * MAX_INPUT_SIZE)) {
            throw ModelRefused.invalidField("metadata.resize", "the shorter side is resized to this before the centre "
                    + "crop: at least input_size and at most " + 4 * MAX_INPUT_SIZE);
        }
        requireChannels("metadata.mean", m.mean(), false);
        requireChannels("metadata.std", m.std(), true);
        boolean textParts = parts.textEncoder() != null || parts.tokenizer() != null || parts.textEmbeddings() != null;
        if (kind == ModelKind.CLASSIFIER) {
            List<String> names = m.classNames();
            if (names == null || names.size() < 2 || names.size() > MAX_CLASSES) {
                throw ModelRefused.invalidField("metadata.class_names", "a classifier needs its output classes' "
                        + "names, 2 to " + MAX_CLASSES + ", in output order");
            }
            if (names.stream().anyMatch(n -> n == null || n.isBlank()) || names.stream().distinct().count() != names.size()) {
                throw ModelRefused.invalidField("metadata.class_names", "must be distinct and not blank");
            }
            if (textParts) {
                throw ModelRefused.invalidField("text_encoder", "only a clip model has a text side");
            }
            if (m.templates() != null || m.logitScale() != null || m.contextLength() != null) {
                throw ModelRefused.invalidField("metadata.templates", "templates, logit_scale and context_length are "
                        + "for clip models");
            }
        } else {
            if (m.classNames() != null) {
                throw ModelRefused.invalidField("metadata.class_names", "a clip model takes its class names per job; "
                        + "give templates instead");
            }
            if ((parts.textEncoder() == null) != (parts.tokenizer() == null)) {
                throw ModelRefused.invalidField(parts.textEncoder() == null ? "text_encoder" : "tokenizer",
                        "text_encoder (TorchScript) and tokenizer (tokenizer.json) come together");
            }
            if (parts.textEncoder() == null && parts.textEmbeddings() == null) {
                throw ModelRefused.invalidField("text_encoder", "a clip model needs its text side: text_encoder and "
                        + "tokenizer, or text_embeddings");
            }
            if (m.templates() != null && (m.templates().isEmpty()
                    || m.templates().stream().anyMatch(t -> t == null || !t.contains("{}")))) {
                throw ModelRefused.invalidField("metadata.templates", "each template holds {} for the class name");
            }
            if (m.logitScale() != null && !(m.logitScale() > 0 && Float.isFinite(m.logitScale()))) {
                throw ModelRefused.invalidField("metadata.logit_scale", "must be a positive number");
            }
            if (m.contextLength() != null && (m.contextLength() < 2 || m.contextLength() > 4096)) {
                throw ModelRefused.invalidField("metadata.context_length", "must be 2 to 4096 token ids");
            }
        }
        if (m.description() != null && m.description().length() > 2000) {
            throw ModelRefused.invalidField("metadata.description", "at most 2000 characters");
        }
        return kind;
    }

    private static void requireChannels(String field, List<Float> values, boolean positive) {
        if (values == null) {
            return;
        }
        if (values.size() != 3 || values.stream().anyMatch(v -> v == null || !Float.isFinite(v) || (positive && v <= 0))) {
            throw ModelRefused.invalidField(field, "needs 3 finite values (RGB)" + (positive ? ", each above 0" : ""));
        }
    }

    private void requireNameFree(Tenant tenant, String name) {
        boolean taken = jdbc.sql("SELECT EXISTS (SELECT 1 FROM uploaded_models WHERE tenant = :tenant AND name = :name)")
                .param("tenant", tenant.id()).param("name", name).query(Boolean.class).single();
        if (taken) {
            throw ModelRefused.nameTaken(name);
        }
    }

    /** Copies a part while counting its bytes against what is left of the upload's limit; returns its SHA-256. */
    private static String copy(MultipartFile part, Path target, long[] budget, long limit) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(part.getInputStream(), digest);
                OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                budget[0] -= read;
                if (budget[0] < 0) {
                    throw ModelRefused.tooLarge(limit);
                }
                out.write(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static long size(Path file) throws IOException {
        return Files.size(file);
    }

    private static ModelDescriptor describe(UUID id, ModelMetadata metadata) {
        return ModelDescriptors.describe(ConfiguredModel.of(id.toString(), SOURCE), metadata, null);
    }

    List<UploadedModel> list(Tenant tenant) {
        return jdbc.sql("SELECT * FROM uploaded_models WHERE tenant = :tenant ORDER BY created_at DESC, id DESC")
                .param("tenant", tenant.id()).query((rs, n) -> row(rs)).list();
    }

    /**
     * The tenant's model; the row is share-locked for the caller's transaction, so a job submitted for it commits
     * before a delete can check whether a job uses it.
     */
    Optional<UploadedModel> find(Tenant tenant, String id) {
        Optional<UploadedModel> found = uuid(id).flatMap(uuid -> jdbc.sql(
                "SELECT * FROM uploaded_models WHERE id = :id AND tenant = :tenant FOR SHARE")
                .param("id", uuid).param("tenant", tenant.id()).query((rs, n) -> row(rs)).optional());
        if (found.isEmpty()) {
            // another tenant's model is not found either: only a row that is gone for everyone releases the model
            uuid(id).filter(loaded::containsKey).filter(uuid -> !exists(uuid)).ifPresent(this::releaseIfUnused);
        }
        return found;
    }

    /**
     * Any tenant's model: for references already checked when they were made (a job's or a prompt's model). A model
     * this process holds loaded whose row is gone is released.
     */
    Optional<UploadedModel> findAny(String id) {
        Optional<UploadedModel> found = uuid(id).flatMap(uuid -> jdbc.sql("SELECT * FROM uploaded_models WHERE id = :id")
                .param("id", uuid).query((rs, n) -> row(rs)).optional());
        if (found.isEmpty()) {
            uuid(id).filter(loaded::containsKey).ifPresent(this::releaseIfUnused);
        }
        return found;
    }

    private boolean exists(UUID id) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM uploaded_models WHERE id = :id)").param("id", id)
                .query(Boolean.class).single();
    }

    /** How many uploaded models this process holds loaded (also the gauge {@code visprompt.models.loaded}). */
    int loadedCount() {
        return loaded.size();
    }

    /**
     * The periodic check: frees the loaded models whose rows are gone, so that an idle process does not hold a
     * deleted model's memory until its next request. One query for all of them; nothing at all while none is loaded.
     */
    @Scheduled(initialDelayString = "${visprompt.model-uploads.loaded-check-interval:30s}",
            fixedDelayString = "${visprompt.model-uploads.loaded-check-interval:30s}")
    void releaseDeleted() {
        if (loaded.isEmpty()) {
            return;
        }
        List<UUID> held = List.copyOf(loaded.keySet());
        Set<UUID> present;
        try {
            present = Set.copyOf(jdbc.sql("SELECT id FROM uploaded_models WHERE id = ANY(CAST(:ids AS uuid[]))")
                    .param("ids", held.stream().map(UUID::toString).toArray(String[]::new)).query(UUID.class).list());
        } catch (DataAccessException e) {
            log.debug("Cannot check the loaded uploaded models now: {}", e.getMessage());
            return;
        }
        held.stream().filter(id -> !present.contains(id)).forEach(this::releaseIfUnused);
    }

    /** Releases a model whose row is gone, unless a job still refers to it (then a later check frees it). */
    private void releaseIfUnused(UUID id) {
        if (usages.orderedStream().anyMatch(usage -> usage.isInUse(id.toString()))) {
            log.debug("Uploaded model {} is deleted but a job still refers to it: kept loaded for now", id);
            return;
        }
        if (release(id)) {
            log.info("Released uploaded model {}: it was deleted (by this or another process)", id);
        }
    }

    /**
     * Drops the model from this process: listeners stop using it, then its native memory is freed. Only the caller
     * that removes it from {@link #loaded} closes it.
     */
    private boolean release(UUID id) {
        LoadedModel model = loaded.remove(id);
        if (model == null) {
            return false;
        }
        try {
            events.publishEvent(new UploadedModelReleasing(id.toString()));
        } finally {
            model.close();
        }
        return true;
    }

    /** Loads (once per process) the model's files from the store: from the local cache or the stored files. */
    FrozenModel load(String id) {
        UploadedModel model = findAny(id).orElseThrow(() -> new UnknownModelException(id));
        LoadedModel cached = loaded.get(model.id());
        if (cached != null) {
            return cached;
        }
        synchronized (this) {
            cached = loaded.get(model.id());
            if (cached != null) {
                return cached;
            }
            long started = System.nanoTime();
            Path directory = null;
            for (String file : model.files().keySet()) {
                directory = store.localFile(key(model.id(), file)).getParent();
            }
            LoadedModel opened = TorchScriptModels.open(model.descriptor(), directory);
            loaded.put(model.id(), opened);
            log.info("Loaded uploaded model {} ('{}') from the {} in {} ms", id, model.name(), store.description(),
                    (System.nanoTime() - started) / 1_000_000);
            return opened;
        }
    }

    /**
     * Refused with 409 while a job uses the model. The row is locked first (see {@link #find}); rows go first, the
     * files follow once no row points at them.
     */
    void delete(Tenant tenant, String id) {
        UUID deleted = transaction.execute(status -> {
            Optional<UUID> locked = uuid(id).flatMap(uuid -> jdbc.sql(
                    "SELECT id FROM uploaded_models WHERE id = :id AND tenant = :tenant FOR UPDATE")
                    .param("id", uuid).param("tenant", tenant.id()).query(UUID.class).optional());
            if (locked.isEmpty()) {
                throw new UnknownModelException(id);
            }
            if (usages.orderedStream().anyMatch(usage -> usage.isInUse(id))) {
                throw ModelRefused.inUse(id);
            }
            jdbc.sql("DELETE FROM uploaded_models WHERE id = :id").param("id", locked.get()).update();
            return locked.get();
        });
        release(deleted);
        deleteObjectsQuietly(deleted);
        log.info("Tenant {} deleted model {}", tenant, id);
    }

    private void deleteObjectsQuietly(UUID id) {
        try {
            store.deleteAll("models/" + id);
        } catch (RuntimeException e) {
            log.warn("Cannot delete the files of model {} from the {}: {}", id, store.description(), e.getMessage());
        }
    }

    private UploadedModel row(java.sql.ResultSet rs) throws java.sql.SQLException {
        UUID id = rs.getObject("id", UUID.class);
        ModelMetadata metadata = ModelMetadata.read(new java.io.ByteArrayInputStream(
                rs.getString("metadata").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Map<String, Long> files = new LinkedHashMap<>();
        json.readTree(rs.getString("files")).properties().forEach(e -> files.put(e.getKey(), e.getValue().asLong()));
        return new UploadedModel(id, new Tenant(rs.getString("tenant")), rs.getString("name"), describe(id, metadata),
                files, rs.getLong("size_bytes"), rs.getString("sha256"), rs.getTimestamp("created_at").toInstant());
    }

    private static Optional<UUID> uuid(String id) {
        try {
            return id == null || id.length() != 36 ? Optional.empty() : Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public void destroy() {
        loaded.values().forEach(LoadedModel::close);
        loaded.clear();
    }

    private static void deleteRecursively(Path directory) {
        try {
            FileTrees.delete(directory);
        } catch (IOException e) {
            log.warn("Cannot delete the upload's scratch directory {}: {}", directory, e.getMessage());
        }
    }
}
