package io.visprompt.model;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.Tenant;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

@RestController
@RequestMapping("/v1/models")
@Tag(name = "Models", description = "The frozen models jobs and classification can use: configured ones (every "
        + "tenant) and the tenant's uploads")
class ModelController {

    private final ModelCatalog catalog;
    private final ConfiguredModelCatalog configured;
    private final UploadedModels uploaded;

    ModelController(ModelCatalog catalog, ConfiguredModelCatalog configured, UploadedModels uploaded) {
        this.catalog = catalog;
        this.configured = configured;
        this.uploaded = uploaded;
    }

    /**
     * @param origin    {@code configured} (from the service's configuration, every tenant sees it) or
     *                  {@code uploaded} (the tenant's own)
     * @param name      the upload's name (uploaded models)
     * @param sizeBytes all stored files of an upload
     * @param files     file name to size in bytes (uploaded models)
     * @param featureMethod a classifier's TorchScript method the evaluation's linear probe is fitted on (its
     *                  {@code feature_method}); absent: the probe uses the logits
     */
    record ModelView(String id, String object, String kind, String origin, String name, int inputSize, int resize,
            Map<String, float[]> normalization, String source, List<String> labels, List<String> textTemplates,
            String featureMethod, String description, Long sizeBytes, String sha256, Map<String, Long> files,
            Instant createdAt) {

        static ModelView of(ModelDescriptor d) {
            return new ModelView(d.id(), "model", d.kind().name().toLowerCase(Locale.ROOT), "configured", null,
                    d.inputSize(), d.resize(), Map.of("mean", d.mean(), "std", d.std()), d.source(),
                    d.labels() == null || d.labels().isEmpty() ? null : d.labels(),
                    d.templates() == null || d.templates().isEmpty() ? null : d.templates(), d.featureMethod(),
                    d.description(), null, null, null, null);
        }

        static ModelView of(UploadedModel m) {
            ModelDescriptor d = m.descriptor();
            return new ModelView(d.id(), "model", d.kind().name().toLowerCase(Locale.ROOT), "uploaded", m.name(),
                    d.inputSize(), d.resize(), Map.of("mean", d.mean(), "std", d.std()), d.source(),
                    d.labels() == null || d.labels().isEmpty() ? null : d.labels(),
                    d.templates() == null || d.templates().isEmpty() ? null : d.templates(), d.featureMethod(),
                    d.description(), m.sizeBytes(), m.sha256(), m.files(), m.createdAt());
        }
    }

    record ModelList(String object, List<ModelView> data) {
    }

    @GetMapping
    @Operation(summary = "List the models jobs can use: the configured ones, then the tenant's uploads (newest first)")
    ModelList list(Tenant tenant) {
        List<ModelView> views = new ArrayList<>(configured.models().stream().map(ModelView::of).toList());
        uploaded.list(tenant).forEach(m -> views.add(ModelView.of(m)));
        return new ModelList("list", views);
    }

    @GetMapping("/{id}")
    ModelView get(Tenant tenant, @PathVariable String id) {
        return configured.find(id).map(ModelView::of)
                .or(() -> uploaded.find(tenant, id).map(ModelView::of))
                .orElseThrow(() -> new UnknownModelException(id));
    }

    @Operation(summary = "Upload a TorchScript model", description = """
            Parts: `file` (the TorchScript model: a classifier, or CLIP's image encoder), `metadata` (JSON: `name`, \
            `kind` `classifier` or `clip`, `input_size`, optional `resize` (the shorter side is resized to it, then \
            centre-cropped to `input_size`; default `input_size`), `mean` and `std` (3 values each), `description`; \
            a classifier: `class_names` in output order, optional `feature_method` (an `@torch.jit.export` method \
            giving the `[N, D]` features an evaluation's linear probe is fitted on; shown as `feature_method`); clip: optional `templates`, `logit_scale`, \
            `context_length`, `pad_id`), and for clip the text side: `text_encoder` (TorchScript) plus \
            `tokenizer` (tokenizer.json), or `text_embeddings` (JSON `{"texts": [...], "embeddings": [[...]]}`).

            The service loads the model and runs one forward pass on a dummy batch of 2 images of `input_size`, \
            then a backward pass to the images. It is refused, and nothing stored, when a file is not TorchScript \
            (`not_torchscript`), fails on the stated input size or its text side does not fit its image side \
            (`metadata_mismatch`), gives another output shape than `[2, len(class_names)]` \
            (`output_shape_mismatch`), gives NaN or infinite values (`non_finite_output`), passes no gradient to \
            its input (`input_not_differentiable`), when the files exceed `visprompt.model-uploads.max-size` \
            (413 `model_too_large`, counted while reading) and when the tenant has a model of that name \
            (409 `model_name_taken`). The model belongs to the caller's tenant.""")
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<ModelView> upload(Tenant tenant, @RequestPart(name = "file", required = false) MultipartFile file,
            @RequestPart(name = "metadata", required = false) String metadata,
            @RequestPart(name = "text_encoder", required = false) MultipartFile textEncoder,
            @RequestPart(name = "tokenizer", required = false) MultipartFile tokenizer,
            @RequestPart(name = "text_embeddings", required = false) MultipartFile textEmbeddings) {
        UploadedModel model = uploaded.upload(tenant,
                new UploadedModels.Parts(metadata, file, textEncoder, tokenizer, textEmbeddings),
                configured.models().stream().map(ModelDescriptor::id).toList());
        return ResponseEntity.created(URI.create("/v1/models/" + model.id())).body(ModelView.of(model));
    }

    @Operation(summary = "Delete an uploaded model", description = "409 `model_in_use` while a queued or running job "
            + "uses it; configured models cannot be deleted (409 `model_configured`). Prompts learned on it stay, but "
            + "can no longer classify.")
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(Tenant tenant, @PathVariable String id) {
        if (configured.find(id).isPresent()) {
            throw ModelRefused.configured(id);
        }
        uploaded.delete(tenant, id);
    }
}
