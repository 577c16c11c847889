package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import dev.ferry.it.support.AmqpTestBase;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Handshake, authentication, virtual hosts and negotiated limits as the Java client sees them. */
class ConnectionTest extends AmqpTestBase {

    @Test
    void shouldAdvertiseTheCapabilitiesRabbitMqClientsLookFor() {
        Map<String, Object> properties = connection.getServerProperties();
        @SuppressWarnings("unchecked")
        Map<String, Object> capabilities = (Map<String, Object>) properties.get("capabilities");

        assertThat(capabilities).containsEntry("publisher_confirms", true)
                .containsEntry("exchange_exchange_bindings", true)
                .containsEntry("basic.nack", true)
                .containsEntry("consumer_cancel_notify", true)
                .containsEntry("connection.blocked", true)
                .containsEntry("consumer_priorities", true)
                .containsEntry("authentication_failure_close", true)
                .containsEntry("per_consumer_qos", true)
                .containsEntry("direct_reply_to", true);
        assertThat(properties).containsKeys("product", "version", "platform");
    }

    @Test
    void shouldNameItselfFerry() {
        target.assumeFerryBehaviour("the product name is ours");

        assertThat(connection.getServerProperties().get("product").toString()).isEqualTo("Ferry");
    }

    @Test
    void shouldRefuseAWrongPasswordWithAccessRefused() {
        ConnectionFactory factory = target.connectionFactory();
        factory.setPassword("not-the-password");

        Throwable thrown = catchThrowable(factory::newConnection);

        assertThat(thrown).isInstanceOf(AuthenticationFailureException.class);
        assertThat(thrown.getMessage()).contains("ACCESS_REFUSED");
    }

    @Test
    void shouldRefuseAnUnknownUser() {
        ConnectionFactory factory = target.connectionFactory();
        factory.setUsername("nobody");

        assertThatThrownBy(factory::newConnection).isInstanceOf(PossibleAuthenticationFailureException.class);
    }

    @Test
    void shouldRefuseAnUnknownVirtualHostWithNotAllowed() {
        ConnectionFactory factory = target.connectionFactory();
        factory.setVirtualHost(unique("no-such-vhost"));

        Throwable thrown = catchThrowable(factory::newConnection);

        assertThat(replyCode(thrown)).isEqualTo(530);
    }

    @Test
    void shouldNegotiateHeartbeatAndFrameMaxDownwards() throws Exception {
        ConnectionFactory factory = target.connectionFactory();
        factory.setRequestedHeartbeat(7);
        factory.setRequestedFrameMax(16_384);
        factory.setRequestedChannelMax(16);

        try (Connection tuned = factory.newConnection()) {
            assertThat(tuned.getHeartbeat()).isEqualTo(7);
            assertThat(tuned.getFrameMax()).isEqualTo(16_384);
            assertThat(tuned.getChannelMax()).isEqualTo(16);
            assertThat(tuned.createChannel().queueDeclare().getQueue()).startsWith("amq.gen-");
        }
    }

    @Test
    void shouldKeepAnIdleClientThatSendsItsHeartbeats() throws Exception {
        ConnectionFactory factory = target.connectionFactory();
        factory.setRequestedHeartbeat(1);

        try (Connection idle = factory.newConnection()) {
            org.awaitility.Awaitility.await().during(java.time.Duration.ofSeconds(5))
                    .atMost(java.time.Duration.ofSeconds(7)).until(idle::isOpen);
            assertThat(idle.createChannel().queueDeclare().getQueue()).startsWith("amq.gen-");
        }
    }

    @Test
    void shouldCarryAMessageLargerThanOneFrame() throws Exception {
        ConnectionFactory factory = target.connectionFactory();
        factory.setRequestedFrameMax(8_192);
        byte[] body = new byte[100_000];
        new java.util.Random(1).nextBytes(body);

        try (Connection small = factory.newConnection()) {
            com.rabbitmq.client.Channel ch = small.createChannel();
            String queue = ch.queueDeclare().getQueue();
            ch.basicPublish("", queue, null, body);
            com.rabbitmq.client.GetResponse response = null;
            for (int attempt = 0; attempt < 100 && response == null; attempt++) {
                response = ch.basicGet(queue, true);
            }
            assertThat(response).isNotNull();
            assertThat(response.getBody()).isEqualTo(body);
        }
    }

    @Test
    void shouldAcceptAManyChannelsOnOneConnection() throws Exception {
        for (int i = 0; i < 50; i++) {
            com.rabbitmq.client.Channel extra = connection.createChannel();
            extra.queueDeclare();
            extra.close();
        }
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void shouldCloseOnlyTheChannelOnAChannelError() throws Exception {
        com.rabbitmq.client.Channel doomed = connection.createChannel();

        Throwable thrown = catchThrowable(() -> doomed.queueDeclarePassive(unique("missing")));

        assertThat(replyCode(thrown)).isEqualTo(404);
        assertThat(doomed.isOpen()).isFalse();
        assertThat(channel.isOpen()).isTrue();
        assertThat(channel.queueDeclare().getQueue()).isNotEmpty();
    }
}
