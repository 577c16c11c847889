package dev.ferry.it.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A member of a consumer group for the group tests: a kafka-clients consumer on a thread of its
 * own (a consumer belongs to one thread) that subscribes as it is told, then polls until closed,
 * keeps the values it processed and commits after every poll that returned records. Its
 * rebalance listener keeps {@link #assignment} as the client sees it (with the consumer protocol
 * the callbacks carry only what changed) and counts the times its partitions were {@link #lost}.
 * A commit failing with one of the exceptions the test tolerates leaves its records to be read
 * again, the at-least-once the tests allow; anything else thrown ends the thread and stays in
 * {@link #failure}. Actions given to {@link #onThread} run between polls.
 */
final class PollingGroupConsumer implements AutoCloseable {
    final Set<TopicPartition> assignment = ConcurrentHashMap.newKeySet();
    final List<String> processed = new CopyOnWriteArrayList<>();
    final AtomicInteger lost = new AtomicInteger();
    final String clientId;
    /** Keeps {@link #assignment}; every subscribe of this consumer passes it. */
    final ConsumerRebalanceListener rebalances = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            assignment.removeAll(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assignment.addAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            lost.incrementAndGet();
            assignment.removeAll(partitions);
        }
    };
    volatile Throwable failure;
    private final Queue<Consumer<KafkaConsumer<String, String>>> actions = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    /**
     * @param subscribe subscribes the consumer, passing it the listener it is given
     * @param allProcessed where the values go too, shared with the group's other members
     * @param toleratedCommitFailures the exceptions of a commit that leave its records to be read again
     */
    @SafeVarargs
    PollingGroupConsumer(Properties properties,
                         BiConsumer<KafkaConsumer<String, String>, ConsumerRebalanceListener> subscribe,
                         Collection<String> allProcessed, Class<? extends Exception>... toleratedCommitFailures) {
        clientId = properties.getProperty(ConsumerConfig.CLIENT_ID_CONFIG, "consumer");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new StringDeserializer());
        List<Class<? extends Exception>> tolerated = List.of(toleratedCommitFailures);
        thread = new Thread(() -> {
            try (consumer) {
                subscribe.accept(consumer, rebalances);
                while (running.get()) {
                    for (Consumer<KafkaConsumer<String, String>> action; (action = actions.poll()) != null; ) {
                        action.accept(consumer);
                    }
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<String, String> record : records) {
                        processed.add(record.value());
                        allProcessed.add(record.value());
                    }
                    if (!records.isEmpty()) {
                        try {
                            consumer.commitSync(Duration.ofSeconds(30));
                        } catch (RuntimeException e) {
                            if (tolerated.stream().noneMatch(type -> type.isInstance(e))) {
                                throw e;
                            }
                        }
                    }
                }
            } catch (Throwable e) {
                failure = e;
            }
        }, "consumer-" + clientId);
        thread.start();
    }

    /** A consumer subscribed to {@code topic} by name. */
    @SafeVarargs
    static PollingGroupConsumer subscribedTo(String topic, Properties properties, Collection<String> allProcessed,
                                             Class<? extends Exception>... toleratedCommitFailures) {
        return new PollingGroupConsumer(properties, (consumer, listener) -> consumer.subscribe(List.of(topic), listener),
                allProcessed, toleratedCommitFailures);
    }

    void onThread(Consumer<KafkaConsumer<String, String>> action) {
        actions.add(action);
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
