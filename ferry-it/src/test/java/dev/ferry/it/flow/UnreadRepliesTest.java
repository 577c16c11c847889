package dev.ferry.it.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.BrokerProcess;
import dev.ferry.it.support.RawAmqpClient;
import dev.ferry.it.support.RawAmqpClient.MethodWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that sends methods and never reads the replies. The broker once read on and kept every
 * reply for it in direct memory; when that ran out, the connection failed with an OutOfMemoryError
 * (the Kafka front's event loop stalled outright: KafkaUnreadResponsesTest). Now a connection is not
 * read while more than the socket's high water mark of replies waits for its client; once the
 * client reads, everything is answered. RabbitMQ 3.10 reads on (its node's memory grew to 3.8 GB
 * with these 4 million frames): Ferry differs on purpose.
 */
class UnreadRepliesTest {
    /** basic.qos, 19 bytes a frame; its qos-ok is 12. Enough of them for replies well over MaxDirectMemorySize. */
    private static final int FRAMES = 4_000_000;
    private static final int FRAMES_PER_WRITE = 10_000;

    private static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerProcess.startWithJvmOptions(Files.createTempDirectory("ferry-unread-replies").resolve("data"),
                List.of("-XX:MaxDirectMemorySize=32m"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.terminate();
        }
    }

    @Test
    void shouldStopReadingAClientThatDoesNotReadItsRepliesAndAnswerEverythingOnceItDoes() throws Exception {
        try (RawAmqpClient flooder = new RawAmqpClient("127.0.0.1", broker.amqpPort())) {
            flooder.handshake(0);
            flooder.openChannel(1);
            byte[] qos = RawAmqpClient.methodFrame(1, new MethodWriter(60, 10).longInt(0).shortInt(10).octet(0));
            byte[] manyQos = new byte[qos.length * FRAMES_PER_WRITE];
            for (int i = 0; i < FRAMES_PER_WRITE; i++) {
                System.arraycopy(qos, 0, manyQos, i * qos.length, qos.length);
            }
            AtomicLong framesWritten = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int sent = 0; sent < FRAMES; sent += FRAMES_PER_WRITE) {
                        flooder.sendBytes(manyQos);
                        framesWritten.addAndGet(FRAMES_PER_WRITE);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            awaitNoProgress(framesWritten, writer);

            assertThat(writer).as("the broker stopped reading before all %d frames", FRAMES).isNotDone();
            // The flooder is connected and still not reading: another client is served meanwhile.
            ConnectionFactory factory = new ConnectionFactory();
            factory.setPort(broker.amqpPort());
            try (Connection other = factory.newConnection()) {
                String queue = other.createChannel().queueDeclare().getQueue();
                assertThat(queue).startsWith("amq.gen-");
            }

            // Now it reads: one qos-ok per qos, in FRAMES_PER_WRITE at a time, and the writer gets to the end.
            byte[] qosOk = RawAmqpClient.methodFrame(1, new MethodWriter(60, 11));
            byte[] replies = new byte[qosOk.length * FRAMES_PER_WRITE];
            for (int read = 0; read < FRAMES; read += FRAMES_PER_WRITE) {
                flooder.readFully(replies);
                for (int i = 0; i < FRAMES_PER_WRITE; i++) {
                    if (!Arrays.equals(replies, i * qosOk.length, (i + 1) * qosOk.length, qosOk, 0, qosOk.length)) {
                        throw new AssertionError("reply " + (read + i) + " is not a basic.qos-ok on channel 1");
                    }
                }
            }
            writer.get(60, TimeUnit.SECONDS);
        }
        assertThat(broker.isAlive()).isTrue();
        assertThat(broker.output()).noneMatch(line -> line.contains("OutOfMemoryError"));
    }

    /** Returns once the writer is done, or has written nothing more for two seconds. */
    private static void awaitNoProgress(AtomicLong framesWritten, CompletableFuture<Void> writer) throws Exception {
        long seen = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!writer.isDone() && framesWritten.get() != seen && System.nanoTime() < deadline) {
            seen = framesWritten.get();
            try {
                writer.get(2, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException stillWriting) {
                // Checked again above: progress, or none for two seconds.
            } catch (java.util.concurrent.ExecutionException failed) {
                return; // the caller finds the writer done
            }
        }
    }
}
