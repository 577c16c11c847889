package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.embedded.Ferry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka transactions through kafka-clients against an embedded broker: what {@code read_committed}
 * and {@code read_uncommitted} consumers see of committed, aborted and open transactions, fencing
 * of an earlier producer with the same {@code transactional.id}, offsets sent to a transaction
 * (read-process-write), the transaction timeout, and the admin client's Describe/ListTransactions.
 * The broker checks transaction timeouts every 200 ms (Kafka: every 10 s) so the timeout test is short.
 * With {@code -Dferry.it.kafka=HOST:PORT} the tests run against that broker instead (a real Kafka to
 * compare with).
 */
class KafkaTransactionsTest {
    private static Ferry broker;
    private static String bootstrap;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        String external = System.getProperty("ferry.it.kafka");
        if (external != null && !external.isBlank()) {
            bootstrap = external;
        } else {
            broker = Ferry.builder().settings(settings -> settings.transactionAbortCheckIntervalMs = 200).start();
            bootstrap = broker.kafkaBootstrapServers();
        }
        admin = Admin.create(KafkaTestBase.clientProperties(bootstrap, Map.of()));
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldShowCommittedAndHideAbortedRecordsFromReadCommittedConsumers() throws Exception {
        String topic = createTopic(2);
        try (KafkaProducer<String, String> producer = transactionalProducer(KafkaTestBase.unique("tx"), Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "aborted-0"));
            producer.send(new ProducerRecord<>(topic, 1, "k", "aborted-1"));
            producer.flush(); // else the client drops the unsent records when it aborts
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "committed-0"));
            producer.send(new ProducerRecord<>(topic, 1, "k", "committed-1"));
            producer.commitTransaction();
        }
        assertThat(readAll(topic, 2, "read_committed", 2)).containsExactlyInAnyOrder("committed-0", "committed-1");
        assertThat(readAll(topic, 2, "read_uncommitted", 4)).containsExactlyInAnyOrder("aborted-0", "aborted-1",
                "committed-0", "committed-1");
    }

    @Test
    void shouldHoldTheLastStableOffsetAtTheFirstRecordOfAnOpenTransaction() throws Exception {
        String topic = createTopic(1);
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> plain = new KafkaProducer<>(producerProperties(Map.of()));
             KafkaProducer<String, String> producer = transactionalProducer(KafkaTestBase.unique("tx"), Map.of())) {
            plain.send(new ProducerRecord<>(topic, 0, "k", "before")).get(30, TimeUnit.SECONDS);
            producer.initTransactions();
            producer.beginTransaction();
            long first = producer.send(new ProducerRecord<>(topic, 0, "k", "open")).get(30, TimeUnit.SECONDS).offset();
            plain.send(new ProducerRecord<>(topic, 0, "k", "after")).get(30, TimeUnit.SECONDS);

            assertThat(endOffset(partition, "read_committed")).isEqualTo(first);
            assertThat(endOffset(partition, "read_uncommitted")).isEqualTo(first + 2);
            assertThat(readAll(topic, 1, "read_committed", 1)).containsExactly("before");

            producer.commitTransaction();
        }
        // The marker follows "after": the last stable offset is the high watermark again.
        assertThat(endOffset(partition, "read_committed")).isEqualTo(endOffset(partition, "read_uncommitted"));
        assertThat(readAll(topic, 1, "read_committed", 3)).containsExactly("before", "open", "after");
    }

    @Test
    void shouldFenceTheEarlierProducerOfATransactionalId() throws Exception {
        String topic = createTopic(1);
        String transactionalId = KafkaTestBase.unique("tx");
        try (KafkaProducer<String, String> zombie = transactionalProducer(transactionalId, Map.of())) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(topic, 0, "k", "zombie")).get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> successor = transactionalProducer(transactionalId, Map.of())) {
                // Aborts the zombie's open transaction, under a newer epoch.
                successor.initTransactions();
                assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);
                successor.beginTransaction();
                successor.send(new ProducerRecord<>(topic, 0, "k", "successor"));
                successor.commitTransaction();
            }
        }
        assertThat(readAll(topic, 1, "read_committed", 1)).containsExactly("successor");
        assertThat(readAll(topic, 1, "read_uncommitted", 2)).containsExactly("zombie", "successor");
    }

    @Test
    void shouldCommitConsumedOffsetsOnlyWithTheTransaction() throws Exception {
        String input = createTopic(1);
        String output = createTopic(1);
        String group = KafkaTestBase.unique("copier");
        TopicPartition inputPartition = new TopicPartition(input, 0);
        try (KafkaProducer<String, String> plain = new KafkaProducer<>(producerProperties(Map.of()))) {
            for (int i = 0; i < 10; i++) {
                plain.send(new ProducerRecord<>(input, 0, "k", "in-" + i));
            }
            plain.flush();
        }
        try (KafkaProducer<String, String> producer = transactionalProducer(KafkaTestBase.unique("tx"), Map.of());
             KafkaConsumer<String, String> consumer = consumer("read_committed", group)) {
            producer.initTransactions();
            consumer.subscribe(List.of(input));
            List<ConsumerRecord<String, String>> batch = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(batch::add);
                return batch.size() == 10;
            });
            Map<TopicPartition, OffsetAndMetadata> consumed = Map.of(inputPartition, new OffsetAndMetadata(10));

            // Aborted: neither the copies nor the offsets count.
            producer.beginTransaction();
            batch.forEach(record -> producer.send(new ProducerRecord<>(output, 0, record.key(), "out-aborted")));
            producer.sendOffsetsToTransaction(consumed, consumer.groupMetadata());
            producer.abortTransaction();
            assertThat(consumer.committed(Set.of(inputPartition), Duration.ofSeconds(10))).containsEntry(inputPartition,
                    null);

            producer.beginTransaction();
            batch.forEach(record -> producer.send(new ProducerRecord<>(output, 0, record.key(),
                    record.value().replace("in-", "out-"))));
            producer.sendOffsetsToTransaction(consumed, consumer.groupMetadata());
            producer.flush();
            // Held by the open transaction: a read_committed consumer asks for stable offsets and is told to wait.
            assertThatThrownBy(() -> consumer.committed(Set.of(inputPartition), Duration.ofSeconds(1)))
                    .isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
            producer.commitTransaction();
            assertThat(consumer.committed(Set.of(inputPartition), Duration.ofSeconds(10)).get(inputPartition).offset())
                    .isEqualTo(10);
        }
        List<String> copies = readAll(output, 1, "read_committed", 10);
        assertThat(copies).hasSize(10).allMatch(value -> value.startsWith("out-") && !value.contains("aborted"));
    }

    @Test
    void shouldRefuseOffsetsSentWithGroupMetadataTheGroupNoLongerHas() throws Exception {
        // KIP-447: the consumer's generation and member id travel with the offsets, and a producer
        // whose consumer is no longer that member of that generation (a zombie) cannot commit them.
        String input = createTopic(1);
        String group = KafkaTestBase.unique("fenced");
        TopicPartition partition = new TopicPartition(input, 0);
        Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(partition, new OffsetAndMetadata(3));
        try (KafkaConsumer<String, String> consumer = consumer("read_committed", group)) {
            ConsumerGroupMetadata member = joined(consumer, input);
            List<ConsumerGroupMetadata> zombies = List.of(
                    new ConsumerGroupMetadata(group, member.generationId() + 1, member.memberId(), Optional.empty()),
                    new ConsumerGroupMetadata(group, member.generationId(), "gone-" + member.memberId(), Optional.empty()),
                    new ConsumerGroupMetadata(KafkaTestBase.unique("no-such-group"), 1, "m", Optional.empty()));
            for (ConsumerGroupMetadata zombie : zombies) {
                assertRefusedInATransaction(offsets, zombie);
            }
            assertThat(consumer.committed(Set.of(partition), Duration.ofSeconds(10))).containsEntry(partition, null);

            commitInATransaction(offsets, member);
            assertThat(consumer.committed(Set.of(partition), Duration.ofSeconds(10)).get(partition).offset())
                    .isEqualTo(3);
        }
    }

    @Test
    void shouldTakeOffsetsSentWithAConsumerProtocolMembersEpochOnly() throws Exception {
        // A consumer of the new protocol (KIP-848) sends its member epoch as the generation: the
        // live epoch commits; an older or newer one is answered ILLEGAL_GENERATION (Kafka 4.3.1
        // turns the group's STALE_MEMBER_EPOCH into it), which the producer reports as CommitFailedException.
        String input = createTopic(1);
        String group = KafkaTestBase.unique("kip848-tx");
        TopicPartition partition = new TopicPartition(input, 0);
        Map<String, Object> settings = new HashMap<>(Map.of(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(KafkaTestBase.clientProperties(bootstrap,
                settings))) {
            ConsumerGroupMetadata member = joined(consumer, input);
            assertThat(member.generationId()).isPositive();
            commitInATransaction(Map.of(partition, new OffsetAndMetadata(4)), member);
            assertThat(consumer.committed(Set.of(partition), Duration.ofSeconds(10)).get(partition).offset())
                    .isEqualTo(4);

            for (int epoch : new int[] {member.generationId() - 1, member.generationId() + 1}) {
                assertRefusedInATransaction(Map.of(partition, new OffsetAndMetadata(9)),
                        new ConsumerGroupMetadata(group, epoch, member.memberId(), Optional.empty()));
            }
            assertThat(consumer.committed(Set.of(partition), Duration.ofSeconds(10)).get(partition).offset())
                    .isEqualTo(4);
        }
    }

    /** Subscribes {@code consumer} to {@code topic} and polls until it has partitions; its group metadata then. */
    private static ConsumerGroupMetadata joined(KafkaConsumer<String, String> consumer, String topic) {
        consumer.subscribe(List.of(topic));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            consumer.poll(Duration.ofMillis(100));
            return !consumer.assignment().isEmpty();
        });
        return consumer.groupMetadata();
    }

    /** {@code offsets} sent to a transaction of a new producer with {@code metadata}, and committed. */
    private static void commitInATransaction(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             ConsumerGroupMetadata metadata) {
        try (KafkaProducer<String, String> producer = transactionalProducer(KafkaTestBase.unique("tx"), Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(offsets, metadata);
            producer.commitTransaction();
        }
    }

    /** {@code offsets} sent with {@code metadata} the group does not have: refused (CommitFailedException), then aborted. */
    private static void assertRefusedInATransaction(Map<TopicPartition, OffsetAndMetadata> offsets,
                                                    ConsumerGroupMetadata metadata) {
        try (KafkaProducer<String, String> producer = transactionalProducer(KafkaTestBase.unique("tx"), Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            assertThatThrownBy(() -> producer.sendOffsetsToTransaction(offsets, metadata)).as(metadata.toString())
                    .isInstanceOf(CommitFailedException.class).hasMessageContaining("group metadata mismatch");
            producer.abortTransaction();
        }
    }

    @Test
    void shouldNotHoldOffsetsForATopicThatDoesNotExist() throws Exception {
        // As Kafka: TxnOffsetCommit answers UNKNOWN_TOPIC_OR_PARTITION, which the producer retries until
        // max.block.ms; the transaction can only be aborted, and the group keeps no offset.
        String output = createTopic(1);
        String group = KafkaTestBase.unique("nowhere");
        KafkaProducer<String, String> producer = transactionalProducer(KafkaTestBase.unique("tx"),
                Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 3_000));
        try {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(output, 0, "k", "v")).get(30, TimeUnit.SECONDS);

            assertThatThrownBy(() -> producer.sendOffsetsToTransaction(Map.of(new TopicPartition(
                    KafkaTestBase.unique("missing"), 0), new OffsetAndMetadata(5)),
                    new org.apache.kafka.clients.consumer.ConsumerGroupMetadata(group)))
                    .isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        } finally {
            // Its sender would retry the refused offsets until the transaction times out: close at once.
            producer.close(Duration.ZERO);
        }
        assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                .isEmpty();
    }

    @Test
    void shouldAbortATransactionOpenLongerThanItsTimeout() throws Exception {
        String topic = createTopic(1);
        TopicPartition partition = new TopicPartition(topic, 0);
        String transactionalId = KafkaTestBase.unique("tx");
        try (KafkaProducer<String, String> producer = transactionalProducer(transactionalId,
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1_000))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "abandoned")).get(30, TimeUnit.SECONDS);
            assertThat(endOffset(partition, "read_committed")).isZero();
            // The coordinator aborts it: the abort marker makes the last stable offset the high watermark.
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> endOffset(partition, "read_committed") == 2);
            TransactionDescription description = admin.describeTransactions(List.of(transactionalId))
                    .description(transactionalId).get(30, TimeUnit.SECONDS);
            assertThat(description.state().toString()).isEqualTo("CompleteAbort");
            assertThatThrownBy(producer::commitTransaction).isInstanceOf(KafkaException.class);
        }
        assertThat(readAll(topic, 1, "read_uncommitted", 1)).containsExactly("abandoned");
        assertThat(readAll(topic, 1, "read_committed", 0)).isEmpty();
    }

    @Test
    void shouldDescribeAndListTransactions() throws Exception {
        String topic = createTopic(2);
        String transactionalId = KafkaTestBase.unique("tx");
        try (KafkaProducer<String, String> producer = transactionalProducer(transactionalId, Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 1, "k", "v")).get(30, TimeUnit.SECONDS);

            TransactionDescription open = admin.describeTransactions(List.of(transactionalId))
                    .description(transactionalId).get(30, TimeUnit.SECONDS);
            assertThat(open.state().toString()).isEqualTo("Ongoing");
            assertThat(open.topicPartitions()).containsExactly(new TopicPartition(topic, 1));
            assertThat(open.transactionTimeoutMs()).isEqualTo(60_000);
            assertThat(open.transactionStartTimeMs()).isNotEmpty();
            List<String> ongoing = admin.listTransactions().all().get(30, TimeUnit.SECONDS).stream()
                    .filter(listing -> listing.state().toString().equals("Ongoing"))
                    .map(TransactionListing::transactionalId).toList();
            assertThat(ongoing).contains(transactionalId);

            producer.commitTransaction();
            // Ferry answers the commit once it is complete; Kafka may still be writing its markers.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTransactions(
                    List.of(transactionalId)).description(transactionalId).get(30, TimeUnit.SECONDS).state()
                    .toString().equals("CompleteCommit"));
            TransactionDescription committed = admin.describeTransactions(List.of(transactionalId))
                    .description(transactionalId).get(30, TimeUnit.SECONDS);
            assertThat(committed.topicPartitions()).isEmpty();
            assertThat(committed.producerId()).isEqualTo(open.producerId());
        }
    }

    @Test
    void shouldDescribeTheProducersOfAPartitionWithTheirOpenTransactions() throws Exception {
        String topic = createTopic(2);
        TopicPartition partition = new TopicPartition(topic, 1);
        String transactionalId = KafkaTestBase.unique("tx");
        Map<String, Object> idempotent = Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, String> plain = new KafkaProducer<>(producerProperties(idempotent));
             KafkaProducer<String, String> producer = transactionalProducer(transactionalId, Map.of())) {
            for (int i = 0; i < 3; i++) {
                plain.send(new ProducerRecord<>(topic, 1, "k", "v" + i)).get(30, TimeUnit.SECONDS);
            }
            producer.initTransactions();
            producer.beginTransaction();
            long first = producer.send(new ProducerRecord<>(topic, 1, "k", "t")).get(30, TimeUnit.SECONDS).offset();

            List<ProducerState> open = admin.describeProducers(List.of(partition)).partitionResult(partition)
                    .get(30, TimeUnit.SECONDS).activeProducers();
            assertThat(open).hasSize(2);
            ProducerState transactional = open.stream().filter(state -> state.currentTransactionStartOffset().isPresent())
                    .findFirst().orElseThrow();
            assertThat(transactional.currentTransactionStartOffset()).hasValue(first);
            assertThat(transactional.lastSequence()).isZero();
            ProducerState idempotentState = open.stream().filter(state -> state != transactional).findFirst().orElseThrow();
            assertThat(idempotentState.lastSequence()).isEqualTo(2);
            assertThat(idempotentState.currentTransactionStartOffset()).isEmpty();
            assertThat(idempotentState.lastTimestamp()).isPositive();

            producer.commitTransaction();
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ProducerState committed = admin.describeProducers(List.of(partition)).partitionResult(partition)
                        .get(30, TimeUnit.SECONDS).activeProducers().stream()
                        .filter(state -> state.producerId() == transactional.producerId()).findFirst().orElseThrow();
                assertThat(committed.currentTransactionStartOffset()).isEmpty();
                assertThat(committed.coordinatorEpoch()).isPresent();
                assertThat(committed.coordinatorEpoch().getAsInt()).isNotNegative();
            });
        }
        assertThat(admin.describeProducers(List.of(new TopicPartition(topic, 0))).partitionResult(
                new TopicPartition(topic, 0)).get(30, TimeUnit.SECONDS).activeProducers()).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private static String createTopic(int partitions) throws Exception {
        String topic = KafkaTestBase.unique("txn");
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        return topic;
    }

    private static Properties producerProperties(Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(Map.of(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all"));
        settings.putAll(extra);
        return KafkaTestBase.clientProperties(bootstrap, settings);
    }

    private static KafkaProducer<String, String> transactionalProducer(String transactionalId, Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(extra);
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        settings.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(producerProperties(settings));
    }

    private static KafkaConsumer<String, String> consumer(String isolation, String group) {
        Map<String, Object> settings = new HashMap<>(Map.of(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        if (group != null) {
            settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(KafkaTestBase.clientProperties(bootstrap, settings));
    }

    private static long endOffset(TopicPartition partition, String isolation) {
        try (KafkaConsumer<String, String> consumer = consumer(isolation, null)) {
            return consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
        }
    }

    /**
     * Every value a consumer at {@code isolation} reads from the whole topic, once it has reached the
     * end it sees; at least {@code expected} values are waited for, and reading goes on a little after
     * that so that records that should not be there would show.
     */
    private static List<String> readAll(String topic, int partitions, String isolation, int expected) {
        List<TopicPartition> assigned = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            assigned.add(new TopicPartition(topic, i));
        }
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(isolation, null)) {
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofSeconds(30));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(record -> values.add(record.value()));
                return values.size() >= expected
                        && assigned.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
            });
        }
        return values;
    }
}
