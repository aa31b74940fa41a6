package io.visprompt.remote;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A registered remote model as the API shows it: where the secret is read from, never the secret. */
record RemoteModelView(String id, String object, String kind, String url, String model, Map<String, Object> input,
        Map<String, Object> output, Map<String, Object> preprocessing, List<String> classNames,
        Map<String, Object> auth, Instant createdAt) {

    static RemoteModelView of(RemoteModelDefinition d) {
        Map<String, Object> preprocessing = d.mean() == null
                ? Map.of("size", d.inputSize(), "resize", d.resize(), "raw", true)
                : Map.of("size", d.inputSize(), "resize", d.resize(), "mean", d.mean(), "std", d.std());
        Map<String, Object> auth = d.authHeader() == null ? null : d.authEnv() != null
                ? Map.of("header", d.authHeader(), "env", d.authEnv())
                : Map.of("header", d.authHeader(), "file", d.authFile());
        return new RemoteModelView(d.name(), "model", "remote", d.url(), d.remoteName(),
                Map.of("name", d.inputName(), "shape", d.inputShape(), "datatype", d.inputDatatype(),
                        "layout", d.inputLayout()),
                Map.of("name", d.outputName(), "kind", d.outputKind()), preprocessing, d.classNames(), auth,
                d.createdAt());
    }
}
