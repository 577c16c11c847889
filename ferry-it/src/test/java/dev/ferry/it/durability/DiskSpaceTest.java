package dev.ferry.it.durability;

import static dev.ferry.it.durability.DurabilityTest.directoryBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;

import dev.ferry.it.support.BrokerJmx;
import dev.ferry.it.support.BrokerProcess;
import dev.ferry.it.support.SmallDisk;

/**
 * The broker's disk end to end: a data directory on a small tmpfs that really fills up, and a
 * drained queue giving its disk back. Real broker processes, RabbitMQ's Java client.
 */
class DiskSpaceTest extends BrokerProcessTestBase {
    private static final String PADDING = "x".repeat(4096);
    private SmallDisk disk;

    @AfterEach
    void unmount() throws Exception {
        // The brokers first: a file system a process still uses cannot be unmounted.
        brokers.forEach(BrokerProcess::close);
        if (disk != null) {
            disk.close();
        }
    }

    /** The ids of the messages a publisher got acks for and nacks for, each in publish order. */
    private record Answers(List<String> acked, List<String> nacked) {
    }

    /**
     * Publishes persistent messages {@code prefix0 .. prefix(count-1)} of about 4 KiB to {@code queue}
     * with publisher confirms, and waits for every answer.
     */
    private static Answers publish(Channel channel, String queue, String prefix, int count) throws Exception {
        return publish(channel, queue, prefix, count, PADDING);
    }

    /** As {@link #publish(Channel, String, String, int)}, each body ending with {@code padding}. */
    private static Answers publish(Channel channel, String queue, String prefix, int count, String padding)
            throws Exception {
        ConcurrentNavigableMap<Long, Integer> outstanding = new ConcurrentSkipListMap<>();
        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        Set<Integer> nacked = ConcurrentHashMap.newKeySet();
        ConfirmListener listener = new ConfirmListener() {
            @Override
            public void handleAck(long deliveryTag, boolean multiple) {
                answer(deliveryTag, multiple, acked);
            }

            @Override
            public void handleNack(long deliveryTag, boolean multiple) {
                answer(deliveryTag, multiple, nacked);
            }

            private void answer(long deliveryTag, boolean multiple, Set<Integer> into) {
                var answered = multiple ? outstanding.headMap(deliveryTag, true)
                        : outstanding.subMap(deliveryTag, true, deliveryTag, true);
                into.addAll(answered.values());
                answered.clear();
            }
        };
        channel.confirmSelect();
        channel.addConfirmListener(listener);
        try {
            for (int i = 0; i < count; i++) {
                outstanding.put(channel.getNextPublishSeqNo(), i);
                channel.basicPublish("", queue, MessageProperties.PERSISTENT_BASIC,
                        (prefix + i + ":" + padding).getBytes(StandardCharsets.UTF_8));
            }
            await().atMost(Duration.ofSeconds(60)).until(outstanding::isEmpty);
        } finally {
            channel.removeConfirmListener(listener);
        }
        List<String> ackedIds = new ArrayList<>();
        List<String> nackedIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            (acked.contains(i) ? ackedIds : nackedIds).add(prefix + i);
        }
        return new Answers(ackedIds, nackedIds);
    }

    private static String id(GetResponse response) {
        String body = new String(response.getBody(), StandardCharsets.UTF_8);
        return body.substring(0, body.indexOf(':'));
    }

    /** Every message ready in {@code queue}, taken with basic.get and left unacked. */
    private static List<String> getAll(Channel channel, String queue) throws IOException {
        List<String> ids = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(queue, false)) != null) {
            ids.add(id(response));
        }
        return ids;
    }

    @Test
    void shouldNeverDeliverANackedMessageAndAcceptAgainOnceSpaceIsFreedWithoutARestart() throws Exception {
        disk = SmallDisk.mount(dataDir.resolve("disk"), 24);
        Path data = disk.path().resolve("data");
        String[] arguments = {"--disk-free-limit-bytes", "0", // the alarm must not stop the publisher first
                "--queue-segment-bytes", "262144", "--max-message-bytes", "8192", "--frame-max", "8192",
                "--ack-checkpoint-interval-ms", "100"};
        BrokerProcess broker = BrokerProcess.start(data, arguments);
        brokers.add(broker);
        Channel channel = channel(broker);
        channel.queueDeclare("q", true, false, false, null);
        Path filler = disk.fill(256 * 1024);

        Answers full = publish(channel, "q", "a", 300);
        assertThat(full.nacked()).as("the disk filled up: nacks came").isNotEmpty();
        assertThat(full.acked()).as("what fitted was confirmed").isNotEmpty();

        // Exactly the acked messages are in the queue; not one nacked message is delivered.
        Channel reader = channel(broker);
        assertThat(getAll(reader, "q")).containsExactlyElementsOf(full.acked());
        reader.close(); // back into the queue, unacked

        // Space comes back: the broker takes messages again, without a restart.
        Files.delete(filler);
        List<String> acceptedAfterwards = new ArrayList<>();
        int[] probe = {0};
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Answers answer = publish(channel, "q", "probe" + probe[0]++ + "-", 1);
            acceptedAfterwards.addAll(answer.acked());
            return !answer.acked().isEmpty();
        });
        Answers after = publish(channel, "q", "b", 50);
        assertThat(after.nacked()).isEmpty();
        acceptedAfterwards.addAll(after.acked());

        // Killed and restarted: every acked message is there, in order, and nothing else.
        broker.kill();
        BrokerProcess restarted = BrokerProcess.start(data, arguments);
        brokers.add(restarted);
        List<String> expected = new ArrayList<>(full.acked());
        expected.addAll(acceptedAfterwards);
        List<String> recovered = new ArrayList<>();
        Channel consumer = channel(restarted);
        GetResponse response;
        while ((response = consumer.basicGet("q", true)) != null) {
            recovered.add(id(response));
        }
        assertThat(recovered).containsExactlyElementsOf(expected);
        assertThat(Collections.disjoint(recovered, full.nacked())).isTrue();
    }

    @Test
    void shouldNackLargeBodiesTheFullDiskCannotTakeAndGiveTheirMemoryBack() throws Exception {
        // Bodies of 3 MiB are held off the heap while they wait; a failed append must free them too.
        disk = SmallDisk.mount(dataDir.resolve("disk"), 24);
        Path data = disk.path().resolve("data");
        String[] arguments = {"--disk-free-limit-bytes", "0", "--ack-checkpoint-interval-ms", "100"};
        BrokerProcess broker = BrokerProcess.start(data, arguments);
        brokers.add(broker);
        Channel channel = channel(broker);
        channel.queueDeclare("large", true, false, false, null);
        Path filler = disk.fill(8L << 20);
        String large = "y".repeat(3 << 20);

        Answers full = publish(channel, "large", "a", 8, large);
        assertThat(full.nacked()).as("the disk filled up: nacks came").isNotEmpty();

        try (BrokerJmx jmx = BrokerJmx.attach(broker)) {
            Channel reader = channel(broker);
            List<String> delivered = new ArrayList<>();
            GetResponse response;
            while ((response = reader.basicGet("large", false)) != null) {
                assertThat(response.getBody()).hasSize(("a0:" + large).length());
                delivered.add(id(response));
                reader.basicAck(response.getEnvelope().getDeliveryTag(), false);
            }
            assertThat(delivered).containsExactlyElementsOf(full.acked());
            // Nothing waits any more: every body, nacked or delivered, has been given back.
            await().atMost(Duration.ofSeconds(10)).until(() -> jmx.ingress("OffHeapBodyBytes") == 0);
            assertThat(jmx.ingress("OffHeapBodyBytesLeftToCollector"))
                    .as("the nacked bodies were freed, not left to a collection").isZero();

            // With the space back, a large message is taken and kept.
            Files.delete(filler);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> publish(channel, "large", "b", 1, large).nacked().isEmpty());
        }
        assertThat(channel(broker).queueDeclarePassive("large").getMessageCount()).isPositive();
    }

    @Test
    void shouldGiveBackTheWholeLogOfADrainedQueue() throws Exception {
        // Default segment size (256 MiB): the whole backlog lies in the active segment.
        BrokerProcess broker = start("--ack-checkpoint-interval-ms", "100");
        Channel channel = channel(broker);
        channel.queueDeclare("drained", true, false, false, null);
        Answers published = publish(channel, "drained", "m", 1000);
        assertThat(published.nacked()).isEmpty();
        Path queueDir = dataDir.resolve("queues").resolve("%2F").resolve("drained");
        assertThat(directoryBytes(queueDir)).isGreaterThan(4_000_000L);

        for (int i = 0; i < 1000; i++) {
            GetResponse response = channel.basicGet("drained", false);
            channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
        }

        // The fully settled active segment is rolled and deleted: what is left is a few small files.
        await().atMost(Duration.ofSeconds(10)).until(() -> directoryBytes(queueDir) < 64 * 1024);
        broker.kill();
        assertThat(channel(start()).queueDeclarePassive("drained").getMessageCount()).isZero();
    }
}
