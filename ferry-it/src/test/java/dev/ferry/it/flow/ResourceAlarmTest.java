package dev.ferry.it.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose disk alarm is raised (the free-space limit is set above any real disk) blocks
 * publishers: a connection that publishes hears connection.blocked, as in RabbitMQ, and is no longer
 * read after that publish, while a consumer on another connection keeps receiving.
 */
class ResourceAlarmTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldBlockPublishersButKeepConsumersDrainingWhileAnAlarmIsRaised() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dataDir, "--disk-free-limit-bytes", String.valueOf(Long.MAX_VALUE))) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setPort(broker.amqpPort());
            factory.setAutomaticRecoveryEnabled(false);
            Connection publisherConnection = factory.newConnection();
            try (Connection consumerConnection = factory.newConnection()) {
                Channel consumer = consumerConnection.createChannel();
                String queue = consumer.queueDeclare().getQueue();
                AtomicInteger received = new AtomicInteger();
                DeliverCallback onDelivery = (tag, delivery) -> received.incrementAndGet();
                consumer.basicConsume(queue, true, onDelivery, tag -> { });

                CompletableFuture<String> blockedReason = new CompletableFuture<>();
                publisherConnection.addBlockedListener(new BlockedListener() {
                    @Override
                    public void handleBlocked(String reason) {
                        blockedReason.complete(reason);
                    }

                    @Override
                    public void handleUnblocked() {
                    }
                });
                Channel publisher = publisherConnection.createChannel();
                int total = 2_000;
                Thread publishing = new Thread(() -> {
                    try {
                        for (int i = 0; i < total; i++) {
                            publisher.basicPublish("", queue, null, new byte[10_240]);
                        }
                    } catch (Exception stoppedByAbort) {
                        // The test aborts the blocked connection at the end; the write fails then.
                    }
                }, "blocked-publisher");
                publishing.setDaemon(true);
                publishing.start();

                assertThat(blockedReason.get(10, TimeUnit.SECONDS)).contains("disk alarm");
                // What was already read when the broker stopped reading still arrives; then nothing.
                await().atMost(Duration.ofSeconds(10)).until(() -> received.get() >= 1);
                AtomicInteger lastSeen = new AtomicInteger(-1);
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                        .until(() -> lastSeen.getAndSet(received.get()) == received.get());
                assertThat(received.get()).as("20 MB published, only socket buffers' worth delivered").isLessThan(total / 2);
                assertThat(publishing.isAlive()).as("the publisher is stuck writing to a socket nobody reads").isTrue();
                assertThat(broker.output()).anyMatch(line -> line.contains("disk alarm"));
            } finally {
                // The broker no longer reads the blocked connection: a polite close would wait for a
                // close-ok that cannot come, and even abort needs the socket the publisher thread is
                // stuck writing to. Stopping the broker frees both.
                broker.kill();
                publisherConnection.abort(1_000);
            }
        }
    }
}
