package io.visprompt;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.ApplicationModule;
import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

/**
 * Keeps the feature packages honest: each module declares in its package-info.java which modules it may use
 * ({@code allowedDependencies}), and uses them only through their public entry points; the training engine stays
 * plain Java.
 */
class ModularityTests {

    // scanning the classes takes seconds: once for the class, not once per test
    private static final ApplicationModules modules = ApplicationModules.of(VispromptApplication.class);

    @Test
    void modulesUseOnlyTheirDeclaredDependenciesThroughTheirPublicApi() {
        modules.verify();
    }

    @Test
    void everyModuleDeclaresTheModulesItMayUse() throws ClassNotFoundException {
        assertThat(modules.stream()).isNotEmpty();
        for (org.springframework.modulith.core.ApplicationModule module : modules) {
            String packageName = module.getBasePackage().getName();
            ApplicationModule declared = Class.forName(packageName + ".package-info")
                    .getAnnotation(ApplicationModule.class);
            assertThat(declared).as("@ApplicationModule on " + packageName).isNotNull();
            // left out, allowedDependencies means "anything": a new module would then pin nothing
            assertThat(Arrays.asList(declared.allowedDependencies())).as("allowedDependencies of " + packageName)
                    .doesNotContain(ApplicationModule.OPEN_TOKEN);
        }
    }

    @Test
    void theTrainingEngineUsesNeitherSpringNorJakarta() {
        // the engine's own classes are enough: what they depend on is recorded whether imported or not
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.visprompt.training.engine");
        // package-info carries Spring Modulith's @NamedInterface: metadata for the module check, not code
        ArchRule plainJava = noClasses().that().resideInAPackage("io.visprompt.training.engine..")
                .and().doNotHaveSimpleName("package-info")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta..", "javax.persistence..")
                .because("the engine is plain Java over DJL arrays, run the same by workers, inference and benchmarks");
        plainJava.check(main);
        assertThat(main.stream().filter(c -> c.getPackageName().startsWith("io.visprompt.training.engine")))
                .as("the rule looked at the engine's classes").hasSizeGreaterThan(10);
    }

    @Test
    void writesModuleDiagramsUnderTarget() throws Exception {
        Path folder = Path.of("target", "spring-modulith-docs");
        new Documenter(modules, Documenter.Options.defaults().withOutputFolder(folder.toString())).writeModulesAsPlantUml();
        Path diagram = folder.resolve("components.puml");
        assertThat(Files.readString(diagram)).contains("Training", "Dataset", "Model", "Prompt");
    }
}
