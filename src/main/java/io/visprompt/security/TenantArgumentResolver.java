package io.visprompt.security;

import io.visprompt.config.Tenant;
import org.springframework.core.MethodParameter;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/** A controller parameter of type {@link Tenant} receives the authenticated caller's tenant. */
final class TenantArgumentResolver implements HandlerMethodArgumentResolver {

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return Tenant.class.equals(parameter.getParameterType());
    }

    @Override
    public Tenant resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest, WebDataBinderFactory binderFactory) {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
            return caller.tenant();
        }
        // The filter chain lets no request reach a tenant's resources without a key; this is a wiring error.
        throw new IllegalStateException("No authenticated caller for " + parameter.getMethod());
    }
}
