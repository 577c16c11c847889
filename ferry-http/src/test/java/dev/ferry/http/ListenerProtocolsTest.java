package dev.ferry.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ListenerProtocolsTest {

    @Test
    void shouldReadTheSpellingsClientsUseAsTheListenerTheyMean() {
        assertThat(ListenerProtocols.canonical("AMQP")).isEqualTo("amqp");
        assertThat(ListenerProtocols.canonical("amqp091")).isEqualTo("amqp");
        assertThat(ListenerProtocols.canonical("amqp0-9-1")).isEqualTo("amqp");
        assertThat(ListenerProtocols.canonical("amqp1.0")).as("AMQP 1.0 shares the AMQP port").isEqualTo("amqp");
        assertThat(ListenerProtocols.canonical("AMQPS")).isEqualTo("amqp/ssl");
        assertThat(ListenerProtocols.canonical("amqp/SSL")).isEqualTo("amqp/ssl");
        assertThat(ListenerProtocols.canonical("management")).isEqualTo("http");
        assertThat(ListenerProtocols.canonical("mqtt3.1.1")).isEqualTo("mqtt");
        assertThat(ListenerProtocols.canonical("stomps")).isEqualTo("stomp/ssl");
        assertThat(ListenerProtocols.canonical("web-mqtt")).isEqualTo("http/web-mqtt");
    }

    @Test
    void shouldTakeAnyOtherNameAsWrittenInLowerCase() {
        assertThat(ListenerProtocols.canonical("Kafka/SSL")).isEqualTo("kafka/ssl");
        assertThat(ListenerProtocols.canonical("http/prometheus")).isEqualTo("http/prometheus");
        assertThat(ListenerProtocols.canonical("amqp-0-9-1")).as("not one of RabbitMQ's spellings").isEqualTo("amqp-0-9-1");
        assertThat(ListenerProtocols.canonical("amqps/ssl")).isEqualTo("amqps/ssl");
    }
}
