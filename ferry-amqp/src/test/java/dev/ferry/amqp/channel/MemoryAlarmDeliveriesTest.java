package dev.ferry.amqp.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.broker.Broker;
import dev.ferry.broker.ResourceAlarm;
import dev.ferry.queue.DeliveryGate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A consumer without a prefetch limit, through the RabbitMQ Java client, while the test raises and
 * clears the memory alarm itself: under the alarm its connection gets no more once it holds
 * {@link DeliveryGate#UNACKED_UNDER_MEMORY_ALARM} unacknowledged deliveries, and goes on when
 * acks come back (a queue that was stopped at the gate is woken once half is settled), or when the
 * alarm clears. Another alarm holds nothing back.
 */
class MemoryAlarmDeliveriesTest {
    private static final int CAP = DeliveryGate.UNACKED_UNDER_MEMORY_ALARM;
    private static final int MESSAGES = 3 * CAP;

    private final ResourceAlarm alarm = new ResourceAlarm();
    private Broker broker;
    private AmqpServer server;
    private ConnectionFactory factory;

    @BeforeEach
    void start() throws InterruptedException {
        broker = Broker.withQueueThreads(1);
        server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(1).resourceAlarm(alarm)
                .channelHandlerFactory(new BrokerChannelHandlerFactory(broker)));
        factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(server.start());
        factory.setAutomaticRecoveryEnabled(false);
    }

    @AfterEach
    void stop() {
        server.stop();
        broker.close();
    }

    /** Waits until no delivery has arrived for a second; returns how many arrived. */
    private static int settled(AtomicInteger received) {
        AtomicInteger lastSeen = new AtomicInteger(-1);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1))
                .until(() -> lastSeen.getAndSet(received.get()) == received.get());
        return received.get();
    }

    /** Fills queue "backlog" with {@link #MESSAGES} confirmed messages, before any alarm. */
    private static void publishBacklog(Connection connection) throws Exception {
        Channel publisher = connection.createChannel();
        publisher.queueDeclare("backlog", false, false, false, null);
        publisher.confirmSelect();
        for (int i = 0; i < MESSAGES; i++) {
            publisher.basicPublish("", "backlog", null, new byte[16]);
        }
        publisher.waitForConfirmsOrDie(30_000);
    }

    @Test
    void shouldHoldAnUnlimitedConsumerAtTheAllowanceWhileTheMemoryAlarmIsRaised() throws Exception {
        try (Connection connection = factory.newConnection()) {
            publishBacklog(connection);
            alarm.set(ResourceAlarm.Resource.MEMORY, true, "raised by the test");

            try (Connection consuming = factory.newConnection()) {
                Channel consumer = consuming.createChannel();
                AtomicInteger received = new AtomicInteger();
                AtomicLong lastTag = new AtomicLong();
                DeliverCallback count = (tag, delivery) -> {
                    lastTag.set(delivery.getEnvelope().getDeliveryTag());
                    received.incrementAndGet();
                };
                consumer.basicConsume("backlog", false, count, tag -> { });

                int held = settled(received);
                // The queue may have a delivery batch on its way when the gate closes.
                assertThat(held).as("deliveries under the alarm").isGreaterThan(CAP).isLessThan(CAP + 1_000);

                // Acks down to half wake the queue, still under the alarm.
                consumer.basicAck(lastTag.get() - CAP / 2, true);
                await().atMost(Duration.ofSeconds(10)).until(() -> received.get() > held);
                int heldAgain = settled(received);
                assertThat(heldAgain).as("held again past the allowance").isLessThan(MESSAGES);

                alarm.set(ResourceAlarm.Resource.MEMORY, false, "cleared by the test");
                await().atMost(Duration.ofSeconds(20)).until(() -> received.get() == MESSAGES);
            }
        }
    }

    @Test
    void shouldNotHoldAConsumerForAnotherAlarm() throws Exception {
        try (Connection connection = factory.newConnection()) {
            publishBacklog(connection);
            alarm.set(ResourceAlarm.Resource.DISK, true, "raised by the test");

            try (Connection consuming = factory.newConnection()) {
                Channel consumer = consuming.createChannel();
                AtomicInteger received = new AtomicInteger();
                consumer.basicConsume("backlog", false, (tag, delivery) -> received.incrementAndGet(), tag -> { });
                await().atMost(Duration.ofSeconds(20)).until(() -> received.get() == MESSAGES);
            }
        }
    }
}
