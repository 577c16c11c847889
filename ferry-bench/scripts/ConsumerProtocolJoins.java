import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * How long a group of Kafka's consumer protocol (KIP-848) takes to settle when MEMBERS consumers
 * start at once on a topic of PARTITIONS partitions: from the first consumer's start until Admin
 * describes the group Stable with every member in it and every partition assigned. Each consumer
 * polls on a thread of its own. Run against Ferry and Kafka in turn with Kafka's classpath
 * (ferry-bench/scripts/kafka-classpath.sh):
 *
 * <pre>java -cp "$KCP" ferry-bench/scripts/ConsumerProtocolJoins.java HOST:PORT MEMBERS PARTITIONS</pre>
 */
public class ConsumerProtocolJoins {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int members = Integer.parseInt(args[1]);
        int partitions = Integer.parseInt(args[2]);
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String topic = "joins-" + suffix;
        String group = "joins-group-" + suffix;
        Properties adminProperties = new Properties();
        adminProperties.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(adminProperties)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> consumers = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < members; i++) {
                Thread consumer = new Thread(() -> poll(bootstrap, group, topic, running));
                consumer.start();
                consumers.add(consumer);
            }
            long deadline = start + TimeUnit.SECONDS.toNanos(180);
            String outcome = null;
            while (outcome == null && System.nanoTime() < deadline) {
                ConsumerGroupDescription described;
                try {
                    described = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                } catch (ExecutionException notThereYet) {
                    Thread.sleep(200);
                    continue;
                }
                int assigned = described.members().stream()
                        .mapToInt(member -> member.assignment().topicPartitions().size()).sum();
                if (described.groupState() == GroupState.STABLE && described.members().size() == members
                        && assigned == partitions) {
                    outcome = String.format("members=%d partitions=%d stable after %d ms, group epoch %d", members,
                            partitions, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                            described.groupEpoch().orElse(-1));
                } else {
                    Thread.sleep(200);
                }
            }
            System.out.println(outcome != null ? outcome : "not stable within 180 s");
            running.set(false);
            for (Thread consumer : consumers) {
                consumer.join(60_000);
            }
        }
    }

    private static void poll(String bootstrap, String group, String topic, AtomicBoolean running) {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrap);
        properties.put("group.id", group);
        properties.put("group.protocol", "consumer");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (running.get()) {
                consumer.poll(Duration.ofMillis(100));
            }
        }
    }
}
