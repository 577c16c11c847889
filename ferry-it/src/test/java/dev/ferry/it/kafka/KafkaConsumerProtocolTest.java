package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.RawKafkaClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka's consumer group protocol of KIP-848 ({@code group.protocol=consumer}: ConsumerGroupHeartbeat
 * and ConsumerGroupDescribe, the assignment computed by the broker with {@code uniform} or {@code
 * range}) with kafka-clients 4.3.1: members leaving and joining while records flow, committed offsets,
 * what Admin and Kafka's {@code kafka-consumer-groups} show, subscriptions that change (names and a
 * server-side RE2J pattern), partitions added under a live group, a classic consumer meeting such a
 * group and groups moving between the protocols while they consume (online migration both ways),
 * and a member the coordinator forgot (raw heartbeats). Every test passes against Kafka 4.3.1 with
 * {@code -Dferry.it.kafka=HOST:PORT}.
 *
 * <p>Kafka's coordinator hands out a changed assignment only in answer to a heartbeat, and a
 * rebalance that takes partitions from one member for another needs two such rounds. Kafka's
 * heartbeat interval is 5 s at the least by default; these tests' groups heartbeat every second,
 * which needs a broker started with {@code group.consumer.min.heartbeat.interval.ms=1000} (Ferry's
 * test broker is; start a reference Kafka with it too, or the class takes two and a half minutes).
 * The awaits allow 30 s.
 */
class KafkaConsumerProtocolTest extends KafkaTestBase {
    private static final Duration REBALANCE = Duration.ofSeconds(30);
    private static final String KAFKA_VERSION = "4.3.1";
    /** The heartbeat interval of these tests' groups, and of their classic consumers. */
    private static final int HEARTBEAT_MS = 1000;

    /** Members, consumers, producers and class loaders of the running test, closed after it in reverse order. */
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        closing.add(resource);
        return resource;
    }

    /**
     * A consumer of the new protocol. It must leave {@code session.timeout.ms}, {@code
     * heartbeat.interval.ms} and {@code partition.assignment.strategy} unset: the broker owns them now.
     */
    private static Properties consumerProperties(String group, String assignor) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                ConsumerConfig.CLIENT_ID_CONFIG, unique("kip848"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50));
        if (assignor != null) {
            settings.put(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, assignor);
        }
        return clientProperties(settings);
    }

    private static KafkaConsumer<String, String> consumer(Properties properties) {
        return new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
    }

    private KafkaProducer<String, String> producer() {
        return closeLater(new KafkaProducer<>(clientProperties(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5)), new StringSerializer(), new StringSerializer()));
    }

    /**
     * A group id of its own, its target assignment computed in the heartbeat that changes the group
     * ({@code consumer.assignment.interval.ms=0}) instead of up to a second later: Kafka 4.3.1 then
     * answers a joining member with its partitions at once, which saves a heartbeat round per join.
     * Its members heartbeat every second ({@code consumer.heartbeat.interval.ms=1000}) where the
     * broker allows it ({@code group.consumer.min.heartbeat.interval.ms=1000}, which Ferry's test
     * broker and a reference Kafka started for these tests have); a broker that keeps Kafka's
     * built-in 5 s bound refuses it, and the group keeps 5 s rounds (the class then takes minutes).
     */
    private static String newGroup(Admin admin, String prefix) throws Exception {
        String group = unique(prefix);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        try {
            alterGroup(admin, resource, Map.of("consumer.assignment.interval.ms", "0",
                    "consumer.heartbeat.interval.ms", Integer.toString(HEARTBEAT_MS)));
        } catch (ExecutionException e) {
            if (broker != null) {
                throw e; // Ferry's test broker allows 1 s
            }
            assertThat(e.getCause()).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("consumer.heartbeat.interval.ms must be greater than or equal to "
                            + "group.consumer.min.heartbeat.interval.ms");
            alterGroup(admin, resource, Map.of("consumer.assignment.interval.ms", "0"));
        }
        return group;
    }

    private static void alterGroup(Admin admin, ConfigResource group, Map<String, String> configs) throws Exception {
        List<AlterConfigOp> changes = configs.entrySet().stream().map(config -> new AlterConfigOp(
                new ConfigEntry(config.getKey(), config.getValue()), AlterConfigOp.OpType.SET)).toList();
        admin.incrementalAlterConfigs(Map.of(group, changes)).all().get(30, TimeUnit.SECONDS);
    }

    private static void createTopic(Admin admin, String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    /** Values {@code from} to {@code to} (exclusive), keyed so they spread over the partitions. */
    private static void produce(KafkaProducer<String, String> producer, String topic, int from, int to)
            throws Exception {
        List<Future<?>> sends = new ArrayList<>();
        for (int i = from; i < to; i++) {
            sends.add(producer.send(new ProducerRecord<>(topic, "key-" + i, String.valueOf(i))));
        }
        for (Future<?> send : sends) {
            send.get(30, TimeUnit.SECONDS);
        }
    }

    /** {@code count} records into each of partitions 0 to {@code partitions - 1}, values "p-i". */
    private static void producePerPartition(KafkaProducer<String, String> producer, String topic, int partitions,
                                            int count) throws Exception {
        List<Future<?>> sends = new ArrayList<>();
        for (int partition = 0; partition < partitions; partition++) {
            for (int i = 0; i < count; i++) {
                sends.add(producer.send(new ProducerRecord<>(topic, partition, null, partition + "-" + i)));
            }
        }
        for (Future<?> send : sends) {
            send.get(30, TimeUnit.SECONDS);
        }
    }

    private static Set<String> values(int from, int to) {
        Set<String> values = new HashSet<>();
        for (int i = from; i < to; i++) {
            values.add(String.valueOf(i));
        }
        return values;
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
    }

    private static Set<TopicPartition> partitionsOf(String topic, int count) {
        Set<TopicPartition> partitions = new HashSet<>();
        for (int partition = 0; partition < count; partition++) {
            partitions.add(new TopicPartition(topic, partition));
        }
        return partitions;
    }

    /**
     * A member subscribed to {@code topics} by name, closed after the test unless closed before. A
     * commit refused because the partitions moved on under it leaves what it held to their next
     * owner, the at-least-once these tests allow.
     */
    private PollingGroupConsumer member(Properties properties, List<String> topics, Collection<String> allProcessed) {
        return closeLater(new PollingGroupConsumer(properties, (consumer, listener) -> consumer.subscribe(topics, listener),
                allProcessed, CommitFailedException.class, RebalanceInProgressException.class));
    }

    private PollingGroupConsumer member(String group, String assignor, String topic, Collection<String> allProcessed) {
        return member(consumerProperties(group, assignor), List.of(topic), allProcessed);
    }

    /** Waits until the members share {@code partitions} evenly between them, none owned twice. */
    private static void awaitEvenShares(List<PollingGroupConsumer> members, Set<TopicPartition> partitions) {
        await().atMost(REBALANCE).untilAsserted(() -> {
            List<TopicPartition> owned = new ArrayList<>();
            for (PollingGroupConsumer member : members) {
                assertThat(member.failure).isNull();
                assertThat(member.assignment).as("share of %s", member.clientId)
                        .hasSize(partitions.size() / members.size());
                owned.addAll(member.assignment);
            }
            assertThat(owned).containsExactlyInAnyOrderElementsOf(partitions);
        });
    }

    /** The range assignor gives each member, on a single topic, partitions numbered without a gap. */
    private static void assertContiguousRanges(List<PollingGroupConsumer> members) {
        for (PollingGroupConsumer member : members) {
            TreeSet<Integer> numbers = member.assignment.stream().map(TopicPartition::partition)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(numbers.last() - numbers.first() + 1).as("range of %s: %s", member.clientId, numbers)
                    .isEqualTo(numbers.size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"uniform", "range"})
    void shouldProcessEveryRecordWhileMembersLeaveAndJoin(String assignor) throws Exception {
        int partitions = 6;
        String topic = unique("kip848-orders");
        Set<TopicPartition> all = partitionsOf(topic, partitions);
        try (Admin admin = admin()) {
            String group = newGroup(admin, "kip848-processors");
            createTopic(admin, topic, partitions);
            // Every value processed, duplicates kept: at-least-once allows a few around each rebalance.
            List<String> processed = new CopyOnWriteArrayList<>();
            KafkaProducer<String, String> producer = producer();
            PollingGroupConsumer first = member(group, assignor, topic, processed);
            PollingGroupConsumer second = member(group, assignor, topic, processed);
            PollingGroupConsumer third = member(group, assignor, topic, processed);
            awaitEvenShares(List.of(first, second, third), all);
            if (assignor.equals("range")) {
                assertContiguousRanges(List.of(first, second, third));
            }
            assertThat(describe(admin, group).partitionAssignor()).isEqualTo(assignor);

            produce(producer, topic, 0, 1000);
            await().atMost(REBALANCE).until(() -> processed.size() >= 300);

            // One member leaves mid-stream: the other two take its partitions.
            second.close();
            produce(producer, topic, 1000, 2000);
            awaitEvenShares(List.of(first, third), all);
            if (assignor.equals("range")) {
                assertContiguousRanges(List.of(first, third));
            }
            assertThat(second.processed).isNotEmpty();

            // A new one joins mid-stream and gets its share from the others.
            PollingGroupConsumer fourth = member(group, assignor, topic, processed);
            produce(producer, topic, 2000, 3000);
            awaitEvenShares(List.of(first, third, fourth), all);
            if (assignor.equals("range")) {
                assertContiguousRanges(List.of(first, third, fourth));
            }
            produce(producer, topic, 3000, 4000);

            await().atMost(REBALANCE).untilAsserted(() -> assertThat(new HashSet<>(processed)).containsAll(values(0, 4000)));
            assertThat(fourth.processed).isNotEmpty();
            // A record is processed twice only when its partition moved before its commit landed: at
            // most a poll's worth (50) for each of the partitions that moved in the two rebalances.
            assertThat(processed.size() - 4000).as("records processed twice").isLessThanOrEqualTo(2 * partitions * 50);

            // Every partition's committed offset reaches its end: 4000 records in all.
            await().atMost(REBALANCE).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertThat(committed.keySet()).containsExactlyInAnyOrderElementsOf(all);
                assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(4000);
            });
        }
    }

    /**
     * A static member (group.instance.id) closed for a restart leaves with epoch -2: its partitions
     * wait for it instead of going to the others, and the process that comes back with the same
     * instance id (and a new member id) gets the same partitions at the same epoch; the other member
     * sees nothing happen.
     */
    @Test
    void shouldGiveARestartedStaticMemberItsPartitionsBackWithoutARebalance() throws Exception {
        String topic = unique("kip848-static");
        try (Admin admin = admin()) {
            createTopic(admin, topic, 4);
            String group = newGroup(admin, "kip848-static-group");
            Set<String> processed = ConcurrentHashMap.newKeySet();
            Properties staticProperties = consumerProperties(group, null);
            staticProperties.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "host-1");
            PollingGroupConsumer first = member(staticProperties, List.of(topic), processed);
            PollingGroupConsumer other = member(group, null, topic, processed);
            awaitEvenShares(List.of(first, other), partitionsOf(topic, 4));
            await().atMost(REBALANCE).until(() -> describe(admin, group).groupState() == GroupState.STABLE);
            ConsumerGroupDescription before = describe(admin, group);
            Set<TopicPartition> firstPartitions = Set.copyOf(first.assignment);
            Set<TopicPartition> otherPartitions = Set.copyOf(other.assignment);

            first.close();
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(describe(admin, group).members())
                    .anySatisfy(member -> assertThat(member.memberEpoch()).contains(-2)));
            Properties restartedProperties = consumerProperties(group, null);
            restartedProperties.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "host-1");
            PollingGroupConsumer restarted = member(restartedProperties, List.of(topic), processed);
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(restarted.assignment)
                    .containsExactlyInAnyOrderElementsOf(firstPartitions));

            ConsumerGroupDescription after = describe(admin, group);
            assertThat(after.groupEpoch()).isEqualTo(before.groupEpoch());
            assertThat(after.members()).hasSize(2).allSatisfy(member ->
                    assertThat(member.memberEpoch()).isEqualTo(before.members().iterator().next().memberEpoch()));
            assertThat(other.assignment).containsExactlyInAnyOrderElementsOf(otherPartitions);
            assertThat(other.lost.get()).isZero();
        }
    }

    @Test
    void shouldResumeANewConsumerAtTheOffsetsItsGroupCommitted() throws Exception {
        String topic = unique("kip848-ledger");
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        for (int partition = 0; partition < 3; partition++) {
            committed.put(new TopicPartition(topic, partition), new OffsetAndMetadata(4 + 3L * partition));
        }
        try (Admin admin = admin()) {
            String group = newGroup(admin, "kip848-auditors");
            createTopic(admin, topic, 3);
            producePerPartition(producer(), topic, 3, 20);

            // The first consumer reads everything but processes (and commits) only part of each partition.
            try (KafkaConsumer<String, String> first = consumer(consumerProperties(group, null))) {
                first.subscribe(List.of(topic));
                Set<String> seen = new HashSet<>();
                await().atMost(REBALANCE).until(() -> {
                    first.poll(Duration.ofMillis(100)).forEach(record -> seen.add(record.value()));
                    return seen.size() == 60;
                });
                first.commitSync(committed);
                assertThat(first.committed(committed.keySet())).isEqualTo(committed);
            }
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                    .isEqualTo(committed);
            // The group outlives its last member: empty, still of the new protocol, offsets kept.
            ConsumerGroupDescription empty = describe(admin, group);
            assertThat(empty.type()).isEqualTo(GroupType.CONSUMER);
            assertThat(empty.groupState()).isEqualTo(GroupState.EMPTY);
            assertThat(empty.members()).isEmpty();

            // The next consumer of the group starts exactly there: the first record of each
            // partition it gets is the committed offset, and it gets the rest, once.
            try (KafkaConsumer<String, String> next = consumer(consumerProperties(group, null))) {
                next.subscribe(List.of(topic));
                Map<TopicPartition, List<Long>> offsets = new HashMap<>();
                List<String> received = new ArrayList<>();
                await().atMost(REBALANCE).until(() -> {
                    for (ConsumerRecord<String, String> record : next.poll(Duration.ofMillis(100))) {
                        offsets.computeIfAbsent(new TopicPartition(record.topic(), record.partition()),
                                partition -> new ArrayList<>()).add(record.offset());
                        received.add(record.value());
                    }
                    return received.size() >= 60 - 4 - 7 - 10;
                });
                for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : committed.entrySet()) {
                    assertThat(offsets.get(entry.getKey())).as("offsets read from %s", entry.getKey())
                            .first().isEqualTo(entry.getValue().offset());
                    assertThat(offsets.get(entry.getKey())).hasSize(20 - (int) entry.getValue().offset());
                }
                assertThat(received).hasSize(39).doesNotHaveDuplicates().contains("0-4", "1-7", "2-10")
                        .doesNotContain("0-3", "1-6", "2-9");
            }
        }
    }

    @Test
    void shouldDescribeAConsumerGroupAndTellItFromAClassicOne() throws Exception {
        String topic = unique("kip848-described");
        String classicGroup = unique("kip848-classic-group");
        Set<TopicPartition> all = partitionsOf(topic, 4);
        try (Admin admin = admin()) {
            String group = newGroup(admin, "kip848-described-group");
            createTopic(admin, topic, 4);
            List<String> processed = new CopyOnWriteArrayList<>();
            PollingGroupConsumer first = member(group, "range", topic, processed);
            PollingGroupConsumer second = member(group, "range", topic, processed);
            // The same topic read by a group of the classic protocol, for the listings to tell apart.
            Properties classic = clientProperties(Map.of(ConsumerConfig.GROUP_ID_CONFIG, classicGroup,
                    ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic", ConsumerConfig.CLIENT_ID_CONFIG, "classic-member"));
            PollingGroupConsumer classicMember = member(classic, List.of(topic), processed);
            awaitEvenShares(List.of(first, second), all);
            await().atMost(REBALANCE).until(() -> classicMember.assignment.size() == 4);

            // Once each member has taken its share, the group is stable and every epoch agrees.
            await().atMost(REBALANCE).untilAsserted(() -> {
                ConsumerGroupDescription described = describe(admin, group);
                assertThat(described.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(described.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(described.isSimpleConsumerGroup()).isFalse();
                assertThat(described.partitionAssignor()).isEqualTo("range");
                assertThat(described.groupEpoch()).isPresent();
                assertThat(described.targetAssignmentEpoch()).isEqualTo(described.groupEpoch());
                assertThat(described.members()).hasSize(2);
                for (MemberDescription member : described.members()) {
                    assertThat(member.memberEpoch()).isEqualTo(described.groupEpoch());
                    assertThat(member.upgraded()).as("uses the consumer protocol").contains(true);
                    assertThat(member.assignment().topicPartitions()).hasSize(2);
                    assertThat(member.targetAssignment()).contains(member.assignment());
                    assertThat(member.groupInstanceId()).isEmpty();
                    assertThat(member.host()).isNotEmpty();
                }
                assertThat(described.members()).extracting(MemberDescription::clientId)
                        .containsExactlyInAnyOrder(first.clientId, second.clientId);
                assertThat(described.members()).flatExtracting(member -> member.assignment().topicPartitions())
                        .containsExactlyInAnyOrderElementsOf(all);
                for (MemberDescription member : described.members()) {
                    PollingGroupConsumer client = member.clientId().equals(first.clientId) ? first : second;
                    assertThat(member.assignment().topicPartitions()).isEqualTo(client.assignment);
                }
            });

            ConsumerGroupDescription classicDescribed = describe(admin, classicGroup);
            assertThat(classicDescribed.type()).isEqualTo(GroupType.CLASSIC);
            assertThat(classicDescribed.groupState()).isEqualTo(GroupState.STABLE);
            assertThat(classicDescribed.partitionAssignor()).isEqualTo("range");
            assertThat(classicDescribed.groupEpoch()).isEmpty();
            assertThat(classicDescribed.members()).singleElement().satisfies(member -> {
                assertThat(member.assignment().topicPartitions()).containsExactlyInAnyOrderElementsOf(all);
                assertThat(member.memberEpoch()).isEmpty();
            });

            // Listing by type tells the two protocols apart.
            assertThat(groupsOfType(admin, GroupType.CONSUMER)).contains(group).doesNotContain(classicGroup);
            assertThat(groupsOfType(admin, GroupType.CLASSIC)).contains(classicGroup).doesNotContain(group);
            Map<String, GroupListing> listed = admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .collect(Collectors.toMap(GroupListing::groupId, listing -> listing));
            assertThat(listed.get(group).type()).contains(GroupType.CONSUMER);
            assertThat(listed.get(group).protocol()).isEqualTo("consumer");
            assertThat(listed.get(group).groupState()).contains(GroupState.STABLE);
            assertThat(listed.get(classicGroup).type()).contains(GroupType.CLASSIC);
            assertThat(listed.get(classicGroup).protocol()).isEqualTo("consumer");
        }
    }

    private static List<String> groupsOfType(Admin admin, GroupType type) throws Exception {
        return admin.listGroups(new ListGroupsOptions().withTypes(Set.of(type))).all().get(30, TimeUnit.SECONDS)
                .stream().map(GroupListing::groupId).toList();
    }

    @Test
    void shouldFollowAChangedSubscriptionAndAServerSidePattern() throws Exception {
        String prefix = unique("kip848-pattern");
        String topicA = unique("kip848-a");
        String topicB = unique("kip848-b");
        String early = prefix + "-early";
        String late = prefix + "-late";
        try (Admin admin = admin()) {
            createTopic(admin, topicA, 2);
            createTopic(admin, topicB, 2);
            createTopic(admin, early, 1);
            List<String> processed = new CopyOnWriteArrayList<>();

            PollingGroupConsumer named = member(newGroup(admin, "kip848-named"), null, topicA, processed);
            await().atMost(REBALANCE).until(() -> named.assignment.equals(partitionsOf(topicA, 2)));
            named.onThread(consumer -> consumer.subscribe(List.of(topicA, topicB), named.rebalances));

            PollingGroupConsumer patterned = closeLater(new PollingGroupConsumer(consumerProperties(newGroup(admin, "kip848-patterned"), null),
                    (consumer, listener) -> consumer.subscribe(new SubscriptionPattern(prefix + "-.*"), listener),
                    processed, CommitFailedException.class, RebalanceInProgressException.class));
            await().atMost(REBALANCE).until(() -> patterned.assignment.equals(partitionsOf(early, 1)));
            createTopic(admin, late, 2);

            Set<TopicPartition> both = new HashSet<>(partitionsOf(topicA, 2));
            both.addAll(partitionsOf(topicB, 2));
            await().atMost(REBALANCE).until(() -> named.assignment.equals(both));
            Set<TopicPartition> matching = new HashSet<>(partitionsOf(early, 1));
            matching.addAll(partitionsOf(late, 2));
            await().atMost(REBALANCE).until(() -> patterned.assignment.equals(matching));
            assertThat(named.failure).isNull();
            assertThat(patterned.failure).isNull();
        }
    }

    @Test
    void shouldAssignPartitionsAddedWhileTheGroupConsumes() throws Exception {
        String topic = unique("kip848-growing");
        try (Admin admin = admin()) {
            String group = newGroup(admin, "kip848-growing-group");
            createTopic(admin, topic, 2);
            Set<String> processed = ConcurrentHashMap.newKeySet();
            KafkaProducer<String, String> producer = producer();
            // One member: a second would cost a heartbeat round or two to split the first two
            // partitions, and the spreading of partitions is the first test's business.
            PollingGroupConsumer member = member(group, null, topic, processed);
            await().atMost(REBALANCE).until(() -> member.assignment.equals(partitionsOf(topic, 2)));
            produce(producer, topic, 0, 200);

            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get(30, TimeUnit.SECONDS);
            await().atMost(REBALANCE).until(() -> member.assignment.equals(partitionsOf(topic, 4)));
            // Records in the new partitions reach the group too, from their start.
            producePerPartition(producer, topic, 4, 5);
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(processed)
                    .containsAll(values(0, 200)).contains("2-0", "2-4", "3-0", "3-4"));
            assertThat(member.failure).isNull();
        }
    }

    /** A consumer of the classic protocol with the given assignor (its JoinGroup's first protocol). */
    private static Properties classicProperties(String group, String clientId, String assignor) {
        return clientProperties(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic", ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_MS,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50));
    }

    /** Each member's type as ConsumerGroupDescribe reports it: {@code upgraded} is true for the consumer protocol. */
    private static List<String> memberTypes(ConsumerGroupDescription group) {
        return group.members().stream().map(member -> member.clientId() + ":" + member.upgraded().orElseThrow())
                .collect(Collectors.toList());
    }

    /**
     * A rolling upgrade: classic consumers (eager range, or cooperative-sticky) consume; a consumer
     * of the new protocol joins the running group, which becomes a consumer group with the classic
     * members kept and assigned by the broker (Kafka 4.3.1's default
     * {@code group.consumer.migration.policy=bidirectional}); the classic members then leave one by
     * one. Every record is processed throughout.
     */
    @ParameterizedTest
    @ValueSource(strings = {"org.apache.kafka.clients.consumer.RangeAssignor",
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"})
    void shouldUpgradeARunningClassicGroupMemberByMember(String classicAssignor) throws Exception {
        int partitions = 6;
        String topic = unique("kip848-upgrade");
        Set<TopicPartition> all = partitionsOf(topic, partitions);
        try (Admin admin = admin()) {
            String group = newGroup(admin, "kip848-upgrade-group");
            createTopic(admin, topic, partitions);
            Set<String> processed = ConcurrentHashMap.newKeySet();
            KafkaProducer<String, String> producer = producer();
            PollingGroupConsumer first = member(classicProperties(group, "classic-1", classicAssignor), List.of(topic), processed);
            PollingGroupConsumer second = member(classicProperties(group, "classic-2", classicAssignor), List.of(topic), processed);
            awaitEvenShares(List.of(first, second), all);
            assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS)).filteredOn(g -> g.groupId().equals(group))
                    .singleElement().satisfies(listing -> assertThat(listing.type()).contains(GroupType.CLASSIC));
            produce(producer, topic, 0, 300);
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(processed).containsAll(values(0, 300)));

            PollingGroupConsumer modern = member(group, null, topic, processed);
            awaitEvenShares(List.of(first, second, modern), all);
            await().atMost(REBALANCE).untilAsserted(() -> {
                ConsumerGroupDescription described = describe(admin, group);
                assertThat(described.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(described.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(memberTypes(described)).containsExactlyInAnyOrder(
                        "classic-1:false", "classic-2:false", modern.clientId + ":true");
            });
            produce(producer, topic, 300, 600);
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(processed).containsAll(values(300, 600)));

            first.close();
            awaitEvenShares(List.of(second, modern), all);
            second.close();
            await().atMost(REBALANCE).until(() -> modern.assignment.size() == partitions);
            produce(producer, topic, 600, 900);
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(processed).containsAll(values(600, 900)));
            ConsumerGroupDescription described = describe(admin, group);
            assertThat(described.type()).isEqualTo(GroupType.CONSUMER);
            assertThat(memberTypes(described)).containsExactly(modern.clientId + ":true");
            assertThat(Arrays.asList(first.failure, second.failure, modern.failure)).containsOnlyNulls();
        }
    }

    /**
     * A static classic consumer (it does not leave its group when it closes) restarted with the new
     * protocol and the same {@code group.instance.id}: the group turns, and the restarted process
     * takes its old place at once, with the partitions it had, the other member undisturbed.
     */
    @Test
    void shouldLetAStaticClassicConsumerComeBackWithTheNewProtocol() throws Exception {
        String topic = unique("kip848-static-upgrade");
        Set<TopicPartition> all = partitionsOf(topic, 4);
        try (Admin admin = admin()) {
            String group = newGroup(admin, "kip848-static-upgrade-group");
            createTopic(admin, topic, 4);
            Set<String> processed = ConcurrentHashMap.newKeySet();
            Properties staticClassic = classicProperties(group, "static-classic",
                    "org.apache.kafka.clients.consumer.RangeAssignor");
            staticClassic.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "host-1");
            PollingGroupConsumer first = member(staticClassic, List.of(topic), processed);
            PollingGroupConsumer other = member(classicProperties(group, "other-classic",
                    "org.apache.kafka.clients.consumer.RangeAssignor"), List.of(topic), processed);
            awaitEvenShares(List.of(first, other), all);
            Set<TopicPartition> firstPartitions = Set.copyOf(first.assignment);

            first.close();
            Properties restartedProperties = consumerProperties(group, null);
            restartedProperties.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "host-1");
            PollingGroupConsumer restarted = member(restartedProperties, List.of(topic), processed);

            await().atMost(REBALANCE).untilAsserted(() -> assertThat(restarted.assignment)
                    .containsExactlyInAnyOrderElementsOf(firstPartitions));
            await().atMost(REBALANCE).untilAsserted(() -> {
                ConsumerGroupDescription described = describe(admin, group);
                assertThat(described.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(memberTypes(described)).containsExactlyInAnyOrder(
                        restarted.clientId + ":true", "other-classic:false");
            });
            produce(producer(), topic, 0, 200);
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(processed).containsAll(values(0, 200)));
            assertThat(Arrays.asList(restarted.failure, other.failure)).containsOnlyNulls();
        }
    }

    /**
     * The way back: a classic consumer joins a consumer group (taken in, assigned by the broker),
     * and when the group's last consumer-protocol member leaves, it turns classic again at the
     * generation the classic member is at, which rejoins (a cooperative one keeping its partitions)
     * and gets every partition through an ordinary rebalance.
     */
    @ParameterizedTest
    @ValueSource(strings = {"org.apache.kafka.clients.consumer.RangeAssignor",
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"})
    void shouldTurnAGroupClassicAgainWhenItsLastConsumerProtocolMemberLeaves(String classicAssignor) throws Exception {
        String topic = unique("kip848-downgrade");
        Set<TopicPartition> all = partitionsOf(topic, 4);
        try (Admin admin = admin()) {
            String group = newGroup(admin, "kip848-downgrade-group");
            createTopic(admin, topic, 4);
            Set<String> processed = ConcurrentHashMap.newKeySet();
            PollingGroupConsumer modern = member(group, null, topic, processed);
            await().atMost(REBALANCE).until(() -> modern.assignment.size() == 4);
            PollingGroupConsumer classic = member(classicProperties(group, "classic-member", classicAssignor), List.of(topic),
                    processed);
            awaitEvenShares(List.of(modern, classic), all);
            assertThat(memberTypes(describe(admin, group)))
                    .containsExactlyInAnyOrder(modern.clientId + ":true", "classic-member:false");

            modern.close();

            await().atMost(REBALANCE).until(() -> classic.assignment.size() == 4);
            await().atMost(REBALANCE).untilAsserted(() -> {
                ConsumerGroupDescription described = describe(admin, group);
                assertThat(described.type()).isEqualTo(GroupType.CLASSIC);
                assertThat(described.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(described.members()).singleElement()
                        .satisfies(member -> assertThat(member.clientId()).isEqualTo("classic-member"));
            });
            produce(producer(), topic, 0, 200);
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(processed).containsAll(values(0, 200)));
            assertThat(classic.failure).isNull();
            // It was sent to rejoin, not told its generation was gone: nothing it held was reported lost.
            assertThat(classic.lost.get()).isZero();
        }
    }

    @Test
    void shouldShowAConsumerGroupInKafkasConsumerGroupCommand() throws Exception {
        String topic = unique("kip848-tools");
        try (Admin admin = admin(); ToolsLoader tools = new ToolsLoader()) {
            String group = newGroup(admin, "kip848-tools-group");
            createTopic(admin, topic, 2);
            producePerPartition(producer(), topic, 2, 5);
            Properties properties = consumerProperties(group, null);
            String clientId = properties.getProperty(ConsumerConfig.CLIENT_ID_CONFIG);
            try (KafkaConsumer<String, String> consumer = consumer(properties)) {
                consumer.subscribe(List.of(topic));
                int[] read = {0};
                await().atMost(REBALANCE).until(() -> {
                    read[0] += consumer.poll(Duration.ofMillis(100)).count();
                    return read[0] == 10;
                });
                consumer.commitSync();
                // Three more in partition 0 that the member has not polled: lag 3 there. Its
                // heartbeats go on in the background, so it stays a member while the tool runs.
                producePerPartition(producer(), topic, 1, 3);
                ConsumerGroupDescription described = describe(admin, group);
                MemberDescription only = described.members().iterator().next();
                String memberId = only.consumerId();
                String host = only.host();
                String epoch = String.valueOf(described.groupEpoch().orElseThrow());

                String members = tools.groups("--describe", "--group", group, "--members");
                assertThat(rows(members, group)).as(members).singleElement().satisfies(row ->
                        assertThat(row).containsExactly(group, memberId, host, clientId, "2"));

                // --verbose adds the member's epoch and assignment next to its target's.
                String verbose = tools.groups("--describe", "--group", group, "--members", "--verbose");
                assertThat(rows(verbose, group)).as(verbose).singleElement().satisfies(row ->
                        assertThat(row).containsExactly(group, memberId, host, clientId, "2",
                                epoch, topic + ":0,1", epoch, topic + ":0,1"));

                String offsets = tools.groups("--describe", "--group", group);
                assertThat(rows(offsets, group)).as(offsets).extracting(List::of).containsExactlyInAnyOrder(
                        List.of(group, topic, "0", "5", "8", "3", memberId, host, clientId),
                        List.of(group, topic, "1", "5", "5", "0", memberId, host, clientId));

                String state = tools.groups("--describe", "--group", group, "--state");
                assertThat(rows(state, group)).as(state).singleElement().satisfies(row ->
                        assertThat(row).endsWith("uniform", "Stable", "1"));
            }
        }
    }

    /** Rows of a tool's table whose first column is {@code first}, split on runs of spaces. */
    private static List<String[]> rows(String printed, String first) {
        List<String[]> rows = new ArrayList<>();
        for (String line : printed.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length > 1 && columns[0].equals(first)) {
                rows.add(columns);
            }
        }
        return rows;
    }

    /**
     * Kafka's {@code kafka-tools} in a class loader of their own, as {@link KafkaToolsTest} runs them,
     * with Kafka's {@code Exit} turned into an exception so that a tool never ends the test's JVM.
     */
    private static final class ToolsLoader implements AutoCloseable {
        private final URLClassLoader loader;

        ToolsLoader() throws Exception {
            List<URL> jars = new ArrayList<>();
            for (String jar : toolsClasspath().split(java.io.File.pathSeparator)) {
                jars.add(Path.of(jar).toUri().toURL());
            }
            loader = new URLClassLoader(jars.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
            Class<?> exit = loader.loadClass("org.apache.kafka.common.utils.Exit");
            Class<?> procedure = loader.loadClass("org.apache.kafka.common.utils.Exit$Procedure");
            Object throwing = Proxy.newProxyInstance(loader, new Class<?>[] {procedure}, (proxy, method, args) ->
                    switch (method.getName()) {
                        case "execute" -> throw new ToolExited((Integer) args[0]);
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "exit procedure of KafkaConsumerProtocolTest";
                    });
            exit.getMethod("setExitProcedure", procedure).invoke(null, throwing);
            exit.getMethod("setHaltProcedure", procedure).invoke(null, throwing);
        }

        /**
         * The class path {@code maven-classpath.sh} wrote the last time it ran, when every jar of it
         * is still there: asking Maven again costs seconds. Otherwise the script, as KafkaToolsTest runs it.
         */
        private static String toolsClasspath() throws Exception {
            Path cached = Path.of("..", "ferry-bench", "target", "kafka-tools-" + KAFKA_VERSION, "cp.txt");
            if (Files.isRegularFile(cached)) {
                String classpath = Files.readString(cached).trim();
                if (!classpath.isEmpty() && List.of(classpath.split(java.io.File.pathSeparator)).stream()
                        .allMatch(jar -> Files.isRegularFile(Path.of(jar)))) {
                    return classpath;
                }
            }
            return KafkaToolsTest.resolveToolsClasspath();
        }

        /** {@code kafka-consumer-groups} against the broker under test: what it printed. */
        String groups(String... arguments) throws Exception {
            List<String> command = new ArrayList<>(List.of("--bootstrap-server", bootstrap()));
            command.addAll(List.of(arguments));
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
            PrintStream out = System.out;
            PrintStream err = System.err;
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            System.setOut(capture);
            System.setErr(capture);
            thread.setContextClassLoader(loader);
            try {
                loader.loadClass("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand")
                        .getMethod("main", String[].class).invoke(null, (Object) command.toArray(String[]::new));
            } catch (InvocationTargetException e) {
                if (!(e.getCause() instanceof ToolExited)) {
                    throw e;
                }
            } finally {
                thread.setContextClassLoader(previous);
                System.setOut(out);
                System.setErr(err);
            }
            return printed.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws Exception {
            loader.close();
        }
    }

    /** Thrown through a tool's main in place of {@code System.exit}. */
    private static final class ToolExited extends Error {
        ToolExited(int code) {
            super("exit " + code, null, false, false);
        }
    }

    @Test
    void shouldLetAMemberTheCoordinatorForgotRejoinAfterLosingItsPartitions() throws Exception {
        String topic = unique("kip848-forgotten");
        try (Admin admin = admin(); RawKafkaClient raw = connectRaw()) {
            String group = newGroup(admin, "kip848-forgotten-group");
            createTopic(admin, topic, 2);
            Set<String> processed = ConcurrentHashMap.newKeySet();
            KafkaProducer<String, String> producer = producer();
            producePerPartition(producer, topic, 2, 1);
            PollingGroupConsumer member = member(group, null, topic, processed);
            // Consuming, not just assigned: its positions are fetched and nothing of the join is left
            // in flight when the coordinator forgets it.
            await().atMost(REBALANCE).until(() -> member.assignment.size() == 2 && processed.size() == 2);
            MemberDescription described = describe(admin, group).members().iterator().next();
            String memberId = described.consumerId();

            // The wrong epoch is fenced and an unknown member refused; the live member is untouched.
            int epoch = described.memberEpoch().orElseThrow();
            // A commit at another epoch than the member's, older or newer, is stale (as Kafka 4.3.1 answers).
            assertThat(commit(raw, group, memberId, epoch + 5, topic, 1)).isEqualTo(Errors.STALE_MEMBER_EPOCH);
            assertThat(commit(raw, group, memberId, epoch - 1, topic, 1)).isEqualTo(Errors.STALE_MEMBER_EPOCH);
            assertThat(Errors.forCode(heartbeat(raw, new ConsumerGroupHeartbeatRequestData().setGroupId(group)
                    .setMemberId(memberId).setMemberEpoch(epoch + 5)).errorCode())).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
            assertThat(Errors.forCode(heartbeat(raw, new ConsumerGroupHeartbeatRequestData().setGroupId(group)
                    .setMemberId(Uuid.randomUuid().toString()).setMemberEpoch(1)).errorCode()))
                    .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
            assertThat(Errors.forCode(heartbeat(raw, joining(group, topic).setServerAssignor("sticky")).errorCode()))
                    .isEqualTo(Errors.UNSUPPORTED_ASSIGNOR);
            assertThat(Errors.forCode(heartbeat(raw, joining(group, topic).setMemberId("")).errorCode()))
                    .isEqualTo(Errors.INVALID_REQUEST);
            assertThat(Errors.forCode(heartbeat(raw, joining(group, topic).setSubscribedTopicNames(null)).errorCode()))
                    .isEqualTo(Errors.INVALID_REQUEST);
            assertThat(describe(admin, group).members()).singleElement()
                    .satisfies(live -> assertThat(live.consumerId()).isEqualTo(memberId));

            // A heartbeat leaving in the member's name: the coordinator forgets it, as when its
            // session expires. The consumer learns at its next heartbeat (UNKNOWN_MEMBER_ID), gives
            // its partitions up as lost and joins again with the same member id.
            ConsumerGroupHeartbeatResponseData left = heartbeat(raw, new ConsumerGroupHeartbeatRequestData()
                    .setGroupId(group).setMemberId(memberId).setMemberEpoch(-1));
            assertThat(Errors.forCode(left.errorCode())).isEqualTo(Errors.NONE);
            assertThat(left.memberEpoch()).isEqualTo(-1);
            await().atMost(REBALANCE).untilAsserted(() -> {
                assertThat(member.failure).isNull();
                assertThat(member.lost).hasPositiveValue();
                assertThat(member.assignment).hasSize(2);
            });
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(describe(admin, group).members()).singleElement()
                    .satisfies(live -> assertThat(live.consumerId()).isEqualTo(memberId)));

            producePerPartition(producer, topic, 2, 3);
            await().atMost(REBALANCE).untilAsserted(() -> assertThat(processed).contains("0-2", "1-2"));
            assertThat(member.failure).isNull();
            assertThat(member.lost).hasValue(1);
        }
    }

    @Test
    void shouldTakeCommitsOfAConsumerThatAssignsItsOwnPartitions() throws Exception {
        // A consumer of the new protocol that assigns its own partitions commits outside group
        // management: taken while the group has no members, as Kafka.
        String topic = unique("kip848-assigned");
        String group = unique("kip848-assigned-group");
        try (Admin admin = admin()) {
            createTopic(admin, topic, 1);
            TopicPartition partition = new TopicPartition(topic, 0);
            KafkaConsumer<String, String> consumer = closeLater(consumer(consumerProperties(group, null)));
            consumer.assign(List.of(partition));
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(5)));
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(7)));
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                    .containsEntry(partition, new OffsetAndMetadata(7));
        }
        try (Admin admin = admin(); RawKafkaClient raw = connectRaw()) {
            // The same commit on the wire, naming a member the group never had: to a group that does
            // not exist yet, and to a consumer group whose only member has left.
            String fresh = unique("kip848-outside-group");
            assertThat(commitOutsideGroup(raw, fresh, topic, 11)).isEqualTo(Errors.NONE);
            String emptied = newGroup(admin, "kip848-emptied-group");
            ConsumerGroupHeartbeatRequestData join = joining(emptied, topic);
            assertThat(Errors.forCode(heartbeat(raw, join).errorCode())).isEqualTo(Errors.NONE);
            assertThat(Errors.forCode(heartbeat(raw, new ConsumerGroupHeartbeatRequestData().setGroupId(emptied)
                    .setMemberId(join.memberId()).setMemberEpoch(-1)).errorCode())).isEqualTo(Errors.NONE);
            assertThat(commitOutsideGroup(raw, emptied, topic, 12)).isEqualTo(Errors.NONE);
            TopicPartition partition = new TopicPartition(topic, 0);
            assertThat(admin.listConsumerGroupOffsets(fresh).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                    .containsEntry(partition, new OffsetAndMetadata(11));
            assertThat(admin.listConsumerGroupOffsets(emptied).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                    .containsEntry(partition, new OffsetAndMetadata(12));
        }
    }

    /** OffsetCommit v9 of partition 0 at epoch -1 in the name of a member id the client made up; the partition's error. */
    private static Errors commitOutsideGroup(RawKafkaClient raw, String group, String topic, long offset)
            throws Exception {
        return commit(raw, group, Uuid.randomUuid().toString(), -1, topic, offset);
    }

    /** OffsetCommit v9 of partition 0 in the name of {@code memberId} at {@code epoch}; the partition's error. */
    private static Errors commit(RawKafkaClient raw, String group, String memberId, int epoch, String topic, long offset)
            throws Exception {
        OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId(group)
                .setMemberId(memberId).setGenerationIdOrMemberEpoch(epoch)
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic)
                        .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                .setPartitionIndex(0).setCommittedOffset(offset)))));
        OffsetCommitResponseData response = raw.exchange(ApiKeys.OFFSET_COMMIT, (short) 9, request,
                new OffsetCommitResponseData());
        return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
    }

    /** A first heartbeat (epoch 0) of a new member subscribing to {@code topic}. */
    private static ConsumerGroupHeartbeatRequestData joining(String group, String topic) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(Uuid.randomUuid().toString())
                .setMemberEpoch(0).setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of(topic))
                .setTopicPartitions(List.of());
    }

    /** One ConsumerGroupHeartbeat v1 on a raw connection, and its answer. */
    private static ConsumerGroupHeartbeatResponseData heartbeat(RawKafkaClient raw,
                                                                ConsumerGroupHeartbeatRequestData request)
            throws Exception {
        return raw.exchange(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1, request,
                new ConsumerGroupHeartbeatResponseData());
    }
}
