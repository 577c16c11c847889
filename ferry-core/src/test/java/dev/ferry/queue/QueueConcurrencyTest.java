package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ferry.broker.Broker;
import dev.ferry.broker.QueueDeclaration;
import dev.ferry.broker.VirtualHost;
import dev.ferry.message.Message;
import dev.ferry.store.DiskStorage;
import dev.ferry.store.StoreKind;

/**
 * Several publisher threads and several consumers (each settling on its own thread, as a channel's
 * event loop would) hammer one queue owned by a real executor pool. Every message must be acked
 * exactly once, including those nacked back into the queue on the way.
 */
class QueueConcurrencyTest {
    private static final int PUBLISHERS = 4;
    private static final int MESSAGES_PER_PUBLISHER = 5_000;
    private static final int CONSUMERS = 3;

    @TempDir
    Path dataDir;
    private DiskStorage storage;
    private Broker broker;
    private final List<ExecutorService> threads = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        threads.forEach(ExecutorService::shutdownNow);
        broker.close();
        if (storage != null) {
            storage.close();
        }
    }

    private ExecutorService thread() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        threads.add(executor);
        return executor;
    }

    /** On every store: a durable log, and a spill log paging nearly every message, as well as memory. */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void shouldAckEveryMessageExactlyOnceUnderConcurrentPublishersAndConsumers(StoreKind store) throws Exception {
        storage = store.diskStorage(dataDir);
        broker = storage == null ? Broker.withQueueThreads(2) : Broker.withQueueThreads(2, storage);
        VirtualHost vhost = broker.defaultVirtualHost();
        vhost.declareQueue(new QueueDeclaration("work", store.durable(), false, false, Map.of(), 1));
        Map<String, AtomicInteger> acks = new ConcurrentHashMap<>();
        AtomicInteger requeues = new AtomicInteger();
        ChannelCredit sharedCredit = new ChannelCredit(16);

        for (int c = 0; c < CONSUMERS; c++) {
            ChannelRef channel = new ChannelRef(1, c + 1);
            ExecutorService channelLoop = thread();
            ConsumerSink sink = new ConsumerSink() {
                @Override
                public void deliver(Delivery delivery) {
                    channelLoop.execute(() -> {
                        String body = new String(delivery.message().body(), StandardCharsets.UTF_8);
                        // Give back roughly one message in seven on first delivery, to mix requeues in.
                        if (!delivery.redelivered() && body.hashCode() % 7 == 0) {
                            requeues.incrementAndGet();
                            delivery.queue().settle(channel, delivery.deliveryId(), SettleOutcome.REQUEUE);
                        } else {
                            acks.computeIfAbsent(body, b -> new AtomicInteger()).incrementAndGet();
                            delivery.queue().settle(channel, delivery.deliveryId(), SettleOutcome.ACK);
                        }
                    });
                }

                @Override
                public void cancelledByBroker(String consumerTag) {
                }
            };
            ChannelCredit credit = c == 0 ? sharedCredit : null;
            vhost.consume("work", new ConsumerSpec(channel, "c" + c, false, false, 8, credit, 0, sink)).get();
        }

        List<Future<?>> publishers = new ArrayList<>();
        for (int p = 0; p < PUBLISHERS; p++) {
            int publisher = p;
            publishers.add(thread().submit(() -> {
                for (int i = 0; i < MESSAGES_PER_PUBLISHER; i++) {
                    byte[] body = ("p" + publisher + "-" + i).getBytes(StandardCharsets.UTF_8);
                    vhost.publish(new Message("", "work", StoreKind.PERSISTENT, body), false);
                }
            }));
        }
        for (Future<?> publisher : publishers) {
            publisher.get();
        }

        int total = PUBLISHERS * MESSAGES_PER_PUBLISHER;
        MessageQueue queue = vhost.queue("work").orElseThrow();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(acks).hasSize(total);
            assertThat(queue.unackedCount()).isZero();
            assertThat(queue.messageCount()).isZero();
        });
        assertThat(acks.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
        assertThat(requeues.get()).isPositive();
        assertThat(sharedCredit.inUse()).isZero();
    }
}
