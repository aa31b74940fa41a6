package io.visprompt.prompt;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.IntStream;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.CursorPage;
import io.visprompt.config.Tenant;
import io.visprompt.model.ModelCatalog;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

@RestController
@RequestMapping("/v1/prompts")
@Tag(name = "Prompts", description = "Learned prompts: metadata, picture, exact tensors, import")
class PromptController {

    static final MediaType NPY = MediaType.parseMediaType("application/x-npy");
    /**
     * The training engine's template and placement names, default first. Spelled out because the prompt module
     * cannot depend on training (training stores prompts); PromptImportNamesTests keeps them equal.
     */
    static final List<String> TEMPLATES = List.of("padding", "fixed_patch", "random_patch");
    static final List<String> PLACEMENTS = List.of("normalized", "pixel_shrink");

    private final JdbcPrompts prompts;
    private final ModelCatalog models;
    private final JsonMapper json;

    PromptController(JdbcPrompts prompts, ModelCatalog models, JsonMapper json) {
        this.prompts = prompts;
        this.models = models;
        this.json = json;
    }

    record PromptView(UUID id, String object, UUID jobId, UUID datasetId, String model, String template, int size,
            String placement, List<Integer> shape, List<String> classNames, int[] labelMapping,
            List<String> textTemplates, Double validationAccuracy, Double zeroShotTestAccuracy,
            Double promptedTestAccuracy, Instant createdAt) {

        static PromptView of(LearnedPrompt p) {
            return new PromptView(p.id(), "prompt", p.jobId(), p.datasetId(), p.modelId(), p.template(), p.size(),
                    p.placement(), List.of(3, p.height(), p.width()), p.classNames(), p.labelMapping(),
                    p.textTemplates(), p.validationAccuracy(), p.zeroShotTestAccuracy(), p.promptedTestAccuracy(),
                    p.createdAt());
        }
    }

    /** Metadata part of an import. */
    record PromptImport(String model, String template, Integer size, String placement, List<String> classNames,
            int[] labelMapping, List<String> textTemplates) {
    }

    @GetMapping
    @Operation(summary = "List prompts, newest first (cursor: limit, after)")
    CursorPage<PromptView> list(Tenant tenant, @RequestParam(required = false) String limit,
            @RequestParam(required = false) String after) {
        CursorPage.Request<UUID> page = CursorPage.Request.of(limit, after, CursorPage::uuidCursor);
        return page.page(prompts.list(tenant, page.after(), page.fetchSize()), LearnedPrompt::id).map(PromptView::of);
    }

    @GetMapping("/{id}")
    PromptView get(Tenant tenant, @PathVariable UUID id) {
        return PromptView.of(load(tenant, id));
    }

    @GetMapping(path = "/{id}/content", params = "!example")
    @Operation(summary = "The prompt as image/png (for people), application/x-npy (exact float32 [3,H,W]) or "
            + "application/octet-stream (raw little-endian float32, shape in X-Tensor-Shape)")
    ResponseEntity<byte[]> content(Tenant tenant, @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.ACCEPT, defaultValue = "image/png") String accept) {
        LearnedPrompt prompt = load(tenant, id);
        String shape = "3," + prompt.height() + "," + prompt.width();
        List<MediaType> acceptable;
        try {
            acceptable = MediaType.parseMediaTypes(accept);
        } catch (InvalidMediaTypeException e) {
            throw new ApiProblem(HttpStatus.NOT_ACCEPTABLE, "not_acceptable", "The Accept header is not a list of "
                    + "media types; ask for image/png, application/x-npy or application/octet-stream");
        }
        for (MediaType type : acceptable) {
            if (type.isCompatibleWith(MediaType.IMAGE_PNG)) {
                PromptPicture.Rendered picture = PromptPicture.render(prompt);
                return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG)
                        .header("X-Prompt-Scale", Float.toString(picture.scale())).body(picture.png());
            }
            if (type.isCompatibleWith(NPY)) {
                return ResponseEntity.ok().contentType(NPY)
                        .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"prompt-" + id + ".npy\"")
                        .header(HttpHeaders.LINK, "</v1/prompts/" + id + "/mask>; rel=\"mask\"")
                        .body(new NpyArray(new int[] {3, prompt.height(), prompt.width()}, prompt.values()).write());
            }
            if (type.isCompatibleWith(MediaType.APPLICATION_OCTET_STREAM)) {
                return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                        .header("X-Tensor-Shape", shape).header("X-Tensor-Dtype", "float32-le")
                        .body(JdbcPrompts.FloatBytes.encode(prompt.values()));
            }
        }
        throw new ApiProblem(HttpStatus.NOT_ACCEPTABLE, "not_acceptable",
                "Ask for image/png, application/x-npy or application/octet-stream");
    }

    @GetMapping(path = "/{id}/mask", produces = "application/x-npy")
    @Operation(summary = "The prompt's mask as float32 .npy [3,H,W]: 1 where the prompt has learnable pixels")
    ResponseEntity<byte[]> mask(Tenant tenant, @PathVariable UUID id) {
        LearnedPrompt prompt = load(tenant, id);
        return ResponseEntity.ok().contentType(NPY)
                .body(new NpyArray(new int[] {3, prompt.height(), prompt.width()}, prompt.mask()).write());
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Import a prompt: parts values (.npy float32 [3,H,W]), optional mask (.npy), metadata (JSON)")
    ResponseEntity<PromptView> importPrompt(Tenant tenant, @RequestPart("values") MultipartFile values,
            @RequestPart(name = "mask", required = false) MultipartFile mask,
            @RequestPart("metadata") String metadata) throws IOException {
        PromptImport meta;
        try {
            meta = json.readValue(metadata, PromptImport.class);
        } catch (JacksonException e) {
            throw ApiProblem.invalidField("metadata", "not valid JSON: " + e.getOriginalMessage());
        }
        if (meta.model() == null) {
            throw ApiProblem.invalidField("metadata.model", "is required");
        }
        ModelDescriptor model = models.find(tenant, meta.model()).orElseThrow(() ->
                ApiProblem.invalidField("metadata.model", "unknown model '" + meta.model() + "'"));
        NpyArray tensor = NpyArray.read(values.getInputStream(), "values");
        int size = model.inputSize();
        requireShape(tensor, size, "values");
        for (float v : tensor.values()) {
            if (!Float.isFinite(v)) {
                throw ApiProblem.invalidField("values", "must hold only finite numbers (no NaN or infinity)");
            }
        }
        float[] maskValues;
        if (mask != null) {
            NpyArray m = NpyArray.read(mask.getInputStream(), "mask");
            requireShape(m, size, "mask");
            for (float v : m.values()) {
                if (v != 0f && v != 1f) {
                    throw ApiProblem.invalidField("mask", "must hold only 0 and 1");
                }
            }
            maskValues = m.values();
        } else {
            maskValues = new float[tensor.values().length];
            java.util.Arrays.fill(maskValues, 1f);
        }
        List<String> classes = meta.classNames();
        if (classes == null || classes.size() < 2) {
            throw ApiProblem.invalidField("metadata.class_names", "at least two class names are required");
        }
        if (classes.stream().anyMatch(c -> c == null || c.isBlank())) {
            throw ApiProblem.invalidField("metadata.class_names", "every class name must be a non-blank string");
        }
        if (meta.textTemplates() != null && meta.textTemplates().stream().anyMatch(t -> t == null || !t.contains("{}"))) {
            throw ApiProblem.invalidField("metadata.text_templates", "each template needs a {} for the class name");
        }
        String template = oneOf("metadata.template", meta.template(), TEMPLATES.get(0), TEMPLATES);
        String placement = oneOf("metadata.placement", meta.placement(), PLACEMENTS.get(0), PLACEMENTS);
        int[] mapping = null;
        List<String> textTemplates = null;
        if (model.kind() == ModelKind.CLASSIFIER) {
            mapping = meta.labelMapping() != null ? meta.labelMapping() : IntStream.range(0, classes.size()).toArray();
            int sources = model.labels() == null || model.labels().isEmpty() ? Integer.MAX_VALUE : model.labels().size();
            if (mapping.length != classes.size() || IntStream.of(mapping).distinct().count() != mapping.length
                    || IntStream.of(mapping).anyMatch(s -> s < 0 || s >= sources)) {
                throw ApiProblem.invalidField("metadata.label_mapping",
                        "needs one distinct source class in [0," + sources + ") per class name");
            }
        } else {
            textTemplates = meta.textTemplates() != null ? meta.textTemplates() : model.textTemplates();
        }
        LearnedPrompt saved = prompts.save(tenant, new LearnedPrompt(null, null, null, model.id(), template,
                meta.size() != null ? meta.size() : 0, placement, size, size, tensor.values(), maskValues,
                List.copyOf(classes), mapping, textTemplates, null, null, null, null));
        return ResponseEntity.created(URI.create("/v1/prompts/" + saved.id())).body(PromptView.of(saved));
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Delete a prompt: its metadata and its tensors in the object store. Classification stops "
            + "using it within visprompt.inference.prompt-cache-ttl")
    void delete(Tenant tenant, @PathVariable UUID id) {
        if (!prompts.delete(tenant, id)) {
            throw ApiProblem.notFound("prompt", id);
        }
    }

    private LearnedPrompt load(Tenant tenant, UUID id) {
        return prompts.find(tenant, id).orElseThrow(() -> ApiProblem.notFound("prompt", id));
    }

    private static void requireShape(NpyArray array, int size, String field) {
        int[] s = array.shape();
        if (s.length != 3 || s[0] != 3 || s[1] != size || s[2] != size) {
            throw ApiProblem.invalidField(field, "shape must be (3, " + size + ", " + size + ") for this model, not "
                    + java.util.Arrays.toString(s));
        }
    }

    private static String oneOf(String field, String value, String fallback, List<String> allowed) {
        if (value == null) {
            return fallback;
        }
        String v = value.toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw ApiProblem.invalidField(field, "must be one of " + allowed);
        }
        return v;
    }
}
