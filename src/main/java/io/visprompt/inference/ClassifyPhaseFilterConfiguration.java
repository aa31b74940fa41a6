package io.visprompt.inference;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

@Configuration(proxyBeanMethods = false)
class ClassifyPhaseFilterConfiguration {

    /** First of all filters, so {@code http_in} covers the security chain and {@code http_out} the whole response. */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> classifyPhaseFilter(ClassifyPhases phases) {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(phases.filter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
