package dev.ferry.it.durability;

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
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;

import dev.ferry.it.support.BrokerProcess;

/**
 * Queues whose backlog outgrows their memory limits (set very low here) page to disk: real broker
 * processes, RabbitMQ's Java client, and a SIGKILL while most of a backlog is paged out.
 */
class PagingTest extends BrokerProcessTestBase {
    private static void publish(Channel channel, String queue, AMQP.BasicProperties properties, String prefix,
                                int count) throws Exception {
        for (int i = 0; i < count; i++) {
            channel.basicPublish("", queue, properties, (prefix + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(30_000);
    }

    private static List<String> expected(String prefix, int count) {
        List<String> bodies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            bodies.add(prefix + i);
        }
        return bodies;
    }

    private static long filesUnder(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void shouldDeliverPagedBacklogsOfDurableAndNonDurableQueuesInOrder() throws Exception {
        BrokerProcess broker = start("--queue-memory-messages", "200", "--ack-checkpoint-interval-ms", "200");
        Channel channel = channel(broker);
        channel.confirmSelect();
        channel.queueDeclare("paged-durable", true, false, false, null);
        channel.queueDeclare("paged-transient", false, false, false, null);
        int count = 20_000;
        publish(channel, "paged-durable", MessageProperties.PERSISTENT_BASIC, "d", count);
        publish(channel, "paged-transient", MessageProperties.BASIC, "t", count);
        assertThat(channel.queueDeclarePassive("paged-durable").getMessageCount()).isEqualTo(count);
        assertThat(channel.queueDeclarePassive("paged-transient").getMessageCount()).isEqualTo(count);
        assertThat(filesUnder(dataDir.resolve("paging"))).as("the non-durable queue's spill log").isPositive();

        Channel consumer = channel(broker);
        consumer.basicQos(500);
        List<String> durable = Collections.synchronizedList(new ArrayList<>());
        List<String> transientBodies = Collections.synchronizedList(new ArrayList<>());
        List<Boolean> redelivered = Collections.synchronizedList(new ArrayList<>());
        for (String queue : List.of("paged-durable", "paged-transient")) {
            List<String> into = queue.equals("paged-durable") ? durable : transientBodies;
            consumer.basicConsume(queue, false, (tag, delivery) -> {
                into.add(new String(delivery.getBody(), StandardCharsets.UTF_8));
                redelivered.add(delivery.getEnvelope().isRedeliver());
                consumer.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
            }, tag -> { });
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> durable.size() + transientBodies.size() >= 2 * count);
        assertThat(durable).containsExactlyElementsOf(expected("d", count));
        assertThat(transientBodies).containsExactlyElementsOf(expected("t", count));
        assertThat(redelivered).doesNotContain(true);
        // Everything acked: the spill log is removed at the next maintenance pass.
        await().atMost(Duration.ofSeconds(10)).until(() -> filesUnder(dataDir.resolve("paging")) == 0);
    }

    @Test
    void shouldRecoverAPagedBacklogAfterSigkillWithoutItsTransientCopies() throws Exception {
        BrokerProcess broker = start("--queue-memory-messages", "100");
        Channel channel = channel(broker);
        channel.confirmSelect();
        channel.queueDeclare("paged", true, false, false, null);
        publish(channel, "paged", MessageProperties.PERSISTENT_BASIC, "p", 3000);
        publish(channel, "paged", MessageProperties.BASIC, "t", 1000);    // paged, but transient
        publish(channel, "paged", MessageProperties.PERSISTENT_BASIC, "q", 2000);
        broker.kill();

        BrokerProcess restarted = start();
        Channel after = channel(restarted);
        assertThat(after.queueDeclarePassive("paged").getMessageCount()).isEqualTo(5000);
        List<String> drained = new ArrayList<>();
        GetResponse response;
        while ((response = after.basicGet("paged", true)) != null) {
            drained.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        List<String> persistent = new ArrayList<>(expected("p", 3000));
        persistent.addAll(expected("q", 2000));
        assertThat(drained).containsExactlyElementsOf(persistent);
    }
}
