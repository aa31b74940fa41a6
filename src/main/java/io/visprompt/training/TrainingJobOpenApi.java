package io.visprompt.training;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.visprompt.training.engine.LabelMapping;
import io.visprompt.training.engine.OptimizerKind;
import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The jobs API's enumerations in the OpenAPI document, from the enums themselves: the request and view carry them
 * as strings (so an unknown value is an {@code invalid_field} problem naming the field), which the document would
 * otherwise show as free text.
 */
@Configuration(proxyBeanMethods = false)
class TrainingJobOpenApi {

    @Bean
    OpenApiCustomizer trainingJobEnums() {
        return openApi -> {
            @SuppressWarnings("rawtypes")
            Map<String, Schema> schemas = openApi.getComponents().getSchemas();
            restrict(schemas, "PromptOptions", "template", PromptTemplate.values());
            restrict(schemas, "PromptOptions", "placement", PromptPlacement.values());
            restrict(schemas, "OutputOptions", "label_mapping", LabelMapping.values());
            restrict(schemas, "HyperparameterOptions", "optimizer", OptimizerKind.values());
            restrict(schemas, "TrainingJobView", "status", JobStatus.values());
            var list = openApi.getPaths() == null ? null : openApi.getPaths().get("/v1/training-jobs");
            if (list != null && list.getGet() != null && list.getGet().getParameters() != null) {
                for (Parameter parameter : list.getGet().getParameters()) {
                    if ("status".equals(parameter.getName())) {
                        // a schema of its own: springdoc may share one schema object between parameters
                        Schema<String> status = new io.swagger.v3.oas.models.media.StringSchema();
                        setEnum(status, JobStatus.values());
                        parameter.setSchema(status);
                    }
                }
            }
        };
    }

    @SuppressWarnings("rawtypes")
    private static void restrict(Map<String, Schema> schemas, String schema, String property, Enum<?>[] values) {
        Schema<?> model = schemas == null ? null : schemas.get(schema);
        if (model == null || model.getProperties() == null || model.getProperties().get(property) == null) {
            throw new IllegalStateException("OpenAPI schema " + schema + " has no property " + property
                    + ": the document and the enums drifted apart");
        }
        setEnum(model.getProperties().get(property), values);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void setEnum(Schema schema, Enum<?>[] values) {
        List<String> wire = Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList();
        schema.setEnum(wire);
    }
}
