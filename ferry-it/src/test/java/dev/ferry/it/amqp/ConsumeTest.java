package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** basic.consume, qos, ack / nack / reject, get, recover, cancel, through a real client. */
class ConsumeTest extends AmqpTestBase {

    /** What a consumer saw: the body and whether it was flagged redelivered, plus its tag. */
    record Seen(String body, boolean redelivered, long deliveryTag) {
    }

    /** A consumer that records deliveries and acks only when told to. */
    static final class RecordingConsumer extends DefaultConsumer {
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        final AtomicBoolean cancelledByBroker = new AtomicBoolean();

        RecordingConsumer(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            seen.add(new Seen(new String(body, StandardCharsets.UTF_8), envelope.isRedeliver(), envelope.getDeliveryTag()));
        }

        @Override
        public void handleCancel(String consumerTag) {
            cancelledByBroker.set(true);
        }

        List<String> bodies() {
            return seen.stream().map(Seen::body).toList();
        }
    }

    private String queueWith(int messages) throws IOException {
        String queue = unique("q");
        channel.queueDeclare(queue, false, false, false, null);
        for (int i = 0; i < messages; i++) {
            channel.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == messages);
        return queue;
    }

    @Test
    void shouldDeliverInOrderAndRoundRobinAcrossConsumers() throws IOException {
        String queue = queueWith(0);
        Channel consumerChannel = connection.createChannel();
        RecordingConsumer first = new RecordingConsumer(consumerChannel);
        RecordingConsumer second = new RecordingConsumer(consumerChannel);
        consumerChannel.basicConsume(queue, true, first);
        consumerChannel.basicConsume(queue, true, second);

        for (int i = 0; i < 10; i++) {
            channel.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> first.seen.size() + second.seen.size() == 10);
        assertThat(first.seen).hasSize(5);
        assertThat(second.seen).hasSize(5);
        assertThat(first.bodies()).isSorted();
        channel.queueDelete(queue);
    }

    @Test
    void shouldHoldPrefetchPerConsumerUntilAcked() throws IOException {
        String queue = queueWith(50);
        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(5);
        RecordingConsumer consumer = new RecordingConsumer(consumerChannel);

        consumerChannel.basicConsume(queue, false, consumer);

        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.seen.size() == 5);
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(45);
        assertThat(consumer.seen).hasSize(5);

        consumerChannel.basicAck(consumer.seen.get(1).deliveryTag(), true);

        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.seen.size() == 7);
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(43);
        assertThat(consumer.bodies()).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6");
        channel.queueDelete(queue);
    }

    @Test
    void shouldShareAGlobalPrefetchAcrossTheChannelsConsumers() throws IOException {
        String first = queueWith(10);
        String second = queueWith(10);
        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(4, true);
        RecordingConsumer a = new RecordingConsumer(consumerChannel);
        RecordingConsumer b = new RecordingConsumer(consumerChannel);

        consumerChannel.basicConsume(first, false, a);
        consumerChannel.basicConsume(second, false, b);

        await().atMost(Duration.ofSeconds(10)).until(() -> a.seen.size() + b.seen.size() == 4);
        int ready = channel.queueDeclarePassive(first).getMessageCount() + channel.queueDeclarePassive(second).getMessageCount();
        assertThat(ready).isEqualTo(16);
        channel.queueDelete(first);
        channel.queueDelete(second);
    }

    @Test
    void shouldRequeueANackedMessageAtItsPlaceFlaggedRedelivered() throws IOException {
        String queue = queueWith(3);
        GetResponse head = channel.basicGet(queue, false);
        assertThat(new String(head.getBody(), StandardCharsets.UTF_8)).isEqualTo("m0");
        assertThat(head.getEnvelope().isRedeliver()).isFalse();

        channel.basicNack(head.getEnvelope().getDeliveryTag(), false, true);

        GetResponse again = channel.basicGet(queue, true);
        assertThat(new String(again.getBody(), StandardCharsets.UTF_8)).isEqualTo("m0");
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
        assertThat(new String(channel.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo("m1");
    }

    @Test
    void shouldDiscardARejectedMessageWithoutRequeue() throws IOException {
        String queue = queueWith(2);
        GetResponse head = channel.basicGet(queue, false);

        channel.basicReject(head.getEnvelope().getDeliveryTag(), false);

        assertThat(new String(channel.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo("m1");
        assertThat(channel.basicGet(queue, true)).isNull();
    }

    @Test
    void shouldNackSeveralAtOnceWithMultiple() throws IOException {
        String queue = queueWith(4);
        GetResponse last = null;
        for (int i = 0; i < 3; i++) {
            last = channel.basicGet(queue, false);
        }

        channel.basicNack(last.getEnvelope().getDeliveryTag(), true, true);

        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 4);
        assertThat(new String(channel.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo("m0");
    }

    @Test
    void shouldGiveAPublishedMessageToAWaitingConsumerBeforeAGetRightAfterIt() throws IOException {
        String queue = queueWith(0);
        Channel consumerChannel = connection.createChannel();
        RecordingConsumer consumer = new RecordingConsumer(consumerChannel);
        consumerChannel.basicConsume(queue, true, consumer);

        // Publish and get back to back on one channel, often handled by the queue together: as in
        // RabbitMQ, the consumer has the message before the get looks, so every get is empty.
        int rounds = 50;
        int taken = 0;
        for (int i = 0; i < rounds; i++) {
            channel.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            if (channel.basicGet(queue, true) != null) {
                taken++;
            }
        }

        assertThat(taken).as("messages the get took from under the consumer").isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.seen.size() == rounds);
    }

    @Test
    void shouldReportTheRemainingCountOnGet() throws IOException {
        String queue = queueWith(3);

        GetResponse response = channel.basicGet(queue, true);

        assertThat(response.getMessageCount()).isEqualTo(2);
    }

    @Test
    void shouldRedeliverUnackedMessagesOnRecover() throws IOException {
        String queue = queueWith(2);
        Channel consumerChannel = connection.createChannel();
        RecordingConsumer consumer = new RecordingConsumer(consumerChannel);
        consumerChannel.basicConsume(queue, false, consumer);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.seen.size() == 2);

        consumerChannel.basicRecover(true);

        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.seen.size() == 4);
        assertThat(consumer.seen.subList(2, 4)).allMatch(Seen::redelivered);
        channel.queueDelete(queue);
    }

    @Test
    void shouldGiveAKilledConsumersUnackedMessagesToAnotherFlaggedRedelivered() throws IOException {
        String queue = queueWith(3);
        Connection doomed = newConnection();
        Channel doomedChannel = doomed.createChannel();
        RecordingConsumer victim = new RecordingConsumer(doomedChannel);
        doomedChannel.basicConsume(queue, false, victim);
        await().atMost(Duration.ofSeconds(10)).until(() -> victim.seen.size() == 3);

        doomed.abort();

        Channel survivorChannel = connection.createChannel();
        RecordingConsumer survivor = new RecordingConsumer(survivorChannel);
        survivorChannel.basicConsume(queue, false, survivor);
        await().atMost(Duration.ofSeconds(10)).until(() -> survivor.seen.size() == 3);
        assertThat(survivor.bodies()).containsExactly("m0", "m1", "m2");
        assertThat(survivor.seen).allMatch(Seen::redelivered);
        channel.queueDelete(queue);
    }

    @Test
    void shouldKeepUnackedMessagesAckableAfterCancel() throws Exception {
        String queue = queueWith(2);
        Channel consumerChannel = connection.createChannel();
        RecordingConsumer consumer = new RecordingConsumer(consumerChannel);
        String tag = consumerChannel.basicConsume(queue, false, consumer);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.seen.size() == 2);

        consumerChannel.basicCancel(tag);
        consumerChannel.basicAck(consumer.seen.get(1).deliveryTag(), true);
        consumerChannel.close();

        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
        assertThat(channel.basicGet(queue, true)).isNull();
        channel.queueDelete(queue);
    }

    @Test
    void shouldRefuseAnAckForAnUnknownDeliveryTag() throws IOException {
        Channel consumerChannel = connection.createChannel();

        consumerChannel.basicAck(999, false);

        Throwable thrown = catchThrowable(() -> consumerChannel.queueDeclare());
        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void shouldNotifyConsumersWhenTheirQueueIsDeleted() throws IOException {
        String queue = queueWith(0);
        Channel consumerChannel = connection.createChannel();
        RecordingConsumer consumer = new RecordingConsumer(consumerChannel);
        consumerChannel.basicConsume(queue, false, consumer);

        channel.queueDelete(queue);

        await().atMost(Duration.ofSeconds(10)).untilTrue(consumer.cancelledByBroker);
        assertThat(consumerChannel.isOpen()).isTrue();
    }

    @Test
    void shouldRefuseASecondConsumerBesideAnExclusiveOne() throws IOException {
        String queue = queueWith(0);
        channel.basicConsume(queue, true, "", false, true, null, new DefaultConsumer(channel));
        Channel other = connection.createChannel();

        Throwable thrown = catchThrowable(() -> other.basicConsume(queue, true, new DefaultConsumer(other)));

        assertThat(replyCode(thrown)).isEqualTo(403);
        channel.queueDelete(queue);
    }

    @Test
    void shouldRefuseADuplicateConsumerTagOnAChannel() throws IOException {
        String queue = queueWith(0);
        channel.basicConsume(queue, true, "tag-1", new DefaultConsumer(channel));

        Throwable thrown = catchThrowable(() -> channel.basicConsume(queue, true, "tag-1", new DefaultConsumer(channel)));

        assertThat(replyCode(thrown)).isEqualTo(530);
        assertThat(isConnectionError(thrown)).isTrue();
    }

    @Test
    void shouldPreferTheHigherPriorityConsumerWhileItHasCredit() throws IOException {
        String queue = queueWith(0);
        Channel lowChannel = connection.createChannel();
        Channel highChannel = connection.createChannel();
        lowChannel.basicQos(100);
        highChannel.basicQos(3);
        RecordingConsumer low = new RecordingConsumer(lowChannel);
        RecordingConsumer high = new RecordingConsumer(highChannel);
        lowChannel.basicConsume(queue, false, "", false, false, Map.of("x-priority", 1), low);
        highChannel.basicConsume(queue, false, "", false, false, Map.of("x-priority", 10), high);

        for (int i = 0; i < 10; i++) {
            channel.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> low.seen.size() + high.seen.size() == 10);
        assertThat(high.bodies()).containsExactly("m0", "m1", "m2");
        assertThat(low.seen).hasSize(7);
        channel.queueDelete(queue);
    }

    @Test
    void shouldDeliverToOneActiveConsumerAndFailOverWhenItCancels() throws IOException {
        String queue = unique("q-sac");
        channel.queueDeclare(queue, false, false, false, Map.of("x-single-active-consumer", true));
        Channel consumerChannel = connection.createChannel();
        RecordingConsumer active = new RecordingConsumer(consumerChannel);
        RecordingConsumer standby = new RecordingConsumer(consumerChannel);
        String activeTag = consumerChannel.basicConsume(queue, true, active);
        consumerChannel.basicConsume(queue, true, standby);

        for (int i = 0; i < 4; i++) {
            channel.basicPublish("", queue, null, ("a" + i).getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> active.seen.size() == 4);
        assertThat(standby.seen).isEmpty();

        consumerChannel.basicCancel(activeTag);
        channel.basicPublish("", queue, null, "after".getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(10)).until(() -> standby.seen.size() == 1);
        assertThat(standby.bodies()).containsExactly("after");
        channel.queueDelete(queue);
    }

    /**
     * Acks go out from another thread a little after each delivery, so the broker sees credit come
     * back unevenly. Whenever a delivery arrives, deliveries minus acks sent can exceed the prefetch
     * only if the broker ignored it (acks it has received are never more than acks sent).
     */
    @Test
    void shouldKeepPrefetchUnderLoadFromSeveralPublishers() throws Exception {
        String queue = queueWith(0);
        int prefetch = 10;
        int total = 2_000;
        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(prefetch);
        java.util.concurrent.ScheduledExecutorService acker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        java.util.concurrent.atomic.AtomicInteger delivered = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger acksSent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger maxOutstanding = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Random random = new java.util.Random(7);
        consumerChannel.basicConsume(queue, false, new DefaultConsumer(consumerChannel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                int outstanding = delivered.incrementAndGet() - acksSent.get();
                maxOutstanding.accumulateAndGet(outstanding, Math::max);
                acker.schedule(() -> {
                    acksSent.incrementAndGet();
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                    return null;
                }, random.nextInt(500), java.util.concurrent.TimeUnit.MICROSECONDS);
            }
        });
        List<Thread> publishers = new java.util.ArrayList<>();
        for (int p = 0; p < 4; p++) {
            Channel publishChannel = newConnection().createChannel();
            Thread publisher = new Thread(() -> {
                try {
                    for (int i = 0; i < total / 4; i++) {
                        publishChannel.basicPublish("", queue, null, new byte[16]);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            publishers.add(publisher);
            publisher.start();
        }
        for (Thread publisher : publishers) {
            publisher.join();
        }

        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> delivered.get() == total);
            assertThat(maxOutstanding.get()).isLessThanOrEqualTo(prefetch).isGreaterThan(1);
        } finally {
            acker.shutdownNow();
        }
        channel.queueDelete(queue);
    }
}
