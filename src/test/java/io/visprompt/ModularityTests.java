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
        Documenter documenter = new Documenter(modules);
        documenter.writeModulesAsPlantUml();
        java.nio.file.Path diagram = java.nio.file.Path.of(documenter.getDefaultOutputDirectory(), "components.puml");
        org.assertj.core.api.Assertions.assertThat(java.nio.file.Files.readString(diagram))
                .contains("Training", "Dataset", "Model", "Prompt");
    }
}
