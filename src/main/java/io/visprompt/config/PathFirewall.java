package io.visprompt.config;

import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * One rule for ambiguous requests on every process: Spring Security's {@link StrictHttpFirewall} refuses paths that
 * could be read two ways (encoded slash or dot, {@code //}, {@code ;} parameters, backslash, dot segments, encoded
 * percent), and the refusal is a 400 problem+json with code {@code ambiguous_request} instead of Boot's error page.
 * Spring Security picks both beans up; {@link ApiRoleFilter} applies the same firewall before it reads a path.
 */
@Configuration(proxyBeanMethods = false)
class PathFirewall {

    /** The firewall's default methods; anything else (TRACE, CONNECT, made-up ones) is a 405. */
    private static final Set<String> METHODS = Set.of("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT");

    @Bean
    HttpFirewall httpFirewall() {
        return new StrictHttpFirewall();
    }

    @Bean
    RequestRejectedHandler requestRejectedHandler(
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver) {
        return (HttpServletRequest request, HttpServletResponse response, RequestRejectedException e) -> {
            ApiProblem problem;
            if (!METHODS.contains(request.getMethod())) {
                response.setHeader(HttpHeaders.ALLOW, String.join(", ", METHODS.stream().sorted().toList()));
                problem = new ApiProblem(HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                        "The method " + request.getMethod() + " is not supported");
            } else {
                problem = ApiProblem.badRequest("ambiguous_request", "The request was refused because its path or "
                        + "headers could be read more than one way (" + e.getMessage() + ")");
            }
            ModelAndView handled = resolver.resolveException(request, response, null, problem);
            if (handled == null && !response.isCommitted()) {
                response.sendError(problem.status().value(), problem.getMessage());
            }
        };
    }
}
