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
import dev.ferry.amqp.method.ConnectionClose;
import dev.ferry.amqp.method.ConnectionCloseOk;
import dev.ferry.front.ContentBudget;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The content budget on real sockets: frame_max is 4096, so bodies above 4088 bytes need a
 * reservation of a 100,000-byte budget. Raw sockets send exactly the interleavings real clients
 * produce under load; a stand-in channel handler records the publishes that come out whole, in the
 * order the broker handed them over.
 */
class ContentBudgetConnectionTest {
    private static final int FRAME_MAX = 4096;
    private static final long BUDGET = 100_000;
    private static final List<AssembledPublish> PUBLISHES = new CopyOnWriteArrayList<>();
    // Routing keys of publishes handed over while the congestion below was still in force.
    private static final List<String> HANDED_OVER_WHILE_CONGESTED = new CopyOnWriteArrayList<>();
    private static final ContentBudget CONTENT_BUDGET = new ContentBudget(BUDGET);
    private static AmqpServer server;
    private static int port;

    // Publishes to "congested" report a queue that cannot take more until this completes.
    private static volatile CompletableFuture<Void> congestion = new CompletableFuture<>();

    private static final class RecordingHandler implements ChannelMethodHandler {
        private final AmqpChannel channel;

        RecordingHandler(AmqpChannel channel) {
            this.channel = channel;
        }

        @Override
        public void onMethod(AmqpMethod method) {
        }

        @Override
        public void onPublish(AssembledPublish publish) {
            if (!congestion.isDone()) {
                HANDED_OVER_WHILE_CONGESTED.add(publish.routingKey());
            }
            PUBLISHES.add(publish);
            if (publish.routingKey().equals("congested")) {
                channel.connection().pauseReading(congestion, 30_000);
            }
        }

        @Override
        public void onClosed() {
        }
    }

    @BeforeAll
    static void startServer() throws InterruptedException {
        // Two event loops, so that waiting and granted connections are usually on different threads.
        server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(2).frameMax(FRAME_MAX)
                .contentBudget(CONTENT_BUDGET).closeTimeoutMs(500).channelHandlerFactory(RecordingHandler::new));
        port = server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    @AfterEach
    void everyReservationCameBack() {
        await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.reservedBytes() == 0
                && CONTENT_BUDGET.waitingCount() == 0);
        PUBLISHES.clear();
        HANDED_OVER_WHILE_CONGESTED.clear();
    }

    private static RawAmqpSocket connect(int... channels) throws IOException {
        RawAmqpSocket socket = new RawAmqpSocket(port).handshake(16, FRAME_MAX);
        for (int channel : channels) {
            socket.sendMethod(channel, new ChannelOpen());
            socket.expectMethod(ChannelOpenOk.class);
        }
        return socket;
    }

    /** A body whose bytes say which message they belong to, so a mix-up shows. */
    private static byte[] body(String key, int size) {
        byte[] body = new byte[size];
        int seed = key.hashCode();
        for (int i = 0; i < size; i++) {
            body[i] = (byte) (seed + i * 31);
        }
        return body;
    }

    private static void startMessage(RawAmqpSocket socket, int channel, String key, int size) throws IOException {
        socket.sendMethod(channel, new BasicPublish("", key, false, false));
        socket.sendHeader(channel, size);
    }

    private static void sendBody(RawAmqpSocket socket, int channel, String key, int size, int from, int to)
            throws IOException {
        socket.sendBody(channel, Arrays.copyOfRange(body(key, size), from, to), FRAME_MAX);
    }

    private static void publishWhole(RawAmqpSocket socket, int channel, String key, int size) throws IOException {
        startMessage(socket, channel, key, size);
        sendBody(socket, channel, key, size, 0, size);
    }

    private static List<String> keys() {
        return PUBLISHES.stream().map(AssembledPublish::routingKey).toList();
    }

    private static void awaitPublished(String... keys) {
        await().atMost(Duration.ofSeconds(10)).until(() -> keys().containsAll(List.of(keys)));
    }

    private static void assertWhole(String key, int size) {
        AssembledPublish publish = PUBLISHES.stream().filter(p -> p.routingKey().equals(key)).findFirst().orElseThrow();
        assertThat(publish.body().array()).as(key).isEqualTo(body(key, size));
    }

    @Test
    void shouldStopReadingAConnectionWhoseMessageDoesNotFitUntilTheBudgetComesBack() throws Exception {
        try (RawAmqpSocket holder = connect(1); RawAmqpSocket waiting = connect(1, 2); RawAmqpSocket small = connect(1)) {
            startMessage(holder, 1, "holder", 80_000);
            sendBody(holder, 1, "holder", 80_000, 0, 40_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.reservedBytes() == 80_000);

            // 50,000 more do not fit: this connection waits. Everything it sends after the header
            // (the body, a small message on another channel, one more on the first) waits with it.
            publishWhole(waiting, 1, "waiting-large", 50_000);
            publishWhole(waiting, 2, "waiting-small", 10);
            publishWhole(waiting, 1, "waiting-after", 20);
            await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.waitingCount() == 1);

            // Connections with nothing to reserve carry on: one frame of body needs no budget.
            publishWhole(small, 1, "small", 4000);
            awaitPublished("small");
            assertThat(keys()).as("nothing of the waiting connection overtakes its large message")
                    .doesNotContain("waiting-large", "waiting-small", "waiting-after");

            sendBody(holder, 1, "holder", 80_000, 40_000, 80_000);
            awaitPublished("holder", "waiting-large", "waiting-small", "waiting-after");
            assertThat(keys().subList(keys().indexOf("waiting-large"), keys().size()))
                    .containsExactly("waiting-large", "waiting-small", "waiting-after");
            assertWhole("holder", 80_000);
            assertWhole("waiting-large", 50_000);
            assertWhole("waiting-small", 10);
            assertThat(CONTENT_BUDGET.peakReservedBytes()).isLessThanOrEqualTo(BUDGET * 2);
        }
    }

    @Test
    void shouldKeepALargeBodysReservationWhileTheQueueItWentToCannotTakeIt() throws Exception {
        congestion = new CompletableFuture<>();
        try (RawAmqpSocket publisher = connect(1)) {
            publishWhole(publisher, 1, "congested", 60_000);
            awaitPublished("congested");
            // Handed over, but waiting in a full mailbox: its 60,000 bytes are still on the heap.
            assertThat(CONTENT_BUDGET.reservedBytes()).isEqualTo(60_000);
            congestion.complete(null);
            await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.reservedBytes() == 0);

            publishWhole(publisher, 1, "uncongested", 60_000);
            awaitPublished("uncongested");
            await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.reservedBytes() == 0);
        }
    }

    @Test
    void shouldHandleNothingMoreOfAReadOnceAPublishFindsItsQueueFull() throws Exception {
        congestion = new CompletableFuture<>();
        try (RawAmqpSocket publisher = connect(1, 2)) {
            // One write, so one read: the broker decodes all of it together.
            ByteBuf read = Unpooled.buffer();
            for (String key : List.of("congested", "after-1", "after-2")) {
                int channel = key.equals("after-1") ? 2 : 1;
                FrameWriter.writeMethod(read, channel, new BasicPublish("", key, false, false));
                FrameWriter.writeContentHeader(read, channel, 60, 10, MessageProperties.EMPTY);
                FrameWriter.writeBody(read, channel, body(key, 10), FRAME_MAX);
            }
            publisher.send(read);
            awaitPublished("congested");
            congestion.complete(null);

            awaitPublished("after-1", "after-2");
            assertThat(keys()).containsExactly("congested", "after-1", "after-2");
            assertThat(HANDED_OVER_WHILE_CONGESTED).as("the rest of the read waited for the queue")
                    .contains("congested").doesNotContain("after-1", "after-2");
            assertWhole("after-2", 10);
        }
    }

    @Test
    void shouldLetAConnectionReceivingALargeBodyStartAnotherOnAnotherChannel() throws Exception {
        try (RawAmqpSocket interleaving = connect(1, 2)) {
            startMessage(interleaving, 1, "first", 80_000);
            sendBody(interleaving, 1, "first", 80_000, 0, 30_000);
            // Past the budget, but waiting would stop the reads that finish "first": an overdraft.
            startMessage(interleaving, 2, "second", 60_000);
            sendBody(interleaving, 2, "second", 60_000, 0, 60_000);
            sendBody(interleaving, 1, "first", 80_000, 30_000, 80_000);

            awaitPublished("first", "second");
            assertWhole("first", 80_000);
            assertWhole("second", 60_000);
        }
    }

    @Test
    void shouldCloseAConnectionThatWouldOverdrawTheBudgetTwice() throws Exception {
        try (RawAmqpSocket greedy = connect(1, 2)) {
            startMessage(greedy, 1, "first", 100_000);
            sendBody(greedy, 1, "first", 100_000, 0, 10_000);
            startMessage(greedy, 2, "second", 100_001);

            ConnectionClose close = greedy.expectMethod(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(506);
            assertThat(close.replyText()).startsWith("RESOURCE_ERROR - message of 100001 bytes");
            greedy.sendMethod(0, new ConnectionCloseOk());
        }
    }

    @Test
    void shouldLetAMessageLargerThanTheBudgetGoOnceNothingElseHoldsAny() throws Exception {
        try (RawAmqpSocket holder = connect(1); RawAmqpSocket huge = connect(1)) {
            startMessage(holder, 1, "holder", 10_000);
            sendBody(holder, 1, "holder", 10_000, 0, 5_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.reservedBytes() == 10_000);

            publishWhole(huge, 1, "huge", 150_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.waitingCount() == 1);
            sendBody(holder, 1, "holder", 10_000, 5_000, 10_000);

            awaitPublished("holder", "huge");
            assertWhole("huge", 150_000);
        }
    }

    @Test
    void shouldGiveTheBudgetBackWhenAConnectionFailsOrDropsMidMessage() throws Exception {
        try (RawAmqpSocket waiting = connect(1)) {
            try (RawAmqpSocket failing = connect(1); RawAmqpSocket dropping = connect(1)) {
                startMessage(failing, 1, "failing", 60_000);
                sendBody(failing, 1, "failing", 60_000, 0, 1_000);
                startMessage(dropping, 1, "dropping", 40_000);
                await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.reservedBytes() == 100_000);
                publishWhole(waiting, 1, "waiting", 90_000);
                await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.waitingCount() == 1);

                // A method in the middle of content is a connection error (505): its reservation goes back.
                failing.sendMethod(1, new ChannelOpen());
                assertThat(failing.expectMethod(ConnectionClose.class).replyCode()).isEqualTo(505);
                await().atMost(Duration.ofSeconds(5)).until(() -> CONTENT_BUDGET.reservedBytes() == 40_000);
                assertThat(CONTENT_BUDGET.waitingCount()).as("90,000 do not fit beside 40,000").isEqualTo(1);
            }
            // The dropping connection's socket closed mid-message: its 40,000 come back too.
            awaitPublished("waiting");
            assertWhole("waiting", 90_000);
        }
    }

    @Test
    void shouldFreeAnOffHeapBodyAbandonedMidMessageAtOnce() throws Exception {
        int size = 2 * 1024 * 1024; // off the heap: from 1 MiB up
        long before = MessageBody.directBytesInUse();
        try (RawAmqpSocket failing = connect(1); RawAmqpSocket dropping = connect(1)) {
            startMessage(failing, 1, "failing", size);
            sendBody(failing, 1, "failing", size, 0, 10_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> MessageBody.directBytesInUse() - before >= size);
            // A method in the middle of content ends the connection (505); the body goes back with it.
            failing.sendMethod(1, new ChannelOpen());
            assertThat(failing.expectMethod(ConnectionClose.class).replyCode()).isEqualTo(505);
            await().atMost(Duration.ofSeconds(5)).until(() -> MessageBody.directBytesInUse() <= before);

            startMessage(dropping, 1, "dropping", size);
            sendBody(dropping, 1, "dropping", size, 0, 10_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> MessageBody.directBytesInUse() - before >= size);
        }
        // The dropping socket closed mid-message: freed now, not when a collection finds it.
        await().atMost(Duration.ofSeconds(5)).until(() -> MessageBody.directBytesInUse() <= before);
        assertThat(PUBLISHES).isEmpty();
    }
}
