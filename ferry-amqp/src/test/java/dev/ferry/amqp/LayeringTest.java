package dev.ferry.amqp;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * ferry-amqp's place in the layering, checked on its compiled classes: a protocol front built on
 * ferry-core, knowing neither the server that wires it nor any other front, so the server can
 * assemble fronts and a front can run embedded without it.
 */
@AnalyzeClasses(packages = "dev.ferry.amqp", importOptions = {ImportOption.DoNotIncludeTests.class,
        ImportOption.DoNotIncludeJars.class})
class LayeringTest {

    @ArchTest
    static final ArchRule amqpKnowsNotTheServerNorOtherFronts = noClasses().that().resideInAPackage("dev.ferry.amqp..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.server..", "dev.ferry.kafka..")
            .because("the server depends on the fronts, and fronts only on ferry-core");
}
