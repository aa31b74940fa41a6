package io.visprompt.config;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI vispromptOpenApi() {
        return new OpenAPI().info(new Info().title("visprompt")
                .description("Learns visual prompts that adapt frozen vision models to new image-classification tasks "
                        + "(Bahng et al., Exploring Visual Prompts for Adapting Large-Scale Models).")
                .version("v1"));
    }
}
