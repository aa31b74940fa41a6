package io.visprompt.inference;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.Tenant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Open Inference Protocol (KServe v2) over learned prompts, for serving platforms: a model is a prompt id, or
 * the id of a catalog classifier (such as {@code fashion-cnn}) served bare, without a prompt, over its own labels, so
 * that one visprompt can be the remote endpoint that another learns a black-box prompt for.
 * Inputs: {@code image} (BYTES, base64 JPEG/PNG per element) or {@code pixels} (FP32 {@code [N,3,H,W]} in [0,1] at
 * the model's input size). Outputs: {@code probabilities} (FP32 {@code [N,C]}) and {@code labels} (BYTES top-1).
 */
@RestController
@RequestMapping("/v2")
@Tag(name = "Open Inference Protocol",
        description = "KServe v2 over learned prompts (model name = prompt id) and bare catalog classifiers (model id)")
class OpenInferenceController {

    private static final String PLATFORM = "visprompt_djl_pytorch";
    /** Images per request, whether sent as BYTES elements or as N of an FP32 [N,3,H,W] tensor. */
    private static final int MAX_BATCH = 256;

    private final Classification classification;
    private final ServedClassifiers classifiers;
    private final ClassifyPhases phases;

    OpenInferenceController(Classification classification, ServedClassifiers classifiers, ClassifyPhases phases) {
        this.classification = classification;
        this.classifiers = classifiers;
        this.phases = phases;
    }

    record Tensor(String name, List<Long> shape, String datatype, Map<String, Object> parameters, List<Object> data) {
    }

    record InferRequest(String id, List<Tensor> inputs, List<Map<String, Object>> outputs,
            Map<String, Object> parameters) {
    }

    record InferResponse(String modelName, String modelVersion, String id, List<Tensor> outputs) {
    }

    record TensorMetadata(String name, String datatype, List<Long> shape) {
    }

    record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
            List<TensorMetadata> outputs) {
    }

    @GetMapping("/health/live")
    Map<String, Boolean> live() {
        return Map.of("live", true);
    }

    @GetMapping("/health/ready")
    Map<String, Boolean> ready() {
        return Map.of("ready", true);
    }

    @GetMapping("/models/{name}")
    @Operation(summary = "Model metadata: the inputs and outputs of a prompt or a bare catalog classifier")
    ModelMetadata metadata(Tenant tenant, @PathVariable String name) {
        ServedClassifiers.Target target = target(tenant, name);
        long size = classification.inputSize(target);
        return new ModelMetadata(name, List.of("1"), PLATFORM,
                List.of(new TensorMetadata("image", "BYTES", List.of(-1L)),
                        new TensorMetadata("pixels", "FP32", List.of(-1L, 3L, size, size))),
                List.of(new TensorMetadata("probabilities", "FP32", List.of(-1L, (long) target.classNames().size())),
                        new TensorMetadata("labels", "BYTES", List.of(-1L))));
    }

    @GetMapping("/models/{name}/ready")
    Map<String, Object> modelReady(Tenant tenant, @PathVariable String name) {
        classification.inputSize(target(tenant, name));
        return Map.of("name", name, "ready", true);
    }

    @PostMapping("/models/{name}/infer")
    @Operation(summary = "Inference: image (BYTES, base64) or pixels (FP32 [N,3,H,W])")
    InferResponse infer(Tenant tenant, @PathVariable String name, @RequestBody InferRequest request) {
        phases.controllerEntered();
        long lookup = System.nanoTime();
        ServedClassifiers.Target target = target(tenant, name);
        phases.since(ClassifyPhases.PROMPT_LOOKUP, lookup);
        if (request.inputs() == null || request.inputs().size() != 1) {
            throw ApiProblem.invalidField("inputs", "exactly one input, image (BYTES) or pixels (FP32)");
        }
        Tensor input = request.inputs().get(0);
        List<Classification.Result> results;
        if ("BYTES".equals(input.datatype())) {
            List<BufferedImage> images = new ArrayList<>();
            for (Object element : images(input)) {
                byte[] bytes;
                try {
                    bytes = Base64.getMimeDecoder().decode(String.valueOf(element));
                } catch (IllegalArgumentException e) {
                    throw ApiProblem.invalidField("inputs[0].data", "BYTES elements must be base64 images");
                }
                images.add(classification.decode(bytes, "inputs[0].data"));
            }
            results = classification.classifyPrepared(target, images, null, 1);
        } else if ("FP32".equals(input.datatype())) {
            results = classification.classifyPrepared(target, null, pixels(input, classification.inputSize(target)), 1);
        } else {
            throw ApiProblem.invalidField("inputs[0].datatype", "must be BYTES or FP32");
        }
        int classes = target.classNames().size();
        List<Object> probabilities = new ArrayList<>();
        List<Object> labels = new ArrayList<>();
        for (Classification.Result r : results) {
            for (float p : r.probabilities()) {
                probabilities.add(p);
            }
            labels.add(r.predictions().get(0).label());
        }
        long n = results.size();
        phases.controllerAnswered();
        return new InferResponse(name, "1", request.id(), List.of(
                new Tensor("probabilities", List.of(n, (long) classes), "FP32", null, probabilities),
                new Tensor("labels", List.of(n), "BYTES", null, labels)));
    }

    /** A prompt by id; any other name is a catalog classifier served bare, over all its labels. */
    private ServedClassifiers.Target target(Tenant tenant, String name) {
        UUID id;
        try {
            id = UUID.fromString(name);
        } catch (IllegalArgumentException e) {
            return classifiers.forModel(tenant, name, null);
        }
        return classifiers.forPrompt(tenant, id, true);
    }

    /** BYTES: one base64 image per element, at most {@link #MAX_BATCH}. */
    private static List<Object> images(Tensor input) {
        if (input.data() == null || input.data().isEmpty()) {
            throw ApiProblem.invalidField("inputs[0].data", "is empty");
        }
        if (input.data().size() > MAX_BATCH) {
            throw ApiProblem.invalidField("inputs[0].data", "at most " + MAX_BATCH + " images per request");
        }
        return input.data();
    }

    /**
     * FP32 {@code [N,3,H,W]} row-major (flat or nested) to channels-last images: N from 1 to {@link #MAX_BATCH},
     * exactly N*3*H*W values, each a finite float32.
     */
    private static List<float[]> pixels(Tensor input, int size) {
        List<Long> shape = input.shape();
        if (shape == null || shape.size() != 4 || shape.contains(null) || shape.get(1) != 3L
                || shape.get(2) != size || shape.get(3) != size) {
            throw ApiProblem.invalidField("inputs[0].shape", "must be [N, 3, " + size + ", " + size + "]");
        }
        long n = shape.get(0);
        if (n < 1 || n > MAX_BATCH) {
            throw ApiProblem.invalidField("inputs[0].shape", "N must be between 1 and " + MAX_BATCH);
        }
        if (input.data() == null || input.data().isEmpty()) {
            throw ApiProblem.invalidField("inputs[0].data", "is empty");
        }
        int plane = size * size;
        float[] flat = new float[Math.toIntExact(n * 3 * plane)];
        int count = flatten(input.data(), flat, 0);
        if (count != flat.length) {
            throw ApiProblem.invalidField("inputs[0].data", "has " + count + " values, the shape needs " + flat.length);
        }
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] hwc = new float[plane * 3];
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    hwc[p * 3 + c] = flat[i * 3 * plane + c * plane + p];
                }
            }
            images.add(hwc);
        }
        return images;
    }

    /** Writes the numbers of {@code values} (nested lists allowed) from {@code at}; returns the count, which may exceed {@code into}. */
    private static int flatten(List<?> values, float[] into, int at) {
        int next = at;
        for (Object v : values) {
            if (v instanceof List<?> nested) {
                next = flatten(nested, into, next);
            } else if (v instanceof Number number) {
                float value = number.floatValue();
                if (!Float.isFinite(value)) {
                    throw ApiProblem.invalidField("inputs[0].data", "FP32 values must be finite and within float32 range, not "
                            + number);
                }
                if (next < into.length) {
                    into[next] = value;
                }
                next++;
            } else {
                throw ApiProblem.invalidField("inputs[0].data", "FP32 data must be numbers");
            }
        }
        return next;
    }
}
