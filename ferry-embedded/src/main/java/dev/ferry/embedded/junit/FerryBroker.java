package dev.ferry.embedded.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class its own embedded Ferry broker: started before the class's first test (and
 * before its {@code @BeforeAll} methods), closed after its last, on free loopback ports. Every
 * field of type {@link dev.ferry.embedded.Ferry} (static or not) is set to it, and a parameter of
 * that type (of a constructor, a test, a lifecycle method) receives it. Nested classes share
 * their enclosing class's broker.
 *
 * <pre>{@code
 * @FerryBroker
 * class OrderServiceTest {
 *     Ferry ferry;
 *
 *     @Test
 *     void shouldPublish() { factory.setUri(ferry.amqpUri()); ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(FerryExtension.class)
public @interface FerryBroker {
    /** Queues and declarations in memory only (faster, nothing written); false: the durable log in a temporary directory. */
    boolean inMemory() default true;
}
