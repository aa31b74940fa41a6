package io.visprompt.inference;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;

import javax.imageio.ImageIO;

import io.swagger.v3.oas.annotations.Operation;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.DatasetImage;
import io.visprompt.dataset.Datasets;
import io.visprompt.dataset.Split;
import io.visprompt.model.ModelCatalog;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.prompt.LearnedPrompt;
import io.visprompt.prompt.Prompts;
import io.visprompt.training.engine.PromptPlacement;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/prompts/{id}/content?example=N}: what the model sees, for people: the N-th image of the prompt's
 * dataset (test split first), prepared exactly as for classification, with the prompt applied and shown in pixel
 * space (a normalized-space prompt is scaled back by the model's std), clipped to [0,1].
 */
@RestController
class PromptPreviewController {

    private final Prompts prompts;
    private final Datasets datasets;
    private final ModelCatalog models;
    private final ServedClassifiers classifiers;

    PromptPreviewController(Prompts prompts, Datasets datasets, ModelCatalog models, ServedClassifiers classifiers) {
        this.prompts = prompts;
        this.datasets = datasets;
        this.models = models;
        this.classifiers = classifiers;
    }

    /**
     * Only PNG is offered. Accept is checked here rather than with {@code produces}: a mismatch there is reported
     * against the other {@code /content} mapping (for requests without {@code example}) as a bare 400.
     */
    @GetMapping(path = "/v1/prompts/{id}/content", params = "example")
    @Operation(summary = "The prompt applied to a sample image of its dataset (example=N picks the N-th, from 1)")
    ResponseEntity<byte[]> example(Tenant tenant, @PathVariable UUID id, @RequestParam("example") int example,
            @RequestHeader(name = HttpHeaders.ACCEPT, defaultValue = MediaType.IMAGE_PNG_VALUE) String accept)
            throws IOException {
        LearnedPrompt prompt = prompts.find(tenant, id).orElseThrow(() -> ApiProblem.notFound("prompt", id));
        requirePngAccepted(accept);
        if (example < 1) {
            throw ApiProblem.invalidField("example", "counts from 1");
        }
        if (prompt.datasetId() == null) {
            throw new ApiProblem(HttpStatus.CONFLICT, "no_example_images", "Prompt " + id + " was imported and has no dataset");
        }
        List<DatasetImage> images = sampleImages(tenant, prompt.datasetId());
        if (images.isEmpty()) {
            throw new ApiProblem(HttpStatus.CONFLICT, "no_example_images", "The prompt's dataset no longer exists");
        }
        BufferedImage image;
        try (InputStream in = Files.newInputStream(images.get((example - 1) % images.size()).file())) {
            image = ImageIO.read(in);
        }
        float[] pixels = classifiers.batcher(classifiers.forPrompt(tenant, id, true)).classifier().prepare(image);
        ModelDescriptor model = models.find(prompt.modelId()).orElseThrow(() -> ApiProblem.notFound("model", prompt.modelId()));
        boolean normalized = PromptPlacement.fromWire(prompt.placement()) != PromptPlacement.PIXEL_SHRINK;
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(png(applied(prompt, pixels, model, normalized)));
    }

    private static void requirePngAccepted(String accept) {
        List<MediaType> acceptable;
        try {
            acceptable = MediaType.parseMediaTypes(accept);
        } catch (InvalidMediaTypeException e) {
            acceptable = List.of();
        }
        if (acceptable.stream().noneMatch(type -> type.isCompatibleWith(MediaType.IMAGE_PNG))) {
            throw new ApiProblem(HttpStatus.NOT_ACCEPTABLE, "not_acceptable",
                    "An example picture is image/png only; the exact tensor has no example form");
        }
    }

    private List<DatasetImage> sampleImages(Tenant tenant, UUID datasetId) {
        for (Split split : List.of(Split.TEST, Split.VAL, Split.TRAIN)) {
            List<DatasetImage> images = datasets.images(tenant, datasetId, split);
            if (!images.isEmpty()) {
                return images;
            }
        }
        return List.of();
    }

    private static BufferedImage applied(LearnedPrompt prompt, float[] pixelsHwc, ModelDescriptor model, boolean normalized) {
        int h = prompt.height();
        int w = prompt.width();
        int plane = h * w;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    int i = c * plane + y * w + x;
                    float delta = prompt.values()[i] * prompt.mask()[i] * (normalized ? model.std()[c] : 1f);
                    float v = Math.max(0f, Math.min(1f, pixelsHwc[(y * w + x) * 3 + c] + delta));
                    rgb = rgb << 8 | Math.round(v * 255f);
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }
}
