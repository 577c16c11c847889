package dev.ferry.it.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.BrokerJmx;
import dev.ferry.it.support.BrokerProcess;
import dev.ferry.it.support.RawPublisher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw-socket publishers flooding a queue nobody consumes from. The queue's one thread writes every
 * message to its spill log, more slowly than four connections can decode publishes; without a bound
 * the difference piled up as enqueue commands on the heap (the issue saw 472,000 of them). With it,
 * the publishers' connections stop being read whenever 1024 publishes (1 MiB of bodies) wait for the queue's thread,
 * so they go at its pace, and every message still arrives.
 *
 * <p>What waits is read from the broker's own {@code dev.ferry:type=Ingress} JMX attributes, the
 * largest backlog any publisher found.
 */
class PublisherFloodTest {
    private static final int CONNECTIONS = 4;
    private static final int MESSAGES_PER_CONNECTION = 40_000;
    private static final int BODY_BYTES = 1024;
    private static final int MAILBOX_MESSAGES = 1024; // the default (and 1 MiB of these 1 KiB bodies)

    @TempDir
    Path temp;

    @Test
    void shouldHoldPublishersToTheQueuesPaceWithWhatWaitsForItBounded() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("data"), "--queue-threads", "1")) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setPort(broker.amqpPort());
            factory.setAutomaticRecoveryEnabled(false);
            try (Connection connection = factory.newConnection()) {
                Channel channel = connection.createChannel();
                channel.queueDeclare("flood", false, false, false, null);

                ExecutorService publishers = Executors.newFixedThreadPool(CONNECTIONS);
                List<RawPublisher> sockets = new ArrayList<>();
                try {
                    List<Future<?>> running = new ArrayList<>();
                    for (int i = 0; i < CONNECTIONS; i++) {
                        RawPublisher publisher = new RawPublisher("127.0.0.1", broker.amqpPort());
                        sockets.add(publisher);
                        running.add(publishers.submit(() -> {
                            publisher.publish("flood", MESSAGES_PER_CONNECTION, BODY_BYTES);
                            return null;
                        }));
                    }
                    for (Future<?> publisher : running) {
                        publisher.get(3, TimeUnit.MINUTES);
                    }
                    int total = CONNECTIONS * MESSAGES_PER_CONNECTION;
                    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                            .until(() -> channel.queueDeclarePassive("flood").getMessageCount() == total);
                } finally {
                    for (RawPublisher publisher : sockets) {
                        publisher.close();
                    }
                    publishers.shutdownNow();
                }

                long peak;
                try (BrokerJmx jmx = BrokerJmx.attach(broker)) {
                    peak = jmx.ingress("QueueMailboxPeakMessages");
                    assertThat(jmx.ingress("QueueMailboxWaitingMessages")).isZero();
                }
                // Each connection may decode the rest of one socket read (64 KiB, about 60 publishes
                // here) after the publish that found the mailbox full; twice the bound is well above that.
                assertThat(peak).as("most publishes found waiting for the queue's thread: %d", peak)
                        .isLessThanOrEqualTo(2L * MAILBOX_MESSAGES);

                GetResponse first = channel.basicGet("flood", true);
                assertThat(first.getBody()).hasSize(BODY_BYTES);
            }
        }
    }

    /**
     * Publishes of empty bodies to a fanout: one socket read holds about 1,400 of them, and each is a
     * command for every queue bound. The frames a connection decodes after the publish that found a
     * queue full wait, as read, until the queue has caught up; when they were handled at once, each
     * publisher's last read went on into every mailbox and 100 publishers to 1,500 queues filled the
     * heap (the Java client's Bug19219Test). So past the bound, each connection adds at most the one
     * publish that found it full (and one more each time the congestion pause's backstop ends a wait).
     */
    @Test
    void shouldStopFanOutPublishersAtTheBoundWithTheRestOfTheirReadUnhandled() throws Exception {
        int connections = 8;
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("data"), "--queue-threads", "1")) {
            long peak = floodFanOut(broker, connections, 50, 3_000).get("QueueMailboxPeakMessages");
            assertThat(peak).as("most publishes found waiting for a queue's thread: %d", peak)
                    .isGreaterThanOrEqualTo(MAILBOX_MESSAGES) // the flood did reach the bound
                    .isLessThanOrEqualTo(MAILBOX_MESSAGES + 4L * connections);
        }
    }

    /**
     * The same flood against a broker-wide bound far below what the queues' own bounds allow
     * together (50 x 1,024): the copies waiting in all mailboxes stop there, past it by at most a
     * few publishes of each connection, each publish 50 copies.
     */
    @Test
    void shouldHoldFanOutPublishersAtTheBrokerWideBoundOnWhatWaitsInAllMailboxes() throws Exception {
        int connections = 8;
        int queues = 50;
        long total = 6_000;
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("data"), "--queue-threads", "1",
                "--queue-mailbox-total-messages", String.valueOf(total))) {
            Map<String, Long> ingress = floodFanOut(broker, connections, queues, 3_000);
            long peak = ingress.get("QueueMailboxTotalPeakMessages");
            assertThat(ingress.get("QueueMailboxTotalBound")).isEqualTo(total);
            assertThat(peak).as("most copies found waiting in all mailboxes: %d", peak)
                    .isGreaterThan(total) // the flood did reach the bound
                    .isLessThanOrEqualTo(total + 4L * connections * queues);
            assertThat(ingress.get("QueueMailboxPeakMessages")).as("no queue reached its own bound")
                    .isLessThan(MAILBOX_MESSAGES);
        }
    }

    /**
     * Raw publishers of empty bodies to a fanout of {@code queues}, none consumed; returns the
     * broker's ingress attributes once every queue holds every message and nothing waits.
     */
    private static Map<String, Long> floodFanOut(BrokerProcess broker, int connections, int queues,
            int messagesPerConnection) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        try (Connection connection = factory.newConnection()) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclare("wide", "fanout");
            for (int q = 0; q < queues; q++) {
                channel.queueDeclare("wide-" + q, false, false, false, null);
                channel.queueBind("wide-" + q, "wide", "");
            }

            ExecutorService publishers = Executors.newFixedThreadPool(connections);
            List<RawPublisher> sockets = new ArrayList<>();
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    RawPublisher publisher = new RawPublisher("127.0.0.1", broker.amqpPort());
                    sockets.add(publisher);
                    running.add(publishers.submit(() -> {
                        publisher.publish("wide", "", messagesPerConnection, 0);
                        return null;
                    }));
                }
                for (Future<?> publisher : running) {
                    publisher.get(3, TimeUnit.MINUTES);
                }
                int total = connections * messagesPerConnection;
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                        .until(() -> channel.queueDeclarePassive("wide-0").getMessageCount() == total
                                && channel.queueDeclarePassive("wide-" + (queues - 1)).getMessageCount() == total);
            } finally {
                for (RawPublisher publisher : sockets) {
                    publisher.close();
                }
                publishers.shutdownNow();
            }
        }
        try (BrokerJmx jmx = BrokerJmx.attach(broker)) {
            Map<String, Long> ingress = new HashMap<>();
            for (String name : List.of("QueueMailboxPeakMessages", "QueueMailboxTotalPeakMessages",
                    "QueueMailboxTotalBound")) {
                ingress.put(name, jmx.ingress(name));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> jmx.ingress("QueueMailboxWaitingMessages") == 0);
            return ingress;
        }
    }
}
