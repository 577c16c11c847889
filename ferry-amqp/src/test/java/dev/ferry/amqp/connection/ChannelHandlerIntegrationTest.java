package dev.ferry.amqp.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.BasicConsume;
import dev.ferry.amqp.method.BasicConsumeOk;
import dev.ferry.amqp.method.BasicDeliver;
import dev.ferry.amqp.method.QueueDeclare;
import dev.ferry.amqp.method.QueueDeclareOk;
import dev.ferry.error.BrokerException;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seam the channel semantics plug into, exercised with a stand-in handler and the real client:
 * assembled publishes, replies and deliveries sent from another thread, channel errors, blocking.
 */
class ChannelHandlerIntegrationTest {
    private static final List<AssembledPublish> PUBLISHES = new CopyOnWriteArrayList<>();
    private static final List<AmqpConnection> CONNECTIONS = new CopyOnWriteArrayList<>();
    private static final ExecutorService CORE = Executors.newSingleThreadExecutor();
    /** What the stand-in delivers to a consumer of "large": off the heap, as the broker keeps bodies from 1 MiB. */
    private static final MessageBody LARGE = largeBody(3 * 1024 * 1024 + 123);
    private static AmqpServer server;
    private static int port;

    /** Answers from another thread, as the core's queue owners will. */
    private static final class StandInHandler implements ChannelMethodHandler {
        private final AmqpChannel channel;

        StandInHandler(AmqpChannel channel) {
            this.channel = channel;
            CONNECTIONS.add(channel.connection());
        }

        @Override
        public void onMethod(AmqpMethod method) {
            if (method instanceof QueueDeclare declare) {
                if (declare.queue().equals("missing")) {
                    throw BrokerException.notFound("no queue 'missing' in vhost '/'");
                }
                CORE.execute(() -> channel.send(new QueueDeclareOk(declare.queue(), 3, 1)));
            } else if (method instanceof BasicConsume consume && consume.queue().equals("large")) {
                CORE.execute(() -> {
                    channel.send(new BasicConsumeOk("large"));
                    // The test keeps its own reference; this one is the delivery's, given back once written.
                    channel.sendContent(new BasicDeliver("large", 1, false, "", "large"), MessageProperties.EMPTY,
                            LARGE.retain());
                });
            } else if (method instanceof BasicConsume consume) {
                CORE.execute(() -> {
                    channel.send(new BasicConsumeOk("ctag"));
                    for (int i = 0; i < 3; i++) {
                        channel.sendContent(new BasicDeliver("ctag", i + 1, false, "ex", "rk"),
                                new MessageProperties("text/plain", null, Map.of("n", i), 2, -1, null, null, null,
                                        null, null, null, null, null, null),
                                ("message " + i).getBytes());
                    }
                });
            }
        }

        @Override
        public void onPublish(AssembledPublish publish) {
            PUBLISHES.add(publish);
        }

        @Override
        public void onClosed() {
        }
    }

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(1).frameMax(4096)
                .channelHandlerFactory(StandInHandler::new));
        port = server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
        CORE.shutdownNow();
    }

    @Test
    void shouldAssembleMultiFramePublishWithProperties() throws Exception {
        byte[] body = new byte[10_000]; // three body frames at frame_max 4096
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        try (Connection connection = RealClientTest.factory(port).newConnection()) {
            Channel channel = connection.createChannel();
            channel.basicPublish("orders", "order.created", true,
                    new AMQP.BasicProperties.Builder().contentType("application/octet-stream").deliveryMode(2)
                            .headers(Map.of("tenant", "acme")).priority(4).build(), body);
            channel.basicPublish("orders", "empty", null, new byte[0]);

            await().atMost(Duration.ofSeconds(5)).until(() -> PUBLISHES.size() >= 2);
        }
        AssembledPublish big = PUBLISHES.get(0);
        assertThat(big.exchange()).isEqualTo("orders");
        assertThat(big.routingKey()).isEqualTo("order.created");
        assertThat(big.mandatory()).isTrue();
        assertThat(big.body().array()).isEqualTo(body);
        assertThat(big.properties().contentType()).isEqualTo("application/octet-stream");
        assertThat(big.properties().deliveryMode()).isEqualTo(2);
        assertThat(big.properties().priority()).isEqualTo(4);
        assertThat(big.properties().headers()).containsEntry("tenant", "acme");
        assertThat(PUBLISHES.get(1).body().array()).isEmpty();
        assertThat(PUBLISHES.get(1).properties()).isEqualTo(MessageProperties.EMPTY);
    }

    @Test
    void shouldDeliverRepliesAndContentSentFromAnotherThread() throws Exception {
        try (Connection connection = RealClientTest.factory(port).newConnection()) {
            Channel channel = connection.createChannel();
            AMQP.Queue.DeclareOk declareOk = channel.queueDeclare("jobs", true, false, false, null);
            assertThat(declareOk.getMessageCount()).isEqualTo(3);

            List<String> received = new CopyOnWriteArrayList<>();
            List<Object> headers = new CopyOnWriteArrayList<>();
            channel.basicConsume("jobs", true, "ctag", new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                        byte[] body) {
                    received.add(envelope.getDeliveryTag() + ":" + new String(body));
                    headers.add(properties.getHeaders().get("n"));
                }
            });

            await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 3);
            assertThat(received).containsExactly("1:message 0", "2:message 1", "3:message 2");
            assertThat(headers).containsExactly(0, 1, 2);
        }
    }

    @Test
    void shouldDeliverABodyOffTheHeapIntactAndGiveItsReferenceBackOnceWritten() throws Exception {
        assertThat(LARGE.isDirect()).isTrue();
        byte[] expected = new byte[LARGE.size()];
        LARGE.buffer().get(expected);
        try (Connection connection = RealClientTest.factory(port).newConnection()) {
            Channel channel = connection.createChannel();
            CompletableFuture<byte[]> received = new CompletableFuture<>();
            channel.basicConsume("large", true, "large", new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                        byte[] body) {
                    received.complete(body);
                }
            });
            // 769 body frames at frame_max 4096, each a view of the body between its header and end.
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(expected);
            await().atMost(Duration.ofSeconds(5)).until(() -> LARGE.references() == 1);
        }
        LARGE.release();
        assertThat(LARGE.references()).isZero();
    }

    private static MessageBody largeBody(int size) {
        MessageBody body = MessageBody.allocate(size);
        ByteBuffer fill = body.fillView();
        for (int i = 0; i < size; i++) {
            fill.put((byte) (i * 7 + i / 4093));
        }
        return body;
    }

    @Test
    void shouldCloseOnlyTheChannelForAChannelError() throws Exception {
        try (Connection connection = RealClientTest.factory(port).newConnection()) {
            Channel channel = connection.createChannel();

            assertThatThrownBy(() -> channel.queueDeclare("missing", false, false, false, null))
                    .isInstanceOf(IOException.class).rootCause()
                    .isInstanceOfSatisfying(ShutdownSignalException.class, e -> {
                        assertThat(e.isHardError()).isFalse();
                        assertThat(RealClientTest.reasonCode(e)).isEqualTo(404);
                        assertThat(e.getMessage()).contains("NOT_FOUND - no queue 'missing'");
                    });
            assertThat(connection.isOpen()).isTrue();
            assertThat(connection.createChannel().queueDeclare("jobs", false, false, false, null).getQueue())
                    .isEqualTo("jobs");
        }
    }

    @Test
    void shouldTellTheClientWhenBlockedAndUnblocked() throws Exception {
        try (Connection connection = RealClientTest.factory(port).newConnection()) {
            List<String> events = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> unblocked = new CompletableFuture<>();
            connection.addBlockedListener(new BlockedListener() {
                @Override
                public void handleBlocked(String reason) {
                    events.add("blocked: " + reason);
                }

                @Override
                public void handleUnblocked() {
                    events.add("unblocked");
                    unblocked.complete(null);
                }
            });
            Channel channel = connection.createChannel();
            AmqpConnection serverSide = CONNECTIONS.get(CONNECTIONS.size() - 1);

            serverSide.block("low on memory");
            channel.basicPublish("", "q", null, "held".getBytes());
            await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
            serverSide.unblock();

            unblocked.get();
            assertThat(events).containsExactly("blocked: low on memory", "unblocked");
            await().atMost(Duration.ofSeconds(5)).until(() -> PUBLISHES.stream()
                    .anyMatch(p -> new String(p.body().array()).equals("held")));
        }
    }
}
