package io.visprompt.config;

import java.util.Locale;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The error page Tomcat forwards to (an exception that escaped the filters, a {@code sendError}, a TRACE refused by
 * the connector): rendered by the same advice as every other error, as problem+json with a {@code code}, instead of
 * Boot's whitelabel HTML or its own JSON shape. Replaces Boot's {@code BasicErrorController}.
 */
@RestController
class ErrorResponses implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    void error(HttpServletRequest request) throws Throwable {
        if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable e) {
            throw e; // an exception from a filter: ProblemResponses and DatabaseUnavailable map it like any other
        }
        int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer s ? s : 500;
        HttpStatus known = HttpStatus.resolve(status);
        if (known == null || status < 400) {
            known = HttpStatus.INTERNAL_SERVER_ERROR;
        }
        String code = switch (known) {
            case BAD_REQUEST -> "invalid_request";
            case INTERNAL_SERVER_ERROR -> "internal_error";
            default -> known.name().toLowerCase(Locale.ROOT);
        };
        throw new ApiProblem(known, code, known == HttpStatus.METHOD_NOT_ALLOWED
                // the error dispatch does not keep the refused method (a TRACE arrives here as GET): name the path
                ? "The request's method is not allowed on " + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI)
                : known.getReasonPhrase());
    }
}
