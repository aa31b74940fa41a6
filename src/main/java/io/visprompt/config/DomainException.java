package io.visprompt.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A refusal by a module, in the module's own terms: what kind of refusal, a stable machine-readable {@code code},
 * the field at fault where there is one, and extra members. Modules throw subclasses of their own; only the web
 * edge ({@code ProblemResponses}) turns them into RFC 9457 problems, choosing the HTTP status from the kind, so
 * a worker that meets one records a plain message, not an HTTP type.
 */
public abstract class DomainException extends RuntimeException {

    /** What went wrong, independent of any protocol. */
    public enum Kind {
        /** The input breaks a rule (the field names which). */
        INVALID,
        /** Something named does not exist (or belongs to another tenant). */
        NOT_FOUND,
        /** The request does not fit the current state. */
        CONFLICT,
        /** The input is larger than allowed. */
        TOO_LARGE,
        /** The input is in a format the service does not take. */
        UNSUPPORTED_FORMAT,
        /** A tenant's limit is reached; it frees up over time. */
        LIMIT_REACHED,
        /** The service cannot answer now; a retry may succeed. */
        UNAVAILABLE,
        /** The service failed at its own work (not the input's fault); nothing was changed. */
        INTERNAL
    }

    private final Kind kind;
    private final String code;
    private final String field;
    private final String reason;
    private final Map<String, Object> properties = new LinkedHashMap<>();

    protected DomainException(Kind kind, String code, String reason) {
        this(kind, code, null, reason);
    }

    /** A refusal of one input field: code {@code invalid_field}, message "field: reason". */
    protected DomainException(String field, String reason) {
        this(Kind.INVALID, "invalid_field", field, reason);
    }

    private DomainException(Kind kind, String code, String field, String reason) {
        super(field == null ? reason : field + ": " + reason);
        this.kind = kind;
        this.code = code;
        this.field = field;
        this.reason = reason;
        if (field != null) {
            properties.put("errors", List.of(Map.of("field", field, "message", reason)));
        }
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    /** The input field at fault, or null. */
    public String field() {
        return field;
    }

    /** The message without the field name. */
    public String reason() {
        return reason;
    }

    /** Machine-readable members beside {@code code}. */
    public Map<String, Object> properties() {
        return properties;
    }

    /** Adds a machine-readable member. */
    protected void put(String name, Object value) {
        properties.put(name, value);
    }
}
