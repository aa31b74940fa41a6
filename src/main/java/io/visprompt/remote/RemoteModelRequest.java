package io.visprompt.remote;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /v1/models} (JSON) registering a remote model.
 *
 * @param kind       must be {@code remote}
 * @param name       the model's name in this service (jobs name it as {@code model})
 * @param url        base URL of an Open Inference Protocol v2 REST endpoint, e.g. {@code http://kserve:8080}
 * @param model      the model's name at the endpoint ({@code /v2/models/{model}})
 * @param classNames one per output score, in output order
 */
record RemoteModelRequest(@NotBlank String kind,
        @NotBlank @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]*") String name,
        @NotBlank @Size(max = 2000) String url, @NotBlank @Size(max = 200) String model,
        @NotNull @Valid Input input, @NotNull @Valid Output output, @NotNull @Valid Preprocessing preprocessing,
        @NotEmpty @Size(max = 100000) List<@NotBlank @Size(max = 200) String> classNames, @Valid Auth auth) {

    /** {@code datatype}: FP32; {@code layout}: NCHW (default) or NHWC; {@code shape} with -1 for the batch. */
    record Input(@NotBlank String name, @NotNull @Size(min = 4, max = 4) List<Long> shape, String datatype,
            String layout) {
    }

    /** {@code kind}: logits or probabilities. */
    record Output(@NotBlank String name, @NotBlank String kind) {
    }

    /**
     * {@code size}: the square input side; {@code resize}: shorter side before the centre crop (default size);
     * {@code mean}/{@code std} per channel, or {@code raw: true} for pixels in [0,1].
     */
    record Preprocessing(@NotNull @Min(8) @Max(4096) Integer size, @Min(8) @Max(8192) Integer resize,
            @Size(min = 3, max = 3) List<Float> mean, @Size(min = 3, max = 3) List<Float> std, Boolean raw) {
    }

    /**
     * The auth header sent with every request: its {@code header} name and where its value is, an environment
     * variable ({@code env}) or a mounted secret file ({@code file}). The value itself is never accepted here.
     */
    record Auth(@NotBlank @Pattern(regexp = "[A-Za-z0-9-]+") String header, String env, String file) {
    }
}
