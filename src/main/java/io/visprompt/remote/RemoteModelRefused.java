package io.visprompt.remote;

import io.visprompt.config.DomainException;

/**
 * A registration the service refuses, with a stable code: {@code remote_unreachable} (no answer from the URL),
 * {@code remote_not_oip} (an answer, but not the Open Inference Protocol), {@code remote_metadata_mismatch} (the
 * endpoint's model does not take or give what the registration declares), {@code remote_not_ready},
 * {@code remote_model_exists}, {@code remote_secret_unavailable}, or {@code invalid_field}.
 */
final class RemoteModelRefused extends DomainException {

    private RemoteModelRefused(Kind kind, String code, String reason) {
        super(kind, code, reason);
    }

    private RemoteModelRefused(String field, String reason) {
        super(field, reason);
    }

    static RemoteModelRefused invalidField(String field, String reason) {
        return new RemoteModelRefused(field, reason);
    }

    static RemoteModelRefused unreachable(String endpoint, String why) {
        return new RemoteModelRefused(Kind.INVALID, "remote_unreachable", "The endpoint " + endpoint
                + " did not answer: " + why);
    }

    static RemoteModelRefused notOip(String endpoint, String why) {
        return new RemoteModelRefused(Kind.INVALID, "remote_not_oip", "The endpoint " + endpoint
                + " does not answer as an Open Inference Protocol v2 server: " + why);
    }

    static RemoteModelRefused mismatch(String endpoint, String why) {
        return new RemoteModelRefused(Kind.INVALID, "remote_metadata_mismatch", "The metadata of " + endpoint
                + " does not match the registration: " + why);
    }

    static RemoteModelRefused notReady(String endpoint) {
        return new RemoteModelRefused(Kind.INVALID, "remote_not_ready", "The model at " + endpoint
                + " is not ready");
    }

    static RemoteModelRefused exists(String name) {
        return new RemoteModelRefused(Kind.CONFLICT, "remote_model_exists", "A model named " + name
                + " already exists");
    }

    static RemoteModelRefused secret(String why) {
        return new RemoteModelRefused(Kind.INVALID, "remote_secret_unavailable", why);
    }

    static RemoteModelRefused notFound(String name) {
        return new RemoteModelRefused(Kind.NOT_FOUND, "model_not_found", "model " + name + " does not exist");
    }
}
