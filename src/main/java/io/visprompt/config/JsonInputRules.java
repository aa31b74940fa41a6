package io.visprompt.config;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * What JSON input the service takes, for every request body and every JSON part: a number where a string belongs
 * ({@code "tenant": 5}) and a fraction where an integer belongs ({@code "epochs": 1.5}) are refused instead of
 * silently converted, and no string may hold a NUL character (PostgreSQL cannot store one in text or jsonb, and
 * no name or template needs one). The refusals are {@code invalid_field} problems naming the field.
 */
@Configuration(proxyBeanMethods = false)
class JsonInputRules {

    /** The message of a refused NUL; {@code ProblemResponses} shows it as the field's error. */
    static final String NUL_IN_STRING = "must not contain NUL characters (\\u0000)";

    @Bean
    JsonMapperBuilderCustomizer strictScalars() {
        return builder -> builder
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .withCoercionConfig(LogicalType.Textual, config -> config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .addModule(new SimpleModule("nul-free-strings").addDeserializer(String.class, new NulFreeStrings()));
    }

    /** Jackson's own string deserializer, then the NUL check; also used for list elements and untyped values. */
    static final class NulFreeStrings extends StringDeserializer {

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) {
            String value = super.deserialize(parser, context);
            if (value != null && value.indexOf('\0') >= 0) {
                return context.reportInputMismatch(this, NUL_IN_STRING);
            }
            return value;
        }
    }
}
