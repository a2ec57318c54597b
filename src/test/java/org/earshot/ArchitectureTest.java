package org.earshot;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The pure packages (DESIGN.md) import nothing from Vert.x or DJL, so they stay fast to test and reusable. */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.earshot");

    @Test
    void purePackagesDependOnNeitherVertxNorDjl() {
        noClasses().that().resideInAnyPackage("org.earshot.audio..", "org.earshot.dsp..", "org.earshot.detect..",
                        "org.earshot.train.eval..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.netty..", "ai.djl..")
                .check(CLASSES);
    }

    @Test
    void servingDoesNotDependOnTraining() {
        noClasses().that().resideInAnyPackage("org.earshot.model..", "org.earshot.detect..")
                .should().dependOnClassesThat().resideInAnyPackage("org.earshot.train..", "ai.djl.pytorch..")
                .check(CLASSES);
    }
}
