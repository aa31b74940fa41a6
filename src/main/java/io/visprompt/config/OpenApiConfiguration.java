package io.visprompt.config;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.AnnotatedField;
import com.fasterxml.jackson.databind.introspect.AnnotatedMethod;
import com.fasterxml.jackson.databind.introspect.AnnotatedParameter;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.providers.ObjectMapperProvider;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.PropertyNamingStrategy;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI document ({@code /v3/api-docs}) describes the wire: property names as the service's JSON mapper writes
 * them, every error as an RFC 9457 problem, and the bearer API key.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String PROBLEM_SCHEMA = "Problem";

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
                                + "prompts:write, models:write, classify; admin implies all).")))
                .addSecurityItem(new SecurityRequirement().addList("apiKey"));
    }

    /**
     * springdoc reads models with swagger's own Jackson 2 mapper, which knows nothing of the service's Jackson 3
     * {@code JsonMapper} ({@code spring.jackson.property-naming-strategy: SNAKE_CASE}). This resolver names properties
     * with the service mapper's strategy itself, so the document cannot drift from the wire.
     */
    @Bean
    ModelResolver wireNamedModelResolver(ObjectMapperProvider springdocMappers, JsonMapper wire) {
        PropertyNamingStrategy strategy = wire.serializationConfig().getPropertyNamingStrategy();
        if (strategy == null) {
            return new ModelResolver(springdocMappers.jsonMapper());
        }
        return new ModelResolver(springdocMappers.jsonMapper().copy().setPropertyNamingStrategy(
                new WireNaming(strategy)));
    }

    /** Jackson 2's naming hook over the service's Jackson 3 strategy. */
    private static final class WireNaming extends com.fasterxml.jackson.databind.PropertyNamingStrategy {

        private final PropertyNamingStrategy wire;

        WireNaming(PropertyNamingStrategy wire) {
            this.wire = wire;
        }

        @Override
        public String nameForField(MapperConfig<?> config, AnnotatedField field, String defaultName) {
            return translate(defaultName);
        }

        @Override
        public String nameForGetterMethod(MapperConfig<?> config, AnnotatedMethod method, String defaultName) {
            return translate(defaultName);
        }

        @Override
        public String nameForSetterMethod(MapperConfig<?> config, AnnotatedMethod method, String defaultName) {
            return translate(defaultName);
        }

        @Override
        public String nameForConstructorParameter(MapperConfig<?> config, AnnotatedParameter parameter,
                String defaultName) {
            return translate(defaultName);
        }

        private String translate(String name) {
            // a NamingBase renames from the name alone (its translate), so no Jackson 3 config is needed
            return wire instanceof tools.jackson.databind.PropertyNamingStrategies.NamingBase
                    ? wire.nameForField(null, null, name) : name;
        }
    }

    /**
     * Every operation answers errors as {@code application/problem+json}: 400 (invalid input, {@code errors[].field}),
     * 401 and 403 for the API key, 404 where the path names a resource, and any other refusal as the default.
     */
    @Bean
    OpenApiCustomizer problemResponsesDocumented() {
        return openApi -> {
            openApi.getComponents().addSchemas(PROBLEM_SCHEMA, problemSchema());
            openApi.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                ApiResponses responses = operation.getResponses();
                // springdoc's guesses from the exception handlers are replaced by one problem shape
                responses.keySet().removeIf(status -> status.startsWith("4") || status.startsWith("5"));
                if (path.startsWith("/v1/") || path.startsWith("/v2/")) {
                    responses.addApiResponse("400", problem("Invalid input: `code` invalid_field names the "
                            + "field in `errors[].field`; malformed_request for JSON that does not parse"));
                    responses.addApiResponse("401", problem("No key, or an unknown, malformed or revoked key "
                            + "(code unauthenticated)"));
                    responses.addApiResponse("403", problem("The key lacks the scope (code forbidden)"));
                    if (path.contains("{")) {
                        responses.addApiResponse("404", problem("No such resource for the caller's tenant"));
                    }
                }
                responses.addApiResponse("default", problem("Any other refusal, with a stable `code`"));
            }));
        };
    }

    /**
     * {@code GET /v1/prompts/{id}/content} is two handlers told apart by {@code ?example=} (the tensor without it, a
     * preview with it); springdoc documents them as one operation and keeps the preview's parameter as required.
     */
    @Bean
    OpenApiCustomizer optionalPreviewParameter() {
        return openApi -> {
            var content = openApi.getPaths() == null ? null : openApi.getPaths().get("/v1/prompts/{id}/content");
            if (content != null && content.getGet() != null && content.getGet().getParameters() != null) {
                content.getGet().getParameters().stream().filter(p -> "example".equals(p.getName()))
                        .forEach(p -> p.required(false).description("the prompt applied to the n-th image of its "
                                + "dataset, as PNG; without it, the prompt itself"));
            }
        };
    }

    private static ApiResponse problem(String description) {
        return new ApiResponse().description(description).content(new Content().addMediaType(
                "application/problem+json", new MediaType().schema(new Schema<>().$ref(PROBLEM_SCHEMA))));
    }

    @SuppressWarnings("rawtypes")
    private static Schema problemSchema() {
        Schema<?> fieldError = new ObjectSchema().addProperty("field", new StringSchema())
                .addProperty("message", new StringSchema());
        Map<String, Schema> properties = new java.util.LinkedHashMap<>();
        properties.put("type", new StringSchema());
        properties.put("title", new StringSchema());
        properties.put("status", new IntegerSchema());
        properties.put("detail", new StringSchema());
        properties.put("instance", new StringSchema());
        properties.put("code", new StringSchema().description("stable, machine-readable"));
        properties.put("errors", new ArraySchema().items(fieldError));
        properties.put("unknown_classes", new ArraySchema().items(new StringSchema())
                .description("unknown_classes: the dataset's classes the evaluated task does not know"));
        return new ObjectSchema().description("RFC 9457 problem details").properties(properties)
                .required(List.of("status", "code"));
    }
}
