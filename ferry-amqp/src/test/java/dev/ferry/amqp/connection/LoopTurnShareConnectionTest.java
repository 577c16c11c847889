package dev.ferry.amqp.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.amqp.codec.FrameWriter;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.amqp.method.ChannelOpen;
import dev.ferry.amqp.method.ChannelOpenOk;
import dev.ferry.front.LoopTurnShare;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two connections on one event loop: a publisher whose every publish reaches as many queues as a
 * turn's share allows (a wide fanout) must not keep the loop from another connection for the whole
 * of its read. Raw sockets, so that the publisher's messages arrive in one read; a stand-in
 * channel handler reports the fan-out and records the order publishes were handled in.
 */
class LoopTurnShareConnectionTest {
    private static final int PUBLISHES = 20;
    private static final List<String> HANDLED = new CopyOnWriteArrayList<>();
    // The first wide publish waits, on the event loop, until the other connection has written.
    private static final CountDownLatch FIRST_WIDE_HANDLED = new CountDownLatch(1);
    private static final CountDownLatch OTHER_WRITTEN = new CountDownLatch(1);
    private static AmqpServer server;
    private static int port;

    private static final class FanOutHandler implements ChannelMethodHandler {
        private final AmqpChannel channel;

        FanOutHandler(AmqpChannel channel) {
            this.channel = channel;
        }

        @Override
        public void onMethod(AmqpMethod method) {
        }

        @Override
        public void onPublish(AssembledPublish publish) {
            HANDLED.add(publish.routingKey());
            if (publish.routingKey().startsWith("wide-")) {
                channel.connection().routed(LoopTurnShare.DEFAULT_UNITS);
            }
            if (publish.routingKey().equals("wide-0")) {
                FIRST_WIDE_HANDLED.countDown();
                try {
                    OTHER_WRITTEN.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onClosed() {
        }
    }

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(1)
                .channelHandlerFactory(FanOutHandler::new));
        port = server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    private static RawAmqpSocket connect() throws IOException {
        RawAmqpSocket socket = new RawAmqpSocket(port).handshake(16, 131072);
        socket.sendMethod(1, new ChannelOpen());
        socket.expectMethod(ChannelOpenOk.class);
        return socket;
    }

    private static void writePublish(ByteBuf buffer, String routingKey) {
        FrameWriter.writeMethod(buffer, 1, new BasicPublish("amq.fanout", routingKey, false, false));
        FrameWriter.writeContentHeader(buffer, 1, 60, 0, MessageProperties.EMPTY);
    }

    @Test
    void shouldServeAnotherConnectionOnTheLoopBetweenWidePublishesOfOneRead() throws Exception {
        try (RawAmqpSocket other = connect(); RawAmqpSocket publisher = connect()) {
            ByteBuf wide = Unpooled.buffer();
            for (int i = 0; i < PUBLISHES; i++) {
                writePublish(wide, "wide-" + i);
            }
            publisher.send(wide);
            assertThat(FIRST_WIDE_HANDLED.await(10, TimeUnit.SECONDS)).isTrue();

            ByteBuf one = Unpooled.buffer();
            writePublish(one, "other");
            other.send(one);
            OTHER_WRITTEN.countDown();

            await().atMost(Duration.ofSeconds(10)).until(() -> HANDLED.size() == PUBLISHES + 1);
            List<String> wideOnes = HANDLED.stream().filter(key -> key.startsWith("wide-")).toList();
            assertThat(wideOnes).as("the publisher's messages in order")
                    .containsExactly(java.util.stream.IntStream.range(0, PUBLISHES).mapToObj(i -> "wide-" + i)
                            .toArray(String[]::new));
            assertThat(HANDLED.indexOf("other"))
                    .as("the other connection's publish was handled before the rest of the publisher's read: %s", HANDLED)
                    .isLessThan(HANDLED.indexOf("wide-" + (PUBLISHES - 1)));
        }
    }
}
