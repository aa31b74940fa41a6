package io.visprompt.model;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.visprompt.model.internal.ConfiguredModel;

/** {@code visprompt.models}: the models this deployment offers. */
@ConfigurationProperties("visprompt")
record ModelProperties(List<ConfiguredModel> models) {

    ModelProperties {
        models = models == null ? List.of() : List.copyOf(models);
    }
}
