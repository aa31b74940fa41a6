package io.visprompt.config;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * A failure the client caused or must know about, rendered as an RFC 9457 problem with a stable {@code code}.
 * Features throw it; {@code ProblemResponses} turns it into {@code application/problem+json}.
 */
public class ApiProblem extends RuntimeException {

    private final HttpStatus status;
    private final String code;
    private final Map<String, Object> properties = new LinkedHashMap<>();

    public ApiProblem(HttpStatus status, String code, String detail) {
        super(detail);
        this.status = status;
        this.code = code;
    }

    public static ApiProblem notFound(String what, Object id) {
        return new ApiProblem(HttpStatus.NOT_FOUND, what + "_not_found", what.replace('_', ' ') + " " + id + " does not exist");
    }

    public static ApiProblem badRequest(String code, String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, code, detail);
    }

    public static ApiProblem invalidField(String field, String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, "invalid_field", field + ": " + detail)
                .with("errors", java.util.List.of(Map.of("field", field, "message", detail)));
    }

    public static ApiProblem conflict(String code, String detail) {
        return new ApiProblem(HttpStatus.CONFLICT, code, detail);
    }

    /** Adds a machine-readable member to the problem body. */
    public ApiProblem with(String name, Object value) {
        properties.put(name, value);
        return this;
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> properties() {
        return properties;
    }
}
