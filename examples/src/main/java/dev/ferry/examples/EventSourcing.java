package dev.ferry.examples;

import com.rabbitmq.client.ConnectionFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Event sourcing: an account is the events that happened to it, appended to a stream; its balance
 * is not stored anywhere but computed by replaying them. In two phases, so that the broker can be
 * restarted (or killed) in between:
 * <ul>
 *   <li>{@code append}: {@code AccountCreated}, {@code MoneyDeposited 100}, {@code MoneyDeposited 100},
 *       {@code MoneyWithdrawn 50} for one account, by an idempotent producer with acks=all (on Ferry:
 *       acknowledged once on disk). Along the way a snapshotter writes the balance it has reached,
 *       with the offset of the last event it covers, to a compacted topic keyed by account
 *       ({@code cleanup.policy=compact}: the broker may keep only the latest snapshot per account).</li>
 *   <li>{@code replay}: a reader with no state rebuilds the balance from offset 0 (150); a second
 *       reader starts from the latest snapshot (200 after offset 2) and applies only the tail (one
 *       event) to reach the same 150.</li>
 * </ul>
 * {@code EventSourcing [append|replay] [host [amqp-port [kafka-port]]]}; without a phase it runs
 * both in one go. Unlike the other examples its two topics have fixed names (the phases may run in
 * different processes); {@code append} replaces them and {@code replay} deletes them at the end.
 */
public final class EventSourcing implements StreamExample {
    static final String EVENTS = "ferry-examples.account-events";
    static final String SNAPSHOTS = "ferry-examples.account-snapshots";
    static final String ACCOUNT = "account-7";
    private static final List<String> HISTORY = List.of("AccountCreated", "MoneyDeposited 100", "MoneyDeposited 100",
            "MoneyWithdrawn 50");
    /** After which event (its offset) the snapshotter records the balance so far. */
    private static final List<Long> SNAPSHOT_AFTER = List.of(1L, 2L);

    public static void main(String[] args) {
        String phase = args.length > 0 && (args[0].equals("append") || args[0].equals("replay")) ? args[0] : "both";
        String[] address = phase.equals("both") ? args : java.util.Arrays.copyOfRange(args, 1, args.length);
        ExampleLauncher.launch(new StreamExample() {
            @Override
            public String name() {
                return phase.equals("both") ? "event-sourcing" : "event-sourcing " + phase;
            }

            @Override
            public ExampleResult run(ConnectionFactory amqp, String kafkaBootstrap, Duration timeout) throws Exception {
                EventSourcing example = new EventSourcing();
                return phase.equals("append") ? example.append(kafkaBootstrap, timeout)
                        : phase.equals("replay") ? example.replay(kafkaBootstrap, timeout)
                        : example.run(amqp, kafkaBootstrap, timeout);
            }
        }, address);
    }

    @Override
    public String name() {
        return "event-sourcing";
    }

    @Override
    public ExampleResult run(ConnectionFactory amqp, String kafkaBootstrap, Duration timeout) throws Exception {
        ExampleResult appended = append(kafkaBootstrap, timeout);
        ExampleResult replayed = replay(kafkaBootstrap, timeout);
        List<String> lines = new ArrayList<>(appended.lines());
        lines.addAll(replayed.lines());
        List<String> failures = new ArrayList<>(appended.failures());
        failures.addAll(replayed.failures());
        return new ExampleResult(name(), lines, failures);
    }

    /** Replaces the two topics and appends the account's history and two snapshots. */
    public ExampleResult append(String kafkaBootstrap, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder("event-sourcing append");
        try (Admin admin = Admin.create(adminProperties(kafkaBootstrap, timeout))) {
            deleteIfPresent(admin, timeout);
            admin.createTopics(List.of(new NewTopic(EVENTS, 1, (short) 1),
                    new NewTopic(SNAPSHOTS, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties(kafkaBootstrap, timeout))) {
            long balance = 0;
            List<Long> offsets = new ArrayList<>();
            for (String event : HISTORY) {
                RecordMetadata written = producer.send(new ProducerRecord<>(EVENTS, ACCOUNT, event))
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                offsets.add(written.offset());
                balance = apply(balance, event);
                if (SNAPSHOT_AFTER.contains(written.offset())) {
                    producer.send(new ProducerRecord<>(SNAPSHOTS, ACCOUNT, Snapshot.of(balance, written.offset()).text()))
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            result.checkEquals(List.of(0L, 1L, 2L, 3L), offsets, "the four events are acknowledged at offsets 0-3");
            result.note("appended " + HISTORY + " for " + ACCOUNT + "; snapshots after offsets " + SNAPSHOT_AFTER);
        }
        return result.build();
    }

    /** Rebuilds the balance twice, from nothing and from the latest snapshot, then deletes the topics. */
    public ExampleResult replay(String kafkaBootstrap, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder("event-sourcing replay");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties(kafkaBootstrap))) {
            List<ConsumerRecord<String, String>> all = readToEnd(consumer, new TopicPartition(EVENTS, 0), 0, timeout);
            long balance = 0;
            List<String> replayed = new ArrayList<>();
            for (ConsumerRecord<String, String> event : all) {
                if (event.key().equals(ACCOUNT)) {
                    balance = apply(balance, event.value());
                    replayed.add(event.value());
                }
            }
            result.checkEquals(HISTORY, replayed, "the replay from offset 0 returns the history in order");
            result.checkEquals(150L, balance, "the balance rebuilt from every event is 150");

            Map<String, Snapshot> latest = new HashMap<>();
            for (ConsumerRecord<String, String> record : readToEnd(consumer, new TopicPartition(SNAPSHOTS, 0), 0, timeout)) {
                latest.put(record.key(), Snapshot.parse(record.value()));
            }
            Snapshot snapshot = latest.get(ACCOUNT);
            result.checkEquals(Snapshot.of(200, 2), snapshot, "the latest snapshot is 200 after offset 2");
            if (snapshot != null) {
                List<ConsumerRecord<String, String>> tail = readToEnd(consumer, new TopicPartition(EVENTS, 0),
                        snapshot.through() + 1, timeout);
                long fromSnapshot = snapshot.balance();
                for (ConsumerRecord<String, String> event : tail) {
                    fromSnapshot = apply(fromSnapshot, event.value());
                }
                result.checkEquals(1, tail.size(), "starting from the snapshot reads only the one event after it");
                result.checkEquals(150L, fromSnapshot, "snapshot plus tail gives the same balance, 150");
            }
        } finally {
            try (Admin admin = Admin.create(adminProperties(kafkaBootstrap, timeout))) {
                deleteIfPresent(admin, timeout);
            }
        }
        return result.build();
    }

    static long apply(long balance, String event) {
        String[] words = event.split(" ");
        return switch (words[0]) {
            case "AccountCreated" -> 0;
            case "MoneyDeposited" -> balance + Long.parseLong(words[1]);
            case "MoneyWithdrawn" -> balance - Long.parseLong(words[1]);
            default -> throw new IllegalArgumentException("unknown event " + event);
        };
    }

    /** The balance after the event at offset {@code through}, as the snapshot topic holds it: {@code balance=200 through=2}. */
    record Snapshot(long balance, long through) {
        static Snapshot of(long balance, long through) {
            return new Snapshot(balance, through);
        }

        static Snapshot parse(String text) {
            Map<String, Long> fields = new HashMap<>();
            for (String pair : text.split(" ")) {
                String[] parts = pair.split("=", 2);
                fields.put(parts[0], Long.parseLong(parts[1]));
            }
            return new Snapshot(fields.get("balance"), fields.get("through"));
        }

        String text() {
            return "balance=" + balance + " through=" + through;
        }
    }

    /** Every record of {@code partition} from {@code from} to the end it has now. */
    static List<ConsumerRecord<String, String>> readToEnd(KafkaConsumer<String, String> consumer, TopicPartition partition,
            long from, Duration timeout) {
        consumer.assign(List.of(partition));
        consumer.seek(partition, from);
        long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(partition, timeout) < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("did not reach offset " + end + " of " + partition + " in " + timeout);
            }
            consumer.poll(Duration.ofMillis(200)).records(partition).forEach(records::add);
        }
        return records;
    }

    private static void deleteIfPresent(Admin admin, Duration timeout) throws Exception {
        for (String topic : List.of(EVENTS, SNAPSHOTS)) {
            try {
                admin.deleteTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
    }

    static Properties adminProperties(String bootstrap, Duration timeout) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        return properties;
    }

    static Properties producerProperties(String bootstrap, Duration timeout) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis() / 2);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return properties;
    }

    /** A consumer that keeps no group: the reader decides where it starts. */
    static Properties consumerProperties(String bootstrap) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return properties;
    }
}
