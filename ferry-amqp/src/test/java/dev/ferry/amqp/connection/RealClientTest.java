package dev.ferry.amqp.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.amqp.auth.VirtualHostDirectory;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real RabbitMQ Java client against Ferry's wire layer: handshake, channels, errors. */
class RealClientTest {
    private static AmqpServer server;
    private static int port;

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(1).heartbeatSeconds(30)
                .virtualHosts(VirtualHostDirectory.of("/", "staging")));
        port = server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    static ConnectionFactory factory(int port) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setConnectionTimeout(5_000);
        factory.setHandshakeTimeout(5_000);
        return factory;
    }

    @Test
    void shouldConnectAndShowServerPropertiesAndCapabilities() throws Exception {
        try (Connection connection = factory(port).newConnection()) {
            Map<String, Object> properties = connection.getServerProperties();

            assertThat(properties.get("product")).hasToString("Ferry");
            assertThat(properties.get("platform")).hasToString("Java");
            // RabbitMQ sends its cluster name too (the node name unless set); some clients log or show it.
            assertThat(properties.get("cluster_name")).hasToString("ferry@localhost");
            @SuppressWarnings("unchecked")
            Map<String, Object> capabilities = (Map<String, Object>) properties.get("capabilities");
            assertThat(capabilities).containsEntry("publisher_confirms", true)
                    .containsEntry("exchange_exchange_bindings", true).containsEntry("basic.nack", true)
                    .containsEntry("consumer_cancel_notify", true).containsEntry("connection.blocked", true)
                    .containsEntry("consumer_priorities", true).containsEntry("authentication_failure_close", true)
                    .containsEntry("per_consumer_qos", true).containsEntry("direct_reply_to", true);
            assertThat(connection.getChannelMax()).isEqualTo(2047);
            assertThat(connection.getFrameMax()).isEqualTo(131072);
        }
    }

    @Test
    void shouldNegotiateTheLowerHeartbeat() throws Exception {
        ConnectionFactory factory = factory(port);
        factory.setRequestedHeartbeat(7);
        try (Connection connection = factory.newConnection()) {
            assertThat(connection.getHeartbeat()).isEqualTo(7);
        }
        factory.setRequestedHeartbeat(0);
        try (Connection connection = factory.newConnection()) {
            // 0 asks for the server's value, as RabbitMQ's client negotiates it.
            assertThat(connection.getHeartbeat()).isEqualTo(30);
        }
    }

    @Test
    void shouldRefuseWrongPasswordWithAuthenticationFailure() {
        ConnectionFactory factory = factory(port);
        factory.setPassword("wrong");

        assertThatThrownBy(factory::newConnection).isInstanceOf(AuthenticationFailureException.class)
                .hasMessageContaining("ACCESS_REFUSED");
    }

    @Test
    void shouldRefuseUnknownUserWithAmqPlainToo() {
        ConnectionFactory factory = factory(port);
        factory.setSaslConfig(names -> new AmqPlainMechanism());
        factory.setUsername("nobody");

        assertThatThrownBy(factory::newConnection).isInstanceOf(AuthenticationFailureException.class);
    }

    @Test
    void shouldAcceptGuestWithAmqPlain() throws Exception {
        ConnectionFactory factory = factory(port);
        factory.setSaslConfig(names -> new AmqPlainMechanism());
        try (Connection connection = factory.newConnection()) {
            assertThat(connection.isOpen()).isTrue();
        }
    }

    @Test
    void shouldRefuseUnknownVhostWithNotAllowed() {
        ConnectionFactory factory = factory(port);
        factory.setVirtualHost("nope");

        assertThatThrownBy(factory::newConnection).isInstanceOf(IOException.class)
                .rootCause().isInstanceOfSatisfying(ShutdownSignalException.class, e -> {
                    assertThat(reasonCode(e)).isEqualTo(530);
                    assertThat(e.getMessage()).contains("vhost nope not found");
                });
    }

    @Test
    void shouldOpenKnownVhost() throws Exception {
        ConnectionFactory factory = factory(port);
        factory.setVirtualHost("staging");
        try (Connection connection = factory.newConnection()) {
            assertThat(connection.isOpen()).isTrue();
        }
    }

    @Test
    void shouldOpenAndCloseChannels() throws Exception {
        try (Connection connection = factory(port).newConnection()) {
            Channel first = connection.createChannel();
            Channel second = connection.createChannel();
            assertThat(first.getChannelNumber()).isNotEqualTo(second.getChannelNumber());

            first.close();
            second.close();
            Channel again = connection.createChannel(first.getChannelNumber());

            assertThat(again.isOpen()).isTrue();
            assertThat(connection.isOpen()).isTrue();
        }
    }

    @Test
    void shouldAnswerUnimplementedMethodWithNotImplemented() throws Exception {
        Connection connection = factory(port).newConnection();
        Channel channel = connection.createChannel();

        assertThatThrownBy(() -> channel.exchangeDeclare("orders", "topic")).isInstanceOf(IOException.class)
                .rootCause().isInstanceOfSatisfying(ShutdownSignalException.class, e -> {
                    assertThat(e.isHardError()).isTrue();
                    assertThat(reasonCode(e)).isEqualTo(540);
                });
        assertThat(connection.isOpen()).isFalse();
    }

    /** The RabbitMQ Java client has no AMQPLAIN; this sends LOGIN and PASSWORD as bare table entries. */
    private static final class AmqPlainMechanism implements com.rabbitmq.client.SaslMechanism {
        @Override
        public String getName() {
            return "AMQPLAIN";
        }

        @Override
        public com.rabbitmq.client.LongString handleChallenge(com.rabbitmq.client.LongString challenge,
                String username, String password) {
            io.netty.buffer.ByteBuf table = io.netty.buffer.Unpooled.buffer();
            dev.ferry.amqp.codec.FieldTableCodec.writeTable(table, new java.util.LinkedHashMap<>(
                    Map.of("LOGIN", username, "PASSWORD", password)));
            table.skipBytes(4);
            return com.rabbitmq.client.impl.LongStringHelper.asLongString(io.netty.buffer.ByteBufUtil.getBytes(table));
        }
    }

    static int reasonCode(ShutdownSignalException e) {
        if (e.getReason() instanceof com.rabbitmq.client.AMQP.Connection.Close close) {
            return close.getReplyCode();
        }
        return ((com.rabbitmq.client.AMQP.Channel.Close) e.getReason()).getReplyCode();
    }
}
