package io.visprompt.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/** Renders every error as {@code application/problem+json} with a stable machine-readable {@code code}. */
@RestControllerAdvice
class ProblemResponses extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<Object> apiProblem(ApiProblem problem, HttpServletRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(problem.status(), problem.getMessage());
        body.setProperty("code", problem.code());
        problem.properties().forEach(body::setProperty);
        addOpenInferenceError(body, request.getRequestURI());
        return problemResponse(problem.status(), body);
    }

    /** A module's refusal: the kind decides the HTTP status, the module's code and members are kept. */
    @ExceptionHandler(DomainException.class)
    ResponseEntity<Object> domainException(DomainException e, HttpServletRequest request) {
        ApiProblem problem = new ApiProblem(statusOf(e.kind()), e.code(), e.getMessage());
        e.properties().forEach(problem::with);
        return apiProblem(problem, request);
    }

    private static HttpStatus statusOf(DomainException.Kind kind) {
        return switch (kind) {
            case INVALID -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
            case UNSUPPORTED_FORMAT -> HttpStatus.UNSUPPORTED_MEDIA_TYPE;
            case LIMIT_REACHED -> HttpStatus.TOO_MANY_REQUESTS;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case INTERNAL -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Object> multipart(MultipartException e, HttpServletRequest request) {
        if (e instanceof MaxUploadSizeExceededException) {
            return apiProblem(new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, "upload_too_large",
                    "The upload exceeds the configured maximum size"), request);
        }
        return apiProblem(ApiProblem.badRequest("malformed_multipart", "The multipart request could not be read"), request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e, HttpServletRequest request) {
        if (DatabaseUnavailable.causedBy(e)) {
            log.warn("The database is unavailable: {}", e.toString());
            ResponseEntity<Object> problem = apiProblem(DatabaseUnavailable.problem(), request);
            return ResponseEntity.status(problem.getStatusCode()).headers(problem.getHeaders())
                    .header(HttpHeaders.RETRY_AFTER, Integer.toString(DatabaseUnavailable.RETRY_AFTER_SECONDS))
                    .body(problem.getBody());
        }
        log.error("Unhandled error", e);
        return apiProblem(new ApiProblem(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
                "An unexpected error occurred; see the service log"), request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        ProblemDetail problem = body instanceof ProblemDetail pd ? pd : ProblemDetail.forStatus(statusCode);
        problem.setProperty("code", codeFor(ex, statusCode));
        fieldError(ex).ifPresent(error -> {
            problem.setProperty("code", "invalid_field");
            problem.setProperty("errors", List.of(error));
            problem.setDetail(error.get("field") + ": " + error.get("message"));
        });
        if (ex instanceof MethodArgumentNotValidException invalid) {
            List<Map<String, String>> errors = invalid.getBindingResult().getFieldErrors().stream()
                    .map(f -> Map.of("field", snakeCase(f.getField()), "message", String.valueOf(f.getDefaultMessage())))
                    .toList();
            problem.setProperty("errors", errors);
            problem.setDetail(errors.stream().map(e -> e.get("field") + ": " + e.get("message"))
                    .reduce((a, b) -> a + "; " + b).orElse("Invalid request"));
        }
        if (request instanceof ServletWebRequest servlet) {
            addOpenInferenceError(problem, servlet.getRequest().getRequestURI());
        }
        // Set here, so the body is written even when the request's Accept header is what was refused (or unparseable).
        HttpHeaders problemHeaders = new HttpHeaders();
        problemHeaders.putAll(headers);
        problemHeaders.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return super.handleExceptionInternal(ex, problem, problemHeaders, statusCode, request);
    }

    /**
     * A JSON body that parsed but does not bind (a wrong type, a fraction for an integer, an unknown field, a NUL in
     * a string) names its field; JSON that does not parse stays {@code malformed_request}.
     */
    private static Optional<Map<String, String>> fieldError(Exception ex) {
        if (!(ex instanceof HttpMessageNotReadableException)) {
            return Optional.empty();
        }
        for (Throwable cause = ex.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof DatabindException bind && !bind.getPath().isEmpty()) {
                return Optional.of(Map.of("field", jsonPath(bind.getPath()), "message", bindingMessage(bind)));
            }
        }
        return Optional.empty();
    }

    private static String jsonPath(List<JacksonException.Reference> path) {
        StringBuilder field = new StringBuilder();
        for (JacksonException.Reference reference : path) {
            if (reference.getPropertyName() != null) {
                field.append(field.isEmpty() ? "" : ".").append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                field.append('[').append(reference.getIndex()).append(']');
            }
        }
        return field.toString();
    }

    private static String bindingMessage(DatabindException e) {
        if (e instanceof UnrecognizedPropertyException) {
            return "is not a field of this request";
        }
        if (JsonInputRules.NUL_IN_STRING.equals(e.getOriginalMessage())) {
            return JsonInputRules.NUL_IN_STRING;
        }
        Class<?> target = e instanceof MismatchedInputException m ? m.getTargetType() : null;
        if (target == null) {
            return "has the wrong type";
        }
        if (target == Integer.class || target == int.class || target == Long.class || target == long.class
                || target == Short.class || target == short.class) {
            return "must be an integer";
        }
        if (Number.class.isAssignableFrom(target) || target == double.class || target == float.class) {
            return "must be a number";
        }
        if (target == java.util.UUID.class) {
            return "must be a UUID";
        }
        if (target == String.class) {
            return "must be a string";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "must be true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "must be a list";
        }
        return "has the wrong type";
    }

    /** Open Inference Protocol clients read an {@code error} member; the body stays an RFC 9457 problem. */
    private static void addOpenInferenceError(ProblemDetail problem, String path) {
        if (path != null && path.startsWith("/v2/")) {
            problem.setProperty("error", problem.getDetail() != null ? problem.getDetail() : problem.getTitle());
        }
    }

    private static String codeFor(Exception ex, HttpStatusCode status) {
        if (ex instanceof MethodArgumentNotValidException || ex instanceof HandlerMethodValidationException) {
            return "invalid_field";
        }
        if (ex instanceof HttpMessageNotReadableException) {
            return "malformed_request";
        }
        if (ex instanceof MissingServletRequestParameterException || ex instanceof MissingServletRequestPartException) {
            return "missing_parameter";
        }
        if (ex instanceof MethodArgumentTypeMismatchException) {
            return "invalid_parameter";
        }
        if (ex instanceof HttpMediaTypeNotSupportedException) {
            return "unsupported_media_type";
        }
        if (ex instanceof HttpMediaTypeNotAcceptableException) {
            return "not_acceptable";
        }
        if (ex instanceof HttpRequestMethodNotSupportedException) {
            return "method_not_allowed";
        }
        if (ex instanceof NoResourceFoundException) {
            return "not_found";
        }
        HttpStatus resolved = HttpStatus.resolve(status.value());
        return resolved == null ? "error" : resolved.name().toLowerCase(Locale.ROOT);
    }

    private static String snakeCase(String field) {
        return field.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static ResponseEntity<Object> problemResponse(HttpStatus status, ProblemDetail body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }
}
