package dev.ferry.it.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;

import dev.ferry.it.support.BrokerProcess;

/**
 * Durability end to end: real broker processes stopped with SIGTERM or SIGKILL and restarted on
 * the same data directory, with RabbitMQ's Java client (and pika for a killed consumer).
 */
class DurabilityTest extends BrokerProcessTestBase {
    /** Short ack checkpoints so the tests need not wait long for one. */
    static final String[] FAST_CHECKPOINTS = {"--ack-checkpoint-interval-ms", "200"};

    static void publishConfirmed(Channel channel, String exchange, String routingKey, List<String> bodies)
            throws Exception {
        channel.confirmSelect();
        for (String body : bodies) {
            channel.basicPublish(exchange, routingKey, MessageProperties.PERSISTENT_TEXT_PLAIN,
                    body.getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
    }

    static List<String> bodies(String prefix, int count) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            bodies.add(prefix + i);
        }
        return bodies;
    }

    static String body(GetResponse response) {
        return new String(response.getBody(), StandardCharsets.UTF_8);
    }

    /** Everything ready in the queue, auto-acked, with whether each came redelivered. */
    static Map<String, Boolean> drain(Channel channel, String queue, List<String> order) throws IOException {
        Map<String, Boolean> drained = new HashMap<>();
        GetResponse response;
        while ((response = channel.basicGet(queue, true)) != null) {
            order.add(body(response));
            drained.put(body(response), response.getEnvelope().isRedeliver());
        }
        return drained;
    }

    static boolean exists(BrokerProcess broker, DurabilityTest test, boolean queue, String name) throws Exception {
        Channel channel = test.channel(broker);
        try {
            if (queue) {
                channel.queueDeclarePassive(name);
            } else {
                channel.exchangeDeclarePassive(name);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ (a) metadata

    @Test
    void shouldRestoreDurableExchangesQueuesAndBindingsAfterSigtermAndSigkill() throws Exception {
        BrokerProcess broker = start();
        Channel channel = channel(broker);
        Map<String, Object> queueArguments = Map.of("x-max-length", 1000, "x-dead-letter-exchange", "dlx");
        channel.exchangeDeclare("orders", "topic", true);
        channel.exchangeDeclare("audit", "fanout", true);
        channel.exchangeDeclare("scratch", "direct", false);
        channel.queueDeclare("order-events", true, false, false, queueArguments);
        channel.queueDeclare("audit-log", true, false, false, null);
        channel.queueDeclare("dropped-binding", true, false, false, null);
        channel.queueDeclare("transient", false, false, false, null);
        channel.queueBind("order-events", "orders", "order.#");
        channel.queueBind("dropped-binding", "orders", "order.#");
        channel.queueUnbind("dropped-binding", "orders", "order.#");
        channel.exchangeBind("audit", "orders", "#");
        channel.queueBind("audit-log", "audit", "");
        channel.queueBind("transient", "orders", "#");

        for (boolean kill : new boolean[] {false, true}) {
            if (kill) {
                broker.kill();
            } else {
                assertThat(broker.terminate()).isZero();
            }
            broker = start();
            assertThat(exists(broker, this, false, "orders")).isTrue();
            assertThat(exists(broker, this, false, "audit")).isTrue();
            assertThat(exists(broker, this, false, "scratch")).isFalse();
            assertThat(exists(broker, this, true, "order-events")).isTrue();
            assertThat(exists(broker, this, true, "transient")).isFalse();
            channel = channel(broker);
            // The arguments came back: the same declaration is equivalent, another one is not.
            channel.queueDeclare("order-events", true, false, false, queueArguments);
            Channel other = channel(broker);
            assertThatThrownBy(() -> other.queueDeclare("order-events", true, false, false, Map.of("x-max-length", 5)))
                    .isInstanceOf(IOException.class);
            String id = kill ? "after-kill" : "after-term";
            publishConfirmed(channel, "orders", "order.created", List.of(id));
            // (After the kill, the previous round's message may be back too: its auto-ack was not
            // checkpointed yet. At-least-once.)
            assertThat(drain(channel, "order-events", new ArrayList<>())).containsKey(id);
            assertThat(drain(channel, "audit-log", new ArrayList<>())).containsKey(id);
            assertThat(channel.basicGet("dropped-binding", true)).isNull();
        }
    }

    @Test
    void shouldRestoreADurableQueueTheBrokerNamedWithItsMessages() throws Exception {
        // queue.declare with an empty name, durable and not exclusive: the broker names it amq.gen-...,
        // a name no client may declare, which its own restore must still take (it was orphaned).
        BrokerProcess broker = start();
        Channel channel = channel(broker);
        String queue = channel.queueDeclare("", true, false, false, null).getQueue();
        assertThat(queue).startsWith("amq.gen-");
        publishConfirmed(channel, "", queue, List.of("before-term", "before-kill"));

        assertThat(broker.terminate()).isZero();
        broker = start();
        assertThat(exists(broker, this, true, queue)).isTrue();
        broker.kill();
        broker = start();

        assertThat(drain(channel(broker), queue, new ArrayList<>())).containsOnlyKeys("before-term", "before-kill");
    }

    @Test
    void shouldKeepAutoDeletedDurableExchangesDeletedAfterARestart() throws Exception {
        BrokerProcess broker = start();
        Channel channel = channel(broker);
        channel.queueDeclare("ad-kept-q", true, false, false, null);
        channel.queueDeclare("ad-doomed-q", true, false, false, null);
        channel.exchangeDeclare("ad-plain", "direct", true, false, null);
        // Each goes with its last binding: the queue deleted, the exchange binding removed, a
        // transient queue's binding going with the queue.
        channel.exchangeDeclare("ad-by-queue", "direct", true, true, null);
        channel.queueBind("ad-doomed-q", "ad-by-queue", "a");
        channel.queueBind("ad-doomed-q", "ad-by-queue", "b");
        channel.exchangeDeclare("ad-by-unbind", "direct", true, true, null);
        channel.exchangeBind("ad-plain", "ad-by-unbind", "k");
        channel.exchangeDeclare("ad-by-transient", "fanout", true, true, null);
        String transientQueue = channel.queueDeclare().getQueue();
        channel.queueBind(transientQueue, "ad-by-transient", "");
        channel.exchangeDeclare("ad-kept", "direct", true, true, null);
        channel.queueBind("ad-kept-q", "ad-kept", "k");

        channel.queueDelete("ad-doomed-q");
        channel.exchangeUnbind("ad-plain", "ad-by-unbind", "k");
        channel.queueDelete(transientQueue);
        assertThat(exists(broker, this, false, "ad-by-queue")).isFalse();
        broker.kill();
        broker = start();

        for (String gone : List.of("ad-by-queue", "ad-by-unbind", "ad-by-transient")) {
            assertThat(exists(broker, this, false, gone)).as(gone).isFalse();
        }
        assertThat(exists(broker, this, false, "ad-plain")).isTrue();
        assertThat(exists(broker, this, false, "ad-kept")).isTrue();
        channel = channel(broker);
        publishConfirmed(channel, "ad-kept", "k", List.of("still routed"));
        assertThat(drain(channel, "ad-kept-q", new ArrayList<>())).containsKey("still routed");
    }

    // ------------------------------------------------------------------ (b) crash test

    @Test
    void shouldKeepEveryConfirmedMessageWhenTheBrokerIsKilledAtRandomMoments() throws Exception {
        CrashTest crashTest = new CrashTest(dataDir, 20240611L, 4, brokers);
        CrashTest.Result result = crashTest.run();
        System.out.printf("crash test: %d rounds, %d published, %d confirmed, %d recovered, %d unconfirmed recovered,"
                        + " %d duplicates%n", result.rounds(), result.published(), result.confirmed().size(),
                result.recovered().size(), result.unconfirmedRecovered(), result.duplicates());
        assertThat(result.confirmed()).isNotEmpty();
        Set<String> lost = new HashSet<>(result.confirmed());
        lost.removeAll(new HashSet<>(result.recovered()));
        assertThat(lost).as("confirmed but lost").isEmpty();
        // Nothing was ever delivered, so nothing may come back twice.
        assertThat(result.duplicates()).isZero();
    }

    // ------------------------------------------------------------------ (c) acks

    @Test
    void shouldNotRedeliverAckedMessagesAfterACleanRestartAndLoseNothingAfterAKill() throws Exception {
        BrokerProcess broker = start(FAST_CHECKPOINTS);
        Channel channel = channel(broker);
        channel.queueDeclare("work", true, false, false, null);
        publishConfirmed(channel, "", "work", bodies("m", 100));
        Set<String> acked = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            GetResponse response = channel.basicGet("work", false);
            channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
            acked.add(body(response));
        }
        assertThat(broker.terminate()).isZero();

        broker = start(FAST_CHECKPOINTS);
        channel = channel(broker);
        assertThat(channel.queueDeclarePassive("work").getMessageCount()).isEqualTo(50);
        Set<String> lastAcked = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            GetResponse response = channel.basicGet("work", false);
            assertThat(acked).doesNotContain(body(response));
            channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
            lastAcked.add(body(response));
        }
        // The ack of the last message is applied before a get behind it answers.
        channel.basicGet("work", false);
        broker.kill();

        broker = start(FAST_CHECKPOINTS);
        channel = channel(broker);
        List<String> order = new ArrayList<>();
        Map<String, Boolean> remaining = drain(channel, "work", order);
        Set<String> expected = new HashSet<>(bodies("m", 100));
        expected.removeAll(acked);
        expected.removeAll(lastAcked);
        assertThat(remaining.keySet()).containsAll(expected);
        // Only acks of the last checkpoint interval may be forgotten; older ones never.
        assertThat(remaining.keySet()).doesNotContainAnyElementsOf(acked);
        Set<String> comeBack = new HashSet<>(remaining.keySet());
        comeBack.removeAll(expected);
        assertThat(lastAcked).containsAll(comeBack);
        assertThat(order).isSortedAccordingTo((a, b) -> Integer.compare(Integer.parseInt(a.substring(1)),
                Integer.parseInt(b.substring(1))));
    }

    // ------------------------------------------------------------------ (d) redelivered after a crash

    /** A broker whose durable queue "unacked" holds u0..u9, of which u0..u4 are delivered and not acked. */
    private BrokerProcess brokerWithFiveOfTenDelivered() throws Exception {
        BrokerProcess broker = start(FAST_CHECKPOINTS);
        Channel channel = channel(broker);
        channel.queueDeclare("unacked", true, false, false, null);
        publishConfirmed(channel, "", "unacked", bodies("u", 10));
        for (int i = 0; i < 5; i++) {
            assertThat(channel.basicGet("unacked", false)).isNotNull();
        }
        return broker;
    }

    @Test
    void shouldRedeliverMessagesUnackedAtACrashFlaggedRedelivered() throws Exception {
        BrokerProcess broker = brokerWithFiveOfTenDelivered();
        // Killed at once, before any ack checkpoint could record these deliveries.
        broker.kill();

        broker = start(FAST_CHECKPOINTS);
        Channel channel = channel(broker);
        List<String> order = new ArrayList<>();
        Map<String, Boolean> drained = drain(channel, "unacked", order);
        assertThat(order).containsExactlyElementsOf(bodies("u", 10));
        for (int i = 0; i < 10; i++) {
            // After a crash Ferry cannot know which were delivered, so it flags all of them.
            assertThat(drained.get("u" + i)).as("redelivered flag of u" + i).isTrue();
        }
    }

    @Test
    void shouldFlagExactlyTheDeliveredMessagesAfterACleanRestart() throws Exception {
        BrokerProcess broker = brokerWithFiveOfTenDelivered();
        assertThat(broker.terminate()).isZero();

        broker = start(FAST_CHECKPOINTS);
        Channel channel = channel(broker);
        Map<String, Boolean> drained = drain(channel, "unacked", new ArrayList<>());
        for (int i = 0; i < 10; i++) {
            assertThat(drained.get("u" + i)).as("redelivered flag of u" + i).isEqualTo(i < 5);
        }
        // The clean mark is gone once the broker runs again: a crash now flags everything.
        publishConfirmed(channel, "", "unacked", bodies("v", 3));
        broker.kill();
        broker = start(FAST_CHECKPOINTS);
        Map<String, Boolean> afterCrash = drain(channel(broker), "unacked", new ArrayList<>());
        // (Acks of the last checkpoint interval may be forgotten, so some u's may come back too.)
        assertThat(afterCrash).containsKeys(bodies("v", 3).toArray(String[]::new)).doesNotContainValue(false);
    }

    @Test
    void shouldKeepCountingTowardsTheDeliveryLimitAcrossARestart() throws Exception {
        BrokerProcess broker = start(FAST_CHECKPOINTS);
        Channel channel = channel(broker);
        channel.exchangeDeclare("parked-x", "fanout", true);
        channel.queueDeclare("parked", true, false, false, null);
        channel.queueBind("parked", "parked-x", "");
        channel.queueDeclare("limited", true, false, false,
                Map.of("x-delivery-limit", 3, "x-dead-letter-exchange", "parked-x"));
        publishConfirmed(channel, "", "limited", List.of("poison"));
        for (int i = 0; i < 2; i++) {
            GetResponse response = channel.basicGet("limited", false);
            channel.basicNack(response.getEnvelope().getDeliveryTag(), false, true);
        }
        assertThat(broker.terminate()).isZero();

        broker = start(FAST_CHECKPOINTS);
        channel = channel(broker);
        // Two returns before the restart; limit 3: the third return requeues it, the fourth parks it.
        for (long returnsSoFar = 2; returnsSoFar <= 3; returnsSoFar++) {
            GetResponse response = channel.basicGet("limited", false);
            assertThat(response.getProps().getHeaders()).containsEntry("x-delivery-count", returnsSoFar);
            channel.basicNack(response.getEnvelope().getDeliveryTag(), false, true);
        }
        Channel probe = channel;
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.queueDeclarePassive("parked").getMessageCount() == 1);
        assertThat(channel.queueDeclarePassive("limited").getMessageCount()).isZero();
    }

    // ------------------------------------------------------------------ (e) a consumer process dies

    @Test
    void shouldGiveTheUnackedMessagesOfAKilledConsumerProcessToAnotherConsumerRedelivered() throws Exception {
        BrokerProcess broker = start();
        Channel channel = channel(broker);
        channel.queueDeclare("jobs", true, false, false, null);
        publishConfirmed(channel, "", "jobs", bodies("j", 10));

        Path script = Path.of(System.getProperty("basedir", "."), "src", "test", "python", "unacking_consumer.py");
        Process consumer = new ProcessBuilder("/usr/bin/python3", script.toString(), "127.0.0.1",
                String.valueOf(broker.amqpPort()), "jobs", "4").redirectErrorStream(true).start();
        List<String> taken = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(consumer.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    taken.add(line);
                }
            } catch (IOException ignored) {
                // The process was killed.
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (taken.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(taken).as("pika consumer output").hasSize(4).allMatch(line -> line.startsWith("got j"));
        } finally {
            consumer.destroyForcibly().waitFor();
        }
        Set<String> takenBodies = new HashSet<>();
        taken.forEach(line -> takenBodies.add(line.substring("got ".length())));

        // The broker notices the closed socket and requeues; wait until all ten are ready again.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (channel.queueDeclarePassive("jobs").getMessageCount() < 10 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<String> order = new ArrayList<>();
        Map<String, Boolean> drained = drain(channel, "jobs", order);
        assertThat(drained.keySet()).containsExactlyInAnyOrderElementsOf(bodies("j", 10));
        drained.forEach((body, redelivered) -> assertThat(redelivered).as(body).isEqualTo(takenBodies.contains(body)));
    }

    // ------------------------------------------------------------------ (f) disk given back

    @Test
    void shouldDeleteTheSegmentsOfADrainedDurableQueue() throws Exception {
        BrokerProcess broker = start("--ack-checkpoint-interval-ms", "100", "--queue-segment-bytes", "65536",
                "--max-message-bytes", "8192", "--frame-max", "8192");
        Channel channel = channel(broker);
        channel.queueDeclare("bulk", true, false, false, null);
        String payload = "x".repeat(1000);
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            messages.add(i + payload);
        }
        publishConfirmed(channel, "", "bulk", messages);
        Path queueDir = dataDir.resolve("queues").resolve("%2F").resolve("bulk");
        long segmentsBefore = segmentFiles(queueDir);
        long bytesBefore = directoryBytes(queueDir);
        assertThat(segmentsBefore).isGreaterThan(10);

        for (int i = 0; i < 1000; i++) {
            GetResponse response = channel.basicGet("bulk", false);
            channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (segmentFiles(queueDir) > 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(segmentFiles(queueDir)).isEqualTo(1);
        assertThat(directoryBytes(queueDir)).isLessThan(bytesBefore / 10);

        // Acks are made durable by the checkpoint (every 100 ms here), not one by one: a kill before
        // it covers the last ones brings those back, which at-least-once allows. Wait for it.
        await().atMost(Duration.ofSeconds(10)).until(() -> checkpointLowWater(queueDir) >= messages.size());
        // And a restart after a kill finds the queue empty.
        broker.kill();
        broker = start();
        assertThat(channel(broker).queueDeclarePassive("bulk").getMessageCount()).isZero();
    }

    /**
     * The low-water offset of a queue's ack checkpoint ({@code acks.checkpoint}: magic, version and
     * flags, then the offset below which every message is settled, big-endian); -1 while there is
     * none or it is being replaced.
     */
    static long checkpointLowWater(Path queueDir) throws IOException {
        try {
            byte[] header = Files.readAllBytes(queueDir.resolve("acks.checkpoint"));
            return header.length < 16 ? -1 : java.nio.ByteBuffer.wrap(header, 8, 8).getLong();
        } catch (java.nio.file.NoSuchFileException replacedMeanwhile) {
            return -1;
        }
    }

    static long segmentFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".log")).count();
        }
    }

    /** The bytes of the files in {@code directory}; one the broker deletes while they are counted counts 0. */
    static long directoryBytes(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            long total = 0;
            for (Path file : files.toList()) {
                try {
                    total += Files.size(file);
                } catch (java.nio.file.NoSuchFileException deletedMeanwhile) {
                    // A drained segment given back between the listing and its size: exactly what the callers await.
                }
            }
            return total;
        }
    }

    static AMQP.BasicProperties persistentWithId(String id) {
        return MessageProperties.PERSISTENT_BASIC.builder().messageId(id).build();
    }
}
