package io.visprompt.remote;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.visprompt.model.FrozenModel;
import io.visprompt.model.ImagePreprocessor;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A remote classifier seen as a frozen model that can only run forward: each {@link #forward} is one query to the
 * endpoint. The input (already normalized by the declared mean/std, or raw pixels) goes out as FP32 in the declared
 * layout; the output comes back as logits, or as probabilities turned into log-probabilities, whose softmax (and so
 * the training loss) is the same.
 */
final class RemoteFrozenModel implements FrozenModel {

    private static final float MIN_PROBABILITY = 1e-12f;

    private final RemoteModelDefinition definition;
    private final ModelDescriptor descriptor;
    private final ImagePreprocessor preprocessor;
    private final OipClient client;
    private final SecretSource secrets;
    private final JsonMapper json;
    private final QueryControl control;

    RemoteFrozenModel(RemoteModelDefinition definition, OipClient client, SecretSource secrets, JsonMapper json,
            QueryControl control) {
        this.definition = definition;
        this.descriptor = RemoteModels.descriptor(definition);
        this.preprocessor = ImagePreprocessor.centerCrop(descriptor.inputSize(), descriptor.resize(),
                descriptor.mean(), descriptor.std());
        this.client = client;
        this.secrets = secrets;
        this.json = json;
        this.control = control;
    }

    @Override
    public ModelDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    @Override
    public NDArray forward(NDArray images, boolean training) {
        if (training) {
            throw new IllegalArgumentException("model " + definition.name() + " is remote and answers queries only: "
                    + "train it with a black-box optimizer (spsa_gc or rgf)");
        }
        NDArray input = RemoteModelDefinition.NHWC.equals(definition.inputLayout()) ? images.transpose(0, 2, 3, 1)
                : images;
        long[] shape = input.getShape().getShape();
        // flatten copies a permuted view into logical (row-major) order, which is what the protocol's data means
        float[] data = input.flatten().toFloatArray();
        Map<String, Object> tensor = new LinkedHashMap<>();
        tensor.put("name", definition.inputName());
        tensor.put("shape", shape);
        tensor.put("datatype", definition.inputDatatype());
        tensor.put("data", data);
        Map<String, Object> request = Map.of("inputs", List.of(tensor),
                "outputs", List.of(Map.of("name", definition.outputName())));
        byte[] answer = client.infer(definition.endpoint(), definition.modelUrl() + "/infer",
                json.writeValueAsBytes(request), secrets.headers(definition), control);
        float[] scores = scores(answer, (int) shape[0]);
        NDManager manager = images.getManager();
        NDArray output = manager.create(scores, new Shape(shape[0], definition.classNames().size()));
        return PROBABILITY_OUTPUT.equals(definition.outputKind()) ? output.maximum(MIN_PROBABILITY).log() : output;
    }

    private static final String PROBABILITY_OUTPUT = RemoteModelDefinition.PROBABILITIES;

    /** The declared output of an inference answer, checked against the batch and the class count. */
    private float[] scores(byte[] answer, int batch) {
        JsonNode root;
        try {
            root = json.readTree(answer);
        } catch (RuntimeException e) {
            throw unusable("the answer is not JSON");
        }
        int classes = definition.classNames().size();
        for (JsonNode output : root.path("outputs")) {
            if (definition.outputName().equals(output.path("name").asString(null))) {
                List<Float> values = new ArrayList<>(batch * classes);
                flatten(output.path("data"), values);
                if (values.size() != batch * classes) {
                    throw unusable("output " + definition.outputName() + " has " + values.size() + " values, expected "
                            + batch + " x " + classes);
                }
                float[] scores = new float[values.size()];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = values.get(i);
                }
                return scores;
            }
        }
        throw unusable("the answer has no output named " + definition.outputName());
    }

    private static void flatten(JsonNode node, List<Float> into) {
        if (node.isArray()) {
            for (JsonNode element : node) {
                flatten(element, into);
            }
        } else if (node.isNumber()) {
            into.add(node.floatValue());
        }
    }

    private IllegalArgumentException unusable(String why) {
        return new IllegalArgumentException("The remote endpoint " + definition.endpoint() + " answered a query "
                + "with an unusable result: " + why);
    }

    @Override
    public NDArray encodeTexts(NDManager manager, List<String> texts) {
        throw new UnsupportedOperationException("a remote classifier has no text encoder");
    }

    @Override
    public float logitScale() {
        throw new UnsupportedOperationException("a remote classifier has no logit scale");
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
