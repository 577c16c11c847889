package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * basic.qos with global=true: one limit on unacknowledged deliveries shared by every consumer of
 * the channel, on whatever queues they consume, as RabbitMQ 3.10 applies it. Each test holds the
 * channel at its limit, checks that the queues kept the rest (their ready counts), then frees
 * credit and checks what came next.
 */
class GlobalQosTest extends AmqpTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Records the delivery tags it receives, and the queue each came from (its routing key). */
    static final class Recorder extends DefaultConsumer {
        final List<Long> tags = new CopyOnWriteArrayList<>();
        final List<String> queues = new CopyOnWriteArrayList<>();
        private final boolean ackAtOnce;

        Recorder(Channel channel, boolean ackAtOnce) {
            super(channel);
            this.ackAtOnce = ackAtOnce;
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                throws IOException {
            tags.add(envelope.getDeliveryTag());
            queues.add(envelope.getRoutingKey());
            if (ackAtOnce) {
                getChannel().basicAck(envelope.getDeliveryTag(), false);
            }
        }
    }

    private String queueWith(int messages) throws IOException {
        String queue = unique("gq");
        channel.queueDeclare(queue, false, false, true, null);
        publish(queue, messages);
        await().atMost(WAIT).until(() -> ready(queue) == messages);
        return queue;
    }

    private void publish(String queue, int messages) throws IOException {
        for (int i = 0; i < messages; i++) {
            channel.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private int ready(String queue) throws IOException {
        return channel.queueDeclarePassive(queue).getMessageCount();
    }

    @Test
    void shouldApplyAGlobalLimitToConsumersThatStartedBeforeIt() throws IOException {
        String queue = queueWith(0);
        Channel consumerChannel = connection.createChannel();
        Recorder consumer = new Recorder(consumerChannel, false);
        consumerChannel.basicConsume(queue, false, consumer);

        consumerChannel.basicQos(2, true);
        publish(queue, 10);

        await().atMost(WAIT).until(() -> consumer.tags.size() == 2 && ready(queue) == 8);
        assertThat(consumer.tags).hasSize(2);

        consumerChannel.basicAck(consumer.tags.get(0), false);

        await().atMost(WAIT).until(() -> consumer.tags.size() == 3 && ready(queue) == 7);
        assertThat(consumer.tags).hasSize(3);
    }

    @Test
    void shouldCountDeliveriesLeftUnackedBeforeTheLimitWasSet() throws IOException {
        String first = queueWith(5);
        String second = queueWith(5);
        Channel consumerChannel = connection.createChannel();
        Recorder early = new Recorder(consumerChannel, false);
        consumerChannel.basicConsume(first, false, early);
        await().atMost(WAIT).until(() -> early.tags.size() == 5);

        consumerChannel.basicQos(3, true);
        Recorder late = new Recorder(consumerChannel, false);
        consumerChannel.basicConsume(second, false, late);

        // Five unacked already: the new consumer gets nothing until fewer than three are.
        await().atMost(WAIT).until(() -> channel.queueDeclarePassive(second).getConsumerCount() == 1);
        assertThat(ready(second)).isEqualTo(5);
        assertThat(late.tags).isEmpty();

        consumerChannel.basicAck(early.tags.get(2), true);

        await().atMost(WAIT).until(() -> late.tags.size() == 1 && ready(second) == 4);
        assertThat(late.tags).hasSize(1);
        assertThat(early.tags).hasSize(5);
    }

    @Test
    void shouldHoldBackANoAckConsumerWhileTheChannelIsAtItsLimit() throws IOException {
        String acked = queueWith(1);
        String autoAcked = queueWith(5);
        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(1, true);
        Recorder manual = new Recorder(consumerChannel, false);
        consumerChannel.basicConsume(acked, false, manual);
        await().atMost(WAIT).until(() -> manual.tags.size() == 1);

        Recorder noAck = new Recorder(consumerChannel, false);
        consumerChannel.basicConsume(autoAcked, true, noAck);

        await().atMost(WAIT).until(() -> channel.queueDeclarePassive(autoAcked).getConsumerCount() == 1);
        assertThat(ready(autoAcked)).isEqualTo(5);
        assertThat(noAck.tags).isEmpty();

        consumerChannel.basicAck(manual.tags.get(0), false);

        // Its deliveries hold no credit, so once the channel is below its limit they all come.
        await().atMost(WAIT).until(() -> noAck.tags.size() == 5);
        assertThat(ready(autoAcked)).isZero();
    }

    @Test
    void shouldGiveEveryQueueOfOneConsumerTurnsUnderPrefetchOne() throws IOException {
        int perQueue = 40;
        List<String> queues = List.of(queueWith(perQueue), queueWith(perQueue), queueWith(perQueue));
        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(1, true);
        Recorder consumer = new Recorder(consumerChannel, true);

        for (String queue : queues) {
            consumerChannel.basicConsume(queue, false, consumer);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> consumer.queues.size() == 3 * perQueue);
        List<String> firstThird = new ArrayList<>(consumer.queues.subList(0, perQueue));
        Map<String, Integer> turns = new HashMap<>();
        firstThird.forEach(queue -> turns.merge(queue, 1, Integer::sum));
        // A queue that kept the channel's only unit of credit to itself would deliver its whole
        // backlog before the others had a turn; random or round-robin turns interleave them.
        assertThat(turns).as("deliveries per queue among the first %d", perQueue).containsOnlyKeys(queues);
        assertThat(longestRun(consumer.queues)).as("longest run of deliveries from one queue").isLessThan(perQueue / 2);
    }

    @Test
    void shouldCombineAPerConsumerLimitWithTheChannelsLimit() throws IOException {
        String first = queueWith(10);
        String second = queueWith(10);
        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(2, false);
        consumerChannel.basicQos(3, true);
        Recorder a = new Recorder(consumerChannel, false);
        Recorder b = new Recorder(consumerChannel, false);

        consumerChannel.basicConsume(first, false, a);
        consumerChannel.basicConsume(second, false, b);

        await().atMost(WAIT).until(() -> a.tags.size() + b.tags.size() == 3 && ready(first) + ready(second) == 17);
        assertThat(a.tags.size()).isBetween(1, 2);
        assertThat(b.tags.size()).isBetween(1, 2);

        // Raising the channel's limit lets each consumer fill its own prefetch of two, no more.
        consumerChannel.basicQos(10, true);

        await().atMost(WAIT).until(() -> a.tags.size() + b.tags.size() == 4 && ready(first) + ready(second) == 16);
        assertThat(a.tags).hasSize(2);
        assertThat(b.tags).hasSize(2);
    }

    @Test
    void shouldLiftTheLimitWithPrefetchZero() throws IOException {
        String queue = queueWith(6);
        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(1, true);
        Recorder consumer = new Recorder(consumerChannel, false);
        consumerChannel.basicConsume(queue, false, consumer);
        await().atMost(WAIT).until(() -> consumer.tags.size() == 1 && ready(queue) == 5);

        // Nothing is acked: the limit's removal alone lets the rest through.
        consumerChannel.basicQos(0, true);

        await().atMost(WAIT).until(() -> consumer.tags.size() == 6);
        assertThat(ready(queue)).isZero();
    }

    private static int longestRun(List<String> sequence) {
        int longest = 0;
        int run = 0;
        String previous = null;
        for (String item : sequence) {
            run = item.equals(previous) ? run + 1 : 1;
            previous = item;
            longest = Math.max(longest, run);
        }
        return longest;
    }
}
