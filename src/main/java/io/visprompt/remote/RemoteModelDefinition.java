package io.visprompt.remote;

import java.time.Instant;
import java.util.List;

/**
 * A registered remote model as stored: where the endpoint is, its input and output tensors, the preprocessing it
 * expects and the class names of its outputs. The auth secret is not here, only where to read it.
 *
 * @param url        the endpoint's base URL ({@code http(s)://host:port}, optionally with a path prefix)
 * @param remoteName the model's name at the endpoint ({@code /v2/models/{remoteName}})
 * @param inputShape the declared input shape, {@code -1} for the batch
 * @param mean       null for raw pixels in [0,1]
 */
record RemoteModelDefinition(String name, String url, String remoteName, String inputName, List<Long> inputShape,
        String inputDatatype, String inputLayout, String outputName, String outputKind, int inputSize, int resize,
        float[] mean, float[] std, List<String> classNames, String authHeader, String authEnv, String authFile,
        Instant createdAt) {

    static final String NCHW = "NCHW";
    static final String NHWC = "NHWC";
    static final String LOGITS = "logits";
    static final String PROBABILITIES = "probabilities";

    /** What meters, failures and logs name: scheme, host and port (and path prefix), never credentials. */
    String endpoint() {
        return url;
    }

    String modelUrl() {
        return url + "/v2/models/" + remoteName;
    }
}
