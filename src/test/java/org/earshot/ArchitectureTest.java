package org.earshot;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The pure packages (DESIGN.md) import nothing from Vert.x or DJL, so they stay fast to test and reusable; the
 * pipeline is free of Vert.x; only app and cli wire the service together.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.earshot");

    @Test
    void purePackagesDependOnNeitherVertxNorDjl() {
        noClasses().that().resideInAnyPackage("org.earshot.audio..", "org.earshot.dsp..", "org.earshot.detect..",
                        "org.earshot.train.eval..", "org.earshot.config..", "org.earshot.journal..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.netty..", "ai.djl..")
                .check(CLASSES);
    }

    /** The pipeline is plain Java (threads and queues), testable without Vert.x; the transports adapt to it. */
    @Test
    void pipelineDependsOnNoTransportOrEngine() {
        noClasses().that().resideInAPackage("org.earshot.pipeline..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.netty..", "ai.djl..",
                        "org.earshot.ingest..", "org.earshot.api..", "org.earshot.app..", "org.earshot.cli..")
                .check(CLASSES);
    }

    /** Only the wiring (app) and the command line know every part; verticles do not deploy each other. */
    @Test
    void onlyAppAndCliWireTheService() {
        noClasses().that().resideOutsideOfPackages("org.earshot.app..", "org.earshot.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("org.earshot.app..")
                .check(CLASSES);
        noClasses().that().resideInAnyPackage("org.earshot.ingest..", "org.earshot.pipeline..")
                .should().dependOnClassesThat().resideInAnyPackage("org.earshot.api..", "org.earshot.config..")
                .check(CLASSES);
    }

    /**
     * The API's rules (authentication, JWT checks, parameter validation, the request-to-response logic) are plain
     * Java, testable without a server; only QueryApi and ApiVerticle adapt them to Vert.x Web.
     */
    @Test
    void apiRulesArePlainJava() {
        noClasses().that().resideInAPackage("org.earshot.api..")
                .and().doNotHaveSimpleName("QueryApi").and().doNotHaveSimpleName("ApiVerticle")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.netty..")
                .check(CLASSES);
    }

    @Test
    void recordsAreSeparateFromTransportsAndFromEachOther() {
        // The journal and the InfluxDB writer are plain Java; only app wires them to each other and to the service.
        noClasses().that().resideInAnyPackage("org.earshot.journal..", "org.earshot.store..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.netty..", "ai.djl..",
                        "org.earshot.ingest..", "org.earshot.api..", "org.earshot.cli..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("org.earshot.store..")
                .should().dependOnClassesThat().resideInAPackage("org.earshot.journal..").check(CLASSES);
        noClasses().that().resideInAPackage("org.earshot.journal..")
                .should().dependOnClassesThat().resideInAnyPackage("org.earshot.store..", "org.earshot.pipeline..")
                .check(CLASSES);
    }

    @Test
    void servingDoesNotDependOnTraining() {
        noClasses().that().resideInAnyPackage("org.earshot.model..", "org.earshot.detect..")
                .should().dependOnClassesThat().resideInAnyPackage("org.earshot.train..", "ai.djl.pytorch..")
                .check(CLASSES);
    }
}
