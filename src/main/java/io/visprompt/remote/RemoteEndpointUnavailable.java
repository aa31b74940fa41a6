package io.visprompt.remote;

import io.visprompt.config.DomainException;

/**
 * A remote endpoint stayed down (or kept refusing) through all retries of a query: code
 * {@code remote_endpoint_unavailable}; the message names the endpoint, never its credentials.
 */
public final class RemoteEndpointUnavailable extends DomainException {

    public static final String CODE = "remote_endpoint_unavailable";

    RemoteEndpointUnavailable(String endpoint, int attempts, String lastError) {
        super(Kind.UNAVAILABLE, CODE, "The remote endpoint " + endpoint + " failed " + attempts
                + " tries in a row (last: " + lastError + ")");
    }
}
