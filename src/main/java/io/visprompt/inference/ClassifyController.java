package io.visprompt.inference;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.Tenant;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

@RestController
@Tag(name = "Classify", description = "Classify an image with a learned prompt, or with the bare model")
class ClassifyController {

    private final Classification classification;
    private final ServedClassifiers classifiers;
    private final ClassifyPhases phases;

    ClassifyController(Classification classification, ServedClassifiers classifiers, ClassifyPhases phases) {
        this.classification = classification;
        this.classifiers = classifiers;
        this.phases = phases;
    }

    /** JSON form of a classification request; the image is base64 (JPEG or PNG). */
    record ClassifyRequest(String imageBase64, UUID promptId, String model, List<String> classNames, Integer topK,
            Boolean prompted) {
    }

    record ClassifyResponse(String object, String model, UUID promptId, boolean prompted,
            List<Classification.Prediction> predictions, double latencyMs, int batchSize) {
    }

    @PostMapping(path = "/v1/classify", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Multipart: image (file), prompt_id, or model (+ class_names) for the bare model; top_k; "
            + "prompted=false runs the prompt's task without the prompt")
    ClassifyResponse classifyMultipart(Tenant tenant, @RequestPart("image") MultipartFile image,
            @RequestParam(name = "prompt_id", required = false) UUID promptId,
            @RequestParam(name = "model", required = false) String model,
            @RequestParam(name = "class_names", required = false) List<String> classNames,
            @RequestParam(name = "top_k", defaultValue = "5") int topK,
            @RequestParam(name = "prompted", defaultValue = "true") boolean prompted) throws IOException {
        long start = System.nanoTime();
        phases.controllerEntered();
        BufferedImage decoded = classification.decode(image.getBytes(), "image");
        return classify(tenant, decoded, promptId, model, classNames, topK, prompted, start);
    }

    @PostMapping(path = "/v1/classify", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "JSON: image_base64, prompt_id or model (+ class_names), top_k, prompted")
    ClassifyResponse classifyJson(Tenant tenant, @RequestBody ClassifyRequest request) {
        long start = System.nanoTime();
        phases.controllerEntered();
        if (request.imageBase64() == null) {
            throw ApiProblem.invalidField("image_base64", "is required");
        }
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(request.imageBase64());
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalidField("image_base64", "is not valid base64");
        }
        BufferedImage decoded = classification.decode(bytes, "image_base64");
        return classify(tenant, decoded, request.promptId(), request.model(), request.classNames(),
                request.topK() == null ? 5 : request.topK(), request.prompted() == null || request.prompted(), start);
    }

    private ClassifyResponse classify(Tenant tenant, BufferedImage image, UUID promptId, String model, List<String> classNames,
            int topK, boolean prompted, long start) {
        if (topK < 1 || topK > 1000) {
            throw ApiProblem.invalidField("top_k", "must be between 1 and 1000");
        }
        ServedClassifiers.Target target;
        if (promptId != null) {
            long lookup = System.nanoTime();
            target = classifiers.forPrompt(tenant, promptId, prompted);
            phases.since(ClassifyPhases.PROMPT_LOOKUP, lookup);
            if (model != null && !model.equals(target.modelId())) {
                throw ApiProblem.invalidField("model", "prompt " + promptId + " was learned for " + target.modelId());
            }
        } else if (model != null) {
            target = classifiers.forModel(tenant, model, classNames);
        } else {
            throw ApiProblem.invalidField("prompt_id", "give a prompt_id, or a model for the unprompted model");
        }
        Classification.Result result = classification.classify(target, image, topK);
        phases.controllerAnswered();
        return new ClassifyResponse("classification", target.modelId(), target.promptId(), target.prompted(),
                result.predictions(), (System.nanoTime() - start) / 1e6, result.batchSize());
    }
}
