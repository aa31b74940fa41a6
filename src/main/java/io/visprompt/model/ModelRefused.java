package io.visprompt.model;

import io.visprompt.config.DomainException;

/**
 * An uploaded model, or a change to one, is refused. Nothing is stored for a refused upload. Codes:
 * {@code invalid_field} (the metadata part; {@code errors[].field} names the member), {@code not_torchscript},
 * {@code metadata_mismatch} (the file does not do what the metadata says: it fails on the stated input size, or its
 * text side does not fit its image side), {@code output_shape_mismatch}, {@code non_finite_output},
 * {@code input_not_differentiable}, {@code model_too_large} (413), {@code model_name_taken} and {@code model_in_use}
 * (409).
 */
public final class ModelRefused extends DomainException {

    private ModelRefused(Kind kind, String code, String reason) {
        super(kind, code, reason);
    }

    private ModelRefused(String field, String reason) {
        super(field, reason);
    }

    public static ModelRefused invalidField(String field, String reason) {
        return new ModelRefused(field, reason);
    }

    public static ModelRefused notTorchScript(String part, String reason) {
        return new ModelRefused(Kind.INVALID, "not_torchscript",
                "part '" + part + "' is not a TorchScript model: " + reason);
    }

    public static ModelRefused metadataMismatch(String reason) {
        return new ModelRefused(Kind.INVALID, "metadata_mismatch", reason);
    }

    public static ModelRefused outputShapeMismatch(String reason) {
        return new ModelRefused(Kind.INVALID, "output_shape_mismatch", reason);
    }

    public static ModelRefused nonFiniteOutput(String reason) {
        return new ModelRefused(Kind.INVALID, "non_finite_output", reason);
    }

    public static ModelRefused inputNotDifferentiable(String reason) {
        return new ModelRefused(Kind.INVALID, "input_not_differentiable", reason);
    }

    public static ModelRefused tooLarge(long limitBytes) {
        return new ModelRefused(Kind.TOO_LARGE, "model_too_large",
                "the model's files exceed the limit of " + limitBytes + " bytes");
    }

    public static ModelRefused nameTaken(String name) {
        return new ModelRefused(Kind.CONFLICT, "model_name_taken", "the tenant already has a model named '" + name
                + "'");
    }

    public static ModelRefused inUse(String id) {
        return new ModelRefused(Kind.CONFLICT, "model_in_use", "model " + id
                + " is used by a queued or running training job; cancel the job or wait for it to finish");
    }

    public static ModelRefused configured(String id) {
        return new ModelRefused(Kind.CONFLICT, "model_configured", "model " + id
                + " comes from the service's configuration and cannot be deleted through the API");
    }
}
