package io.visprompt.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** The catalog as Spring wires it: {@code visprompt.models} from application.yml and property overrides. */
class ModelCatalogConfigurationTest {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withInitializer(new ConfigDataApplicationContextInitializer())
            .withUserConfiguration(CatalogOnly.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ModelProperties.class)
    @Import(ConfiguredModelCatalog.class)
    static class CatalogOnly {
    }

    @Test
    void applicationYmlOffersTheDemoClassifierAndClip() {
        context.run(spring -> {
            ModelCatalog catalog = spring.getBean(ModelCatalog.class);

            assertThat(catalog.models()).extracting(ModelDescriptor::id).containsExactly("fashion-cnn", "tiny-clip");
            ModelDescriptor classifier = catalog.find("fashion-cnn").orElseThrow();
            assertThat(classifier.source()).isEqualTo("classpath:models/fashion-cnn");
            assertThat(classifier.kind()).isEqualTo(ModelKind.CLASSIFIER);
            assertThat(catalog.load("fashion-cnn").descriptor().labels()).hasSize(10);
        });
    }

    @Test
    void overridesBindFromKebabCaseProperties() {
        context.withPropertyValues(
                        "visprompt.models[0].id=custom",
                        "visprompt.models[0].source=classpath:models/fashion-cnn",
                        "visprompt.models[0].kind=classifier",
                        "visprompt.models[0].resize=36",
                        "visprompt.models[0].mean=0.1,0.2,0.3",
                        "visprompt.models[0].labels=left,right",
                        "visprompt.models[0].description=Overridden")
                .run(spring -> {
                    ModelDescriptor descriptor = spring.getBean(ModelCatalog.class).find("custom").orElseThrow();

                    assertThat(descriptor.resize()).isEqualTo(36);
                    assertThat(descriptor.inputSize()).isEqualTo(32);
                    assertThat(descriptor.mean()).containsExactly(0.1f, 0.2f, 0.3f);
                    assertThat(descriptor.labels()).containsExactly("left", "right");
                    assertThat(descriptor.description()).isEqualTo("Overridden");
                    assertThat(spring.getBean(ModelCatalog.class).models()).hasSize(1);
                });
    }
}
