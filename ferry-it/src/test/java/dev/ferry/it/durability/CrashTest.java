package dev.ferry.it.durability;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.MessageProperties;

import dev.ferry.it.support.BrokerProcess;

/**
 * Publishers with confirms send persistent messages with unique ids to durable queues while the
 * broker is SIGKILLed at seeded random moments; every round restarts it on the same data
 * directory. At the end the queues are drained: every confirmed id must be there.
 */
final class CrashTest {
    static final List<String> QUEUES = List.of("crash-a", "crash-b");
    private static final int PUBLISHERS = 2;
    // Low, so that most of the growing backlog is paged out of memory when the broker dies.
    private static final String[] PAGING = {"--queue-memory-messages", "500"};

    private final Path dataDir;
    private final Random random;
    private final int rounds;
    private final List<BrokerProcess> brokers;
    private final Set<String> confirmed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger published = new AtomicInteger();

    record Result(int rounds, int published, Set<String> confirmed, List<String> recovered, long unconfirmedRecovered,
                  long duplicates) {
    }

    CrashTest(Path dataDir, long seed, int rounds, List<BrokerProcess> brokers) {
        this.dataDir = dataDir;
        this.random = new Random(seed);
        this.rounds = rounds;
        this.brokers = brokers;
    }

    Result run() throws Exception {
        for (int round = 0; round < rounds; round++) {
            BrokerProcess broker = BrokerProcess.start(dataDir, PAGING);
            brokers.add(broker);
            try (Connection setup = connect(broker)) {
                Channel channel = setup.createChannel();
                for (String queue : QUEUES) {
                    channel.queueDeclare(queue, true, false, false, null);
                }
            }
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                String prefix = "r" + round + "-p" + p + "-";
                Thread thread = new Thread(() -> publishUntilTheBrokerDies(broker, prefix), "publisher-" + prefix);
                thread.start();
                publishers.add(thread);
            }
            Thread.sleep(500 + random.nextInt(1500));
            broker.kill();
            for (Thread thread : publishers) {
                thread.join(10_000);
            }
        }
        BrokerProcess broker = BrokerProcess.start(dataDir, PAGING);
        brokers.add(broker);
        List<String> recovered = new ArrayList<>();
        try (Connection connection = connect(broker)) {
            Channel channel = connection.createChannel();
            List<String> received = java.util.Collections.synchronizedList(new ArrayList<>());
            long expected = 0;
            for (String queue : QUEUES) {
                expected += channel.queueDeclarePassive(queue).getMessageCount();
                channel.basicConsume(queue, true, (tag, delivery) ->
                        received.add(new String(delivery.getBody(), StandardCharsets.UTF_8)), tag -> { });
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (received.size() < expected && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(200); // anything beyond the count would be a duplicate: give it a moment to show
            recovered.addAll(received);
        }
        Set<String> distinct = new HashSet<>(recovered);
        long unconfirmed = distinct.stream().filter(id -> !confirmed.contains(id)).count();
        return new Result(rounds, published.get(), Set.copyOf(confirmed), recovered, unconfirmed,
                recovered.size() - distinct.size());
    }

    private static Connection connect(BrokerProcess broker) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection();
    }

    /** Publishes persistent messages, confirmed asynchronously, until the connection breaks. */
    private void publishUntilTheBrokerDies(BrokerProcess broker, String prefix) {
        ConcurrentNavigableMap<Long, String> outstanding = new ConcurrentSkipListMap<>();
        try (Connection connection = connect(broker)) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            channel.addConfirmListener(new ConfirmListener() {
                @Override
                public void handleAck(long deliveryTag, boolean multiple) {
                    settle(deliveryTag, multiple, true);
                }

                @Override
                public void handleNack(long deliveryTag, boolean multiple) {
                    settle(deliveryTag, multiple, false);
                }

                private void settle(long deliveryTag, boolean multiple, boolean ack) {
                    var settledIds = multiple ? outstanding.headMap(deliveryTag, true) : outstanding.subMap(deliveryTag,
                            true, deliveryTag, true);
                    if (ack) {
                        confirmed.addAll(settledIds.values());
                    }
                    settledIds.clear();
                }
            });
            for (int n = 0; ; n++) {
                String id = prefix + n;
                // Bounded in flight, so that a kill finds a realistic number of unconfirmed messages.
                while (outstanding.size() > 500) {
                    if (!channel.isOpen()) {
                        return;
                    }
                    Thread.sleep(1);
                }
                outstanding.put(channel.getNextPublishSeqNo(), id);
                channel.basicPublish("", QUEUES.get(n % QUEUES.size()), MessageProperties.PERSISTENT_BASIC,
                        id.getBytes(StandardCharsets.UTF_8));
                published.incrementAndGet();
            }
        } catch (Exception expected) {
            // The broker was killed under us.
        }
    }
}
