package org.earshot.dsp;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** DESIGN.md: audio and dsp are pure, so they stay fast to test and reusable outside the service. */
class PurePackagesTest {
    @Test
    void audioAndDspUseNeitherVertxNorDjl() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.earshot.audio", "org.earshot.dsp");
        noClasses().that().resideInAnyPackage("org.earshot.audio..", "org.earshot.dsp..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "ai.djl..", "io.netty..")
                .check(classes);
    }
}
