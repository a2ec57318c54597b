package org.earshot.detect;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** DESIGN.md: detection and evaluation are pure, so they stay fast to test and serve offline and live alike. */
class PurityTest {
    @Test
    void detectionAndEvaluationImportNeitherVertxNorDjl() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.earshot.detect", "org.earshot.train.eval");
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "ai.djl..")
                .check(classes);
    }
}
