package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.embedded.junit.FerryBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * The module README's Spring AMQP example: {@code @FerryBroker} gives the class a broker, Spring's
 * connection factory points at its URI, and a RabbitTemplate sends and receives through it.
 */
@FerryBroker
class FerryBrokerSpringAmqpExampleTest {
    static Ferry ferry;
    static CachingConnectionFactory connectionFactory;

    @BeforeAll
    static void connect() {
        connectionFactory = new CachingConnectionFactory(ferry.amqpUri());
    }

    @AfterAll
    static void disconnect() {
        connectionFactory.destroy();
    }

    @Test
    void shouldSendAndReceiveWithRabbitTemplate() {
        new RabbitAdmin(connectionFactory).declareQueue(new Queue("orders"));
        RabbitTemplate template = new RabbitTemplate(connectionFactory);

        template.convertAndSend("orders", "order 42");

        assertThat(template.receiveAndConvert("orders", 10_000)).isEqualTo("order 42");
    }

    @Test
    void shouldGiveTheSameBrokerAsAParameter(Ferry parameter) {
        assertThat(parameter).isSameAs(ferry);
        assertThat(parameter.inMemory()).isTrue();
    }
}
