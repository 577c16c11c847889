package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that sends requests and never reads the answers. Each ApiVersions answer is about 30
 * times its request, so such a client once made the broker buffer answers until direct memory ran
 * out, and the event loop stalled in the allocator with every other client's connection. Kafka mutes a
 * connection until its answer is sent; Ferry stops reading one while more than the socket's high
 * water mark of answers waits for it, and reads on once the client catches up.
 */
class KafkaUnreadResponsesTest {
    /** A request of 14 bytes: size, ApiVersions v0, the correlation id, a null client id. */
    private static final int REQUEST_BYTES = 14;
    private static final int MAX_REQUESTS = 1_000_000;

    private static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws IOException {
        // A small direct-memory budget: without the bound, the unread answers exhaust it within a
        // fraction of MAX_REQUESTS (about 150,000 answers of some 430 bytes).
        broker = BrokerProcess.startWithJvmOptions(Files.createTempDirectory("ferry-kafka-unread").resolve("data"),
                List.of("-XX:MaxDirectMemorySize=64m"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.terminate();
        }
    }

    @Test
    void shouldStopReadingAClientThatDoesNotReadAndAnswerEverythingOnceItDoes() throws Exception {
        try (SocketChannel flooder = SocketChannel.open()) {
            flooder.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            flooder.connect(new InetSocketAddress("127.0.0.1", broker.kafkaPort()));
            int sent = sendUntilTheBrokerStopsReading(flooder);

            assertThat(sent).as("requests the broker took before it stopped reading").isLessThan(MAX_REQUESTS);
            // The flooder is still connected and still not reading: everyone else is served meanwhile.
            try (Admin admin = Admin.create(KafkaTestBase.clientProperties("127.0.0.1:" + broker.kafkaPort(), Map.of()))) {
                assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isNotEmpty();
            }
            assertThat(broker.isAlive()).isTrue();

            // Now it reads: every request is answered, in order, on the same connection.
            assertThat(readAnswers(flooder, sent)).isEqualTo(sent);
        }
        assertThat(broker.output()).noneMatch(line -> line.contains("OutOfMemoryError"));
    }

    /**
     * Writes ApiVersions requests without reading until MAX_REQUESTS are written or no byte more
     * goes out for three seconds (the socket buffers on both sides are full, so the broker does not
     * read); returns how many were written whole.
     */
    private static int sendUntilTheBrokerStopsReading(SocketChannel channel) throws IOException {
        int perChunk = 4096;
        ByteBuffer chunk = ByteBuffer.allocate(perChunk * REQUEST_BYTES).flip();
        long written = 0;
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_WRITE);
            int next = 0;
            while (next < MAX_REQUESTS || chunk.hasRemaining()) {
                if (!chunk.hasRemaining()) {
                    chunk.clear();
                    for (int i = 0; i < perChunk; i++) {
                        chunk.putInt(REQUEST_BYTES - 4).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 0)
                                .putInt(next++).putShort((short) -1);
                    }
                    chunk.flip();
                }
                int bytes = channel.write(chunk);
                written += bytes;
                if (bytes == 0) {
                    selector.selectedKeys().clear();
                    if (selector.select(3000) == 0) {
                        break;
                    }
                }
            }
        }
        channel.configureBlocking(true);
        if (written % REQUEST_BYTES != 0) {
            // Finish the request cut in half, so the answers can be counted.
            ByteBuffer rest = chunk.duplicate();
            rest.limit(rest.position() + (int) (REQUEST_BYTES - written % REQUEST_BYTES));
            while (rest.hasRemaining()) {
                channel.write(rest);
            }
            written += REQUEST_BYTES - written % REQUEST_BYTES;
        }
        return (int) (written / REQUEST_BYTES);
    }

    /** Reads {@code expected} answers and checks their correlation ids run 0, 1, 2...; returns how many came. */
    private static int readAnswers(SocketChannel channel, int expected) throws IOException {
        channel.socket().setSoTimeout(30_000);
        var in = new java.io.DataInputStream(new java.io.BufferedInputStream(channel.socket().getInputStream(), 1 << 16));
        for (int i = 0; i < expected; i++) {
            int size = in.readInt();
            int correlationId = in.readInt();
            assertThat(correlationId).as("answer %d", i).isEqualTo(i);
            in.skipNBytes(size - 4);
        }
        return expected;
    }
}
