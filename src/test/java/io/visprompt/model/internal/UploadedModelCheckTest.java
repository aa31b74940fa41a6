package io.visprompt.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import io.visprompt.model.ModelRefused;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks an uploaded model passes before it is stored, on the fixtures of make_upload_fixtures.py. */
class UploadedModelCheckTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/upload");
    static final List<String> TEN = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    @TempDir
    Path directory;

    private ModelRefused refusal(String fixture, int inputSize) throws IOException {
        Files.copy(FIXTURES.resolve(fixture), directory.resolve("model.pt"));
        return catchThrowableOfType(ModelRefused.class, () -> UploadedModelCheck.check(classifier(inputSize),
                directory, null));
    }

    private static ModelDescriptor classifier(int inputSize) {
        return new ModelDescriptor("upload", ModelKind.CLASSIFIER, "upload", inputSize, inputSize,
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}, TEN, List.of(), "");
    }

    @Test
    void aTorchScriptClassifierWithTheStatedOutputsPasses() throws IOException {
        Files.copy(FIXTURES.resolve("resnet-tiny.pt"), directory.resolve("model.pt"));
        UploadedModelCheck.requireTorchScript(directory.resolve("model.pt"), "file");
        assertThatCode(() -> UploadedModelCheck.check(classifier(32), directory, null)).doesNotThrowAnyException();
    }

    @Test
    void eachBrokenModelGetsItsOwnCode() throws IOException {
        assertThat(refusal("seven-outputs.pt", 32).code()).isEqualTo("output_shape_mismatch");
    }

    @Test
    void nanOutputs() throws IOException {
        assertThat(refusal("nan-output.pt", 32).code()).isEqualTo("non_finite_output");
    }

    @Test
    void detachedInput() throws IOException {
        assertThat(refusal("detached-input.pt", 32).code()).isEqualTo("input_not_differentiable");
    }

    @Test
    void inputSizeTheModelCannotTake() throws IOException {
        ModelRefused refused = refusal("fixed-input.pt", 64);
        assertThat(refused.code()).isEqualTo("metadata_mismatch");
        assertThat(refused.reason()).contains("64x64");
    }

    @Test
    void aStateDictIsNotTorchScript() {
        ModelRefused refused = catchThrowableOfType(ModelRefused.class,
                () -> UploadedModelCheck.requireTorchScript(FIXTURES.resolve("state-dict.pt"), "file"));
        assertThat(refused.code()).isEqualTo("not_torchscript");
    }
}
