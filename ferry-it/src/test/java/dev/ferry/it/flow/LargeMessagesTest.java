package dev.ferry.it.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.BrokerJmx;
import dev.ferry.it.support.BrokerProcess;
import dev.ferry.it.support.RawAmqpClient;
import java.io.DataOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight connections announce a 64 MiB message each, all at once, to a broker with a 512 MiB heap
 * and a 64 MiB content budget. Before the budget, each announced body was allocated at its content
 * header, 512 MiB in all, and the broker ran out of memory. Now one body at a time is received;
 * the others' connections are not read until budget comes back. Every message arrives whole, and
 * a small publisher/consumer pair on its own queue is served while the large ones wait.
 */
class LargeMessagesTest {
    private static final int CONNECTIONS = 8;
    private static final int BODY_BYTES = 64 << 20;
    private static final long BUDGET = 64 << 20;

    @TempDir
    Path temp;

    @Test
    void shouldReceiveManyLargeMessagesAtOnceWithinTheContentBudget() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("data"), "--max-message-bytes",
                Integer.toString(BODY_BYTES), "--content-budget-bytes", Long.toString(BUDGET))) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setPort(broker.amqpPort());
            factory.setAutomaticRecoveryEnabled(false);
            factory.setMaxInboundMessageBodySize(BODY_BYTES * 2);
            try (Connection connection = factory.newConnection()) {
                Channel channel = connection.createChannel();
                channel.queueDeclare("large", false, false, false, null);
                channel.queueDeclare("pair", false, false, false, null);

                // Every connection announces its message before any sends a body byte.
                List<RawAmqpClient> senders = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    RawAmqpClient sender = new RawAmqpClient("127.0.0.1", broker.amqpPort());
                    sender.handshake(0);
                    sender.openChannel(1);
                    sender.sendFrame(RawAmqpClient.FRAME_METHOD, 1, publishMethod("large"));
                    sender.sendFrame(RawAmqpClient.FRAME_HEADER, 1, contentHeader(BODY_BYTES));
                    senders.add(sender);
                }
                Map<Integer, Long> sentChecksums = new ConcurrentHashMap<>();
                ExecutorService bodies = Executors.newFixedThreadPool(CONNECTIONS);
                try {
                    List<Future<?>> sending = new ArrayList<>();
                    for (int i = 0; i < CONNECTIONS; i++) {
                        int sender = i;
                        sending.add(bodies.submit(() -> {
                            sentChecksums.put(sender, sendBody(senders.get(sender), sender));
                            return null;
                        }));
                    }

                    // While the large bodies queue for budget, a small round trip still works.
                    roundTrip(connection.createChannel(), "pair", "unrelated");

                    for (Future<?> send : sending) {
                        send.get(5, TimeUnit.MINUTES);
                    }
                } finally {
                    bodies.shutdownNow();
                }

                Channel reader = connection.createChannel();
                Map<Integer, Long> receivedChecksums = new ConcurrentHashMap<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    GetResponse response = awaitGet(reader, "large");
                    byte[] body = response.getBody();
                    assertThat(body).hasSize(BODY_BYTES);
                    CRC32 crc = new CRC32();
                    crc.update(body);
                    receivedChecksums.put(ByteBuffer.wrap(body).getInt(), crc.getValue());
                }
                assertThat(receivedChecksums).isEqualTo(sentChecksums);
                for (RawAmqpClient sender : senders) {
                    sender.close();
                }

                try (BrokerJmx jmx = BrokerJmx.attach(broker)) {
                    assertThat(jmx.ingress("ContentWaits")).as("connections waited for budget").isPositive();
                    assertThat(jmx.ingress("ContentReservedPeakBytes")).isLessThanOrEqualTo(BUDGET);
                    assertThat(jmx.ingress("ContentReservedBytes")).isZero();
                }
            }
            assertThat(broker.isAlive()).isTrue();
            assertThat(broker.output()).noneMatch(line -> line.contains("OutOfMemoryError"));
        }
    }

    /** Body frames of the connection's frame_max; the body starts with the sender's number. */
    private static long sendBody(RawAmqpClient sender, int number) throws Exception {
        int chunk = sender.frameMax() - 8;
        byte[] frame = new byte[chunk];
        CRC32 crc = new CRC32();
        for (int offset = 0; offset < BODY_BYTES; offset += chunk) {
            int length = Math.min(chunk, BODY_BYTES - offset);
            for (int i = 0; i < length; i++) {
                frame[i] = (byte) ((offset + i) * 31 + number);
            }
            if (offset == 0) {
                ByteBuffer.wrap(frame).putInt(number);
            }
            crc.update(frame, 0, length);
            sender.sendFrame(RawAmqpClient.FRAME_BODY, 1, length == chunk ? frame : java.util.Arrays.copyOf(frame, length));
        }
        return crc.getValue();
    }

    private static void roundTrip(Channel channel, String queue, String text) throws Exception {
        channel.basicPublish("", queue, null, text.getBytes());
        assertThat(new String(awaitGet(channel, queue).getBody())).isEqualTo(text);
    }

    /** basic.get until a message comes, for up to a minute. */
    private static GetResponse awaitGet(Channel channel, String queue) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline) {
            GetResponse response = channel.basicGet(queue, true);
            if (response != null) {
                return response;
            }
            Thread.sleep(20); // polling a queue over the wire: there is nothing to wait on
        }
        throw new AssertionError("no message on " + queue + " within a minute");
    }

    private static byte[] publishMethod(String queue) {
        return new RawAmqpClient.MethodWriter(60, 40).shortInt(0).shortString("").shortString(queue).octet(0)
                .toByteArray();
    }

    private static byte[] contentHeader(long bodySize) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeShort(60);
        out.writeShort(0);
        out.writeLong(bodySize);
        out.writeShort(0);
        return bytes.toByteArray();
    }
}
