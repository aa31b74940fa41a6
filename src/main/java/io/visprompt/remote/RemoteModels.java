package io.visprompt.remote;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.visprompt.config.Tenant;
import io.visprompt.model.FrozenModel;
import io.visprompt.model.ModelCatalog;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The module's API: a tenant's remote models, registered after the endpoint's metadata and readiness check out,
 * described as classifiers, and opened as {@link FrozenModel}s whose forward pass is a query.
 */
@Service
public class RemoteModels {

    private final RemoteModelRepository repository;
    private final OipClient client;
    private final SecretSource secrets;
    private final ModelCatalog catalog;
    private final JsonMapper json;
    private final Clock clock;

    RemoteModels(RemoteModelRepository repository, OipClient client, SecretSource secrets, ModelCatalog catalog,
            JsonMapper json, Clock clock) {
        this.repository = repository;
        this.client = client;
        this.secrets = secrets;
        this.catalog = catalog;
        this.json = json;
        this.clock = clock;
    }

    /** The tenant's remote model of this name, described as a classifier over its class names. */
    public Optional<ModelDescriptor> find(Tenant tenant, String name) {
        return repository.find(tenant, name).map(RemoteModels::descriptor);
    }

    /**
     * The remote model as a frozen model for one user (a job): its queries stop when {@code control} says so and
     * count their retries and errors there.
     */
    public FrozenModel open(Tenant tenant, String name, QueryControl control) {
        RemoteModelDefinition definition = repository.find(tenant, name)
                .orElseThrow(() -> RemoteModelRefused.notFound(name));
        return new RemoteFrozenModel(definition, client, secrets, json, control);
    }

    List<RemoteModelDefinition> list(Tenant tenant) {
        return repository.list(tenant);
    }

    Optional<RemoteModelDefinition> definition(Tenant tenant, String name) {
        return repository.find(tenant, name);
    }

    boolean delete(Tenant tenant, String name) {
        return repository.delete(tenant, name);
    }

    RemoteModelDefinition register(Tenant tenant, RemoteModelRequest request) {
        RemoteModelDefinition definition = validate(request);
        if (catalog.find(definition.name()).isPresent()) {
            throw RemoteModelRefused.exists(definition.name());
        }
        check(definition);
        if (!repository.insert(tenant, definition)) {
            throw RemoteModelRefused.exists(definition.name());
        }
        return definition;
    }

    static ModelDescriptor descriptor(RemoteModelDefinition d) {
        float[] mean = d.mean() != null ? d.mean() : new float[] {0f, 0f, 0f};
        float[] std = d.std() != null ? d.std() : new float[] {1f, 1f, 1f};
        return new ModelDescriptor(d.name(), ModelKind.CLASSIFIER, "remote:" + d.endpoint(), d.inputSize(),
                d.resize(), mean, std, d.classNames(), List.of(), "Remote model " + d.remoteName() + " at "
                        + d.endpoint());
    }

    private RemoteModelDefinition validate(RemoteModelRequest r) {
        if (!"remote".equals(r.kind())) {
            throw RemoteModelRefused.invalidField("kind", "must be remote (a JSON registration of an Open "
                    + "Inference Protocol endpoint)");
        }
        String url = baseUrl(r.url());
        String datatype = r.input().datatype() == null ? "FP32" : r.input().datatype().toUpperCase(Locale.ROOT);
        if (!"FP32".equals(datatype)) {
            throw RemoteModelRefused.invalidField("input.datatype", "only FP32 inputs are supported");
        }
        String layout = r.input().layout() == null ? RemoteModelDefinition.NCHW
                : r.input().layout().toUpperCase(Locale.ROOT);
        if (!layout.equals(RemoteModelDefinition.NCHW) && !layout.equals(RemoteModelDefinition.NHWC)) {
            throw RemoteModelRefused.invalidField("input.layout", "must be NCHW or NHWC");
        }
        int size = r.preprocessing().size();
        List<Long> shape = r.input().shape();
        List<Long> expected = layout.equals(RemoteModelDefinition.NCHW) ? List.of(3L, (long) size, (long) size)
                : List.of((long) size, (long) size, 3L);
        if (shape.contains(null) || !shape.subList(1, 4).equals(expected) || shape.get(0) != -1L && shape.get(0) < 1) {
            throw RemoteModelRefused.invalidField("input.shape", "must be [-1, " + expected.toString()
                    .replaceAll("[\\[\\]]", "") + "] for a " + layout + " input of size " + size);
        }
        String outputKind = r.output().kind().toLowerCase(Locale.ROOT);
        if (!outputKind.equals(RemoteModelDefinition.LOGITS) && !outputKind.equals(RemoteModelDefinition.PROBABILITIES)) {
            throw RemoteModelRefused.invalidField("output.kind", "must be logits or probabilities");
        }
        var p = r.preprocessing();
        boolean raw = Boolean.TRUE.equals(p.raw());
        if (raw == (p.mean() != null || p.std() != null) || !raw && (p.mean() == null || p.std() == null)) {
            throw RemoteModelRefused.invalidField("preprocessing", "give mean and std, or raw: true");
        }
        float[] mean = raw ? null : floats(p.mean());
        float[] std = raw ? null : floats(p.std());
        if (std != null) {
            for (float s : std) {
                if (!(s > 0)) {
                    throw RemoteModelRefused.invalidField("preprocessing.std", "must be positive");
                }
            }
        }
        int resize = p.resize() != null ? p.resize() : size;
        if (resize < size) {
            throw RemoteModelRefused.invalidField("preprocessing.resize", "must be at least size");
        }
        String header = null;
        String env = null;
        String file = null;
        if (r.auth() != null) {
            header = r.auth().header();
            env = r.auth().env();
            file = r.auth().file();
            if (env == null && file == null) {
                throw RemoteModelRefused.invalidField("auth", "give env (an environment variable) or file (a mounted "
                        + "secret) holding the header's value");
            }
            secrets.checkLocation(env, file);
        }
        return new RemoteModelDefinition(r.name(), url, r.model(), r.input().name(), List.copyOf(shape), datatype,
                layout, r.output().name(), outputKind, size, resize, mean, std, List.copyOf(r.classNames()), header,
                env, file, clock.instant());
    }

    /** {@code http(s)://host[:port][/prefix]}: no credentials, query or fragment; without a trailing slash. */
    static String baseUrl(String value) {
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw RemoteModelRefused.invalidField("url", "is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw RemoteModelRefused.invalidField("url", "must be an http or https URL with a host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw RemoteModelRefused.invalidField("url", "must not carry credentials, a query or a fragment "
                    + "(send credentials with auth)");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        return scheme + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + path;
    }

    /** The endpoint's readiness and metadata against the registration. */
    private void check(RemoteModelDefinition d) {
        Map<String, String> headers = secrets.headers(d);
        OipClient.Answer metadata = get(d, d.modelUrl(), headers);
        if (metadata.status() == 404) {
            throw RemoteModelRefused.mismatch(d.endpoint(), "it has no model named " + d.remoteName());
        }
        if (metadata.status() == 401 || metadata.status() == 403) {
            throw RemoteModelRefused.notOip(d.endpoint(), "it refused the credentials (HTTP " + metadata.status() + ")");
        }
        JsonNode root;
        try {
            root = json.readTree(metadata.body());
        } catch (RuntimeException e) {
            root = null;
        }
        if (metadata.status() != 200 || root == null || !root.isObject() || !root.path("inputs").isArray()
                || !root.path("outputs").isArray()) {
            throw RemoteModelRefused.notOip(d.endpoint(), "GET /v2/models/" + d.remoteName() + " answered HTTP "
                    + metadata.status() + " without the inputs and outputs of model metadata");
        }
        JsonNode input = named(root.path("inputs"), d.inputName());
        if (input == null) {
            throw RemoteModelRefused.mismatch(d.endpoint(), "no input named " + d.inputName());
        }
        if (!d.inputDatatype().equals(input.path("datatype").asString(""))) {
            throw RemoteModelRefused.mismatch(d.endpoint(), "input " + d.inputName() + " is "
                    + input.path("datatype").asString("?") + ", not " + d.inputDatatype());
        }
        if (!compatible(input.path("shape"), d.inputShape())) {
            throw RemoteModelRefused.mismatch(d.endpoint(), "input " + d.inputName() + " has shape "
                    + input.path("shape") + ", not " + d.inputShape());
        }
        JsonNode output = named(root.path("outputs"), d.outputName());
        if (output == null) {
            throw RemoteModelRefused.mismatch(d.endpoint(), "no output named " + d.outputName());
        }
        JsonNode outputShape = output.path("shape");
        if (outputShape.isArray() && !outputShape.isEmpty()) {
            long classes = outputShape.get(outputShape.size() - 1).asLong(-1);
            if (classes != -1 && classes != d.classNames().size()) {
                throw RemoteModelRefused.mismatch(d.endpoint(), "output " + d.outputName() + " has " + classes
                        + " classes, the registration names " + d.classNames().size());
            }
        }
        OipClient.Answer ready = get(d, d.modelUrl() + "/ready", headers);
        if (ready.status() != 200) {
            throw RemoteModelRefused.notReady(d.endpoint());
        }
    }

    private OipClient.Answer get(RemoteModelDefinition d, String url, Map<String, String> headers) {
        try {
            return client.get(url, headers);
        } catch (IOException | IllegalArgumentException e) {
            throw RemoteModelRefused.unreachable(d.endpoint(), e instanceof java.net.http.HttpTimeoutException
                    ? "timed out" : "connection failed");
        }
    }

    private static JsonNode named(JsonNode tensors, String name) {
        for (JsonNode tensor : tensors) {
            if (name.equals(tensor.path("name").asString(""))) {
                return tensor;
            }
        }
        return null;
    }

    private static boolean compatible(JsonNode shape, List<Long> declared) {
        if (!shape.isArray() || shape.size() != declared.size()) {
            return false;
        }
        for (int i = 0; i < declared.size(); i++) {
            long actual = shape.get(i).asLong(Long.MIN_VALUE);
            if (actual != -1 && declared.get(i) != -1 && actual != declared.get(i)) {
                return false;
            }
        }
        return true;
    }

    private static float[] floats(List<Float> values) {
        float[] floats = new float[values.size()];
        for (int i = 0; i < floats.length; i++) {
            if (values.get(i) == null || !Float.isFinite(values.get(i))) {
                throw RemoteModelRefused.invalidField("preprocessing", "mean and std must be finite numbers");
            }
            floats[i] = values.get(i);
        }
        return floats;
    }
}
