package io.visprompt;

import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

/** Keeps the feature packages honest: modules use each other only through their public entry points. */
class ModularityTests {

    private final ApplicationModules modules = ApplicationModules.of(VispromptApplication.class);

    @Test
    void modulesOnlyUseEachOthersPublicApi() {
        modules.verify();
    }

    @Test
    void writesModuleDiagramsUnderTarget() throws Exception {
        java.nio.file.Path folder = java.nio.file.Path.of("target", "spring-modulith-docs");
        new Documenter(modules, Documenter.Options.defaults().withOutputFolder(folder.toString())).writeModulesAsPlantUml();
        java.nio.file.Path diagram = folder.resolve("components.puml");
        org.assertj.core.api.Assertions.assertThat(java.nio.file.Files.readString(diagram))
                .contains("Training", "Dataset", "Model", "Prompt");
    }
}
