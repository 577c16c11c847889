package dev.ferry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * ferry-core's place in the layering, checked on its compiled classes: it knows no protocol front
 * (AMQP now, Kafka later), not the server that wires them, and not Netty, so every front can be
 * built on it and it can be tested without a socket; and its packages form no cycle, so each can
 * be read, tested and later split out from the ones below it.
 */
@AnalyzeClasses(packages = "dev.ferry", importOptions = {ImportOption.DoNotIncludeTests.class,
        ImportOption.DoNotIncludeJars.class})
class LayeringTest {

    @ArchTest
    static final ArchRule coreKnowsNoProtocolFront = noClasses().that().resideInAPackage("dev.ferry..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.amqp..", "dev.ferry.kafka..",
                    "dev.ferry.server..")
            .because("protocol fronts translate to ferry-core, never the other way round");

    @ArchTest
    static final ArchRule coreUsesNoNetty = noClasses().that().resideInAPackage("dev.ferry..")
            .should().dependOnClassesThat().resideInAPackage("io.netty..")
            .because("networking belongs to the fronts; the core is tested without a socket");

    @ArchTest
    static final ArchRule corePackagesFormNoCycle = slices().matching("dev.ferry.(*)..").should().beFreeOfCycles();
}
