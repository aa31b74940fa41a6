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
 * The Open Inference Protocol (KServe v2) over learned prompts, for serving platforms: a model is a prompt id.
 * Inputs: {@code image} (BYTES, base64 JPEG/PNG per element) or {@code pixels} (FP32 {@code [N,3,H,W]} in [0,1] at
 * the model's input size). Outputs: {@code probabilities} (FP32 {@code [N,C]}) and {@code labels} (BYTES top-1).
 */
@RestController
@RequestMapping("/v2")
@Tag(name = "Open Inference Protocol", description = "KServe v2 over learned prompts (model name = prompt id)")
class OpenInferenceController {

    private static final String PLATFORM = "visprompt_djl_pytorch";

    private final Classification classification;
    private final ServedClassifiers classifiers;

    OpenInferenceController(Classification classification, ServedClassifiers classifiers) {
        this.classification = classification;
        this.classifiers = classifiers;
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
    @Operation(summary = "Model metadata: the prompt's inputs and outputs")
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
        ServedClassifiers.Target target = target(tenant, name);
        if (request.inputs() == null || request.inputs().size() != 1) {
            throw ApiProblem.invalidField("inputs", "exactly one input, image (BYTES) or pixels (FP32)");
        }
        Tensor input = request.inputs().get(0);
        List<Classification.Result> results;
        if ("BYTES".equals(input.datatype())) {
            List<BufferedImage> images = new ArrayList<>();
            for (Object element : data(input)) {
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
        return new InferResponse(name, "1", request.id(), List.of(
                new Tensor("probabilities", List.of(n, (long) classes), "FP32", null, probabilities),
                new Tensor("labels", List.of(n), "BYTES", null, labels)));
    }

    private ServedClassifiers.Target target(Tenant tenant, String name) {
        UUID id;
        try {
            id = UUID.fromString(name);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.notFound("prompt", name);
        }
        return classifiers.forPrompt(tenant, id, true);
    }

    private static List<Object> data(Tensor input) {
        if (input.data() == null || input.data().isEmpty()) {
            throw ApiProblem.invalidField("inputs[0].data", "is empty");
        }
        if (input.data().size() > 256) {
            throw ApiProblem.invalidField("inputs[0].data", "at most 256 elements per request");
        }
        return input.data();
    }

    /** FP32 {@code [N,3,H,W]} row-major (flat or nested) to channels-last images. */
    private static List<float[]> pixels(Tensor input, int size) {
        List<Long> shape = input.shape();
        if (shape == null || shape.size() != 4 || shape.get(1) != 3 || shape.get(2) != size || shape.get(3) != size) {
            throw ApiProblem.invalidField("inputs[0].shape", "must be [N, 3, " + size + ", " + size + "]");
        }
        int n = Math.toIntExact(shape.get(0));
        if (n < 1 || n > 256) {
            throw ApiProblem.invalidField("inputs[0].shape", "N must be between 1 and 256");
        }
        List<Double> flat = new ArrayList<>();
        flatten(data(input), flat);
        int plane = size * size;
        if (flat.size() != (long) n * 3 * plane) {
            throw ApiProblem.invalidField("inputs[0].data", "has " + flat.size() + " values, the shape needs " + (n * 3 * plane));
        }
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] hwc = new float[plane * 3];
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    hwc[p * 3 + c] = flat.get(i * 3 * plane + c * plane + p).floatValue();
                }
            }
            images.add(hwc);
        }
        return images;
    }

    private static void flatten(List<?> values, List<Double> into) {
        for (Object v : values) {
            if (v instanceof List<?> nested) {
                flatten(nested, into);
            } else if (v instanceof Number number) {
                into.add(number.doubleValue());
            } else {
                throw ApiProblem.invalidField("inputs[0].data", "FP32 data must be numbers");
            }
        }
    }
}
