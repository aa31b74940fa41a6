package io.visprompt.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

class FrozenTorchScriptTest {

    private static LoadedModel classifier;

    @BeforeAll
    static void load() {
        classifier = TorchScriptModels.openDirectory("fashion-cnn", Path.of("src/main/resources/models/fashion-cnn"));
    }

    @AfterAll
    static void close() {
        classifier.close();
    }

    @Test
    void backwardThroughTheModelGivesTheInputAGradientAndNoWeightOne() {
        List<NDArray> weights = classifier.weights();
        List<float[]> before = weights.stream().map(NDArray::toFloatArray).toList();
        int size = classifier.descriptor().inputSize();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int step = 0; step < 3; step++) {
                NDArray input = manager.randomNormal(new Shape(4, 3, size, size));
                input.setRequiresGradient(true);
                NDArray logits = classifier.forward(input, true);
                NDArray loss = logits.logSoftmax(1).get(":, 0").mean().neg();
                JniUtils.backward((PtNDArray) loss, (PtNDArray) manager.ones(loss.getShape()), false, false);
                assertThat(input.getGradient().abs().sum().getFloat()).isGreaterThan(0f);
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        assertThat(weights).isNotEmpty().allSatisfy(w -> {
            assertThat(w.hasGradient()).as("requires grad").isFalse();
            assertThat(JniUtils.getGradient((PtNDArray) w)).as(".grad").isNull();
        });
        List<float[]> after = weights.stream().map(NDArray::toFloatArray).toList();
        for (int i = 0; i < before.size(); i++) {
            assertThat(bits(after.get(i))).isEqualTo(bits(before.get(i)));
        }
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    @Test
    void aFeatureMethodTheModuleLacksRefusesTheModelAndWithoutOneTheProbeUsesTheLogits(
            @org.junit.jupiter.api.io.TempDir Path directory) throws java.io.IOException {
        Path fixture = Path.of("src/test/resources/fixtures/evaluation/feature-classifier");
        java.nio.file.Files.copy(fixture.resolve("model.pt"), directory.resolve("model.pt"));
        String json = java.nio.file.Files.readString(fixture.resolve("model.json"));
        java.nio.file.Files.writeString(directory.resolve("model.json"),
                json.replace("\"feature_method\": \"features\"", "\"feature_method\": \"embed\""));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TorchScriptModels.openDirectory("bad", directory))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("feature_method 'embed' is not a method").hasMessageContaining("features");

        assertThat(classifier.probeFeatureSource()).isEqualTo("logits");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            int size = classifier.descriptor().inputSize();
            NDArray images = manager.randomNormal(new Shape(2, 3, size, size));
            assertThat(classifier.probeFeatures(images).toFloatArray())
                    .containsExactly(classifier.forward(images, false).toFloatArray());
        }
    }
}
