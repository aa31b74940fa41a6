package io.visprompt.config;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static {
        // the caller's tenant comes from the API key, never from the request
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(Tenant.class);
    }

    @Bean
    OpenAPI vispromptOpenApi() {
        return new OpenAPI().info(new Info().title("visprompt")
                .description("Learns visual prompts that adapt frozen vision models to new image-classification tasks "
                        + "(Bahng et al., Exploring Visual Prompts for Adapting Large-Scale Models).")
                .version("v1"))
                .components(new Components().addSecuritySchemes("apiKey", new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("vp_<prefix>_<secret>")
                        .description("An API key: Authorization: Bearer vp_<prefix>_<secret>. Each endpoint needs "
                                + "a scope (datasets:read, datasets:write, jobs:read, jobs:write, prompts:read, "
                                + "prompts:write, classify; admin implies all).")))
                .addSecurityItem(new SecurityRequirement().addList("apiKey"));
    }
}
