package dev.ferry.kafka;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * ferry-kafka's place in the layering: a protocol front on ferry-core (and the front-neutral
 * network pieces), knowing neither the server that wires it nor the AMQP front.
 */
@AnalyzeClasses(packages = "dev.ferry.kafka", importOptions = {ImportOption.DoNotIncludeTests.class,
        ImportOption.DoNotIncludeJars.class})
class LayeringTest {

    @ArchTest
    static final ArchRule kafkaKnowsNotTheServerNorOtherFronts = noClasses().that().resideInAPackage("dev.ferry.kafka..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.server..", "dev.ferry.amqp..")
            .because("the server depends on the fronts, and fronts only on ferry-core and ferry-front");
}
