package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka ACLs over SASL_PLAINTEXT with kafka-clients' Admin: an administrator (the {@code administrator}
 * tag makes a Kafka super user) creates, lists and deletes ACLs; a user allowed WRITE on a topic
 * produces while one without gets TopicAuthorizationException; a consumer without READ on its group
 * gets GroupAuthorizationException; the ACLs survive SIGKILL.
 */
class KafkaAclTest {
    private static final String PASSWORD = "s3cret-pass";
    private static Path data;
    private static Path definitions;
    private static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Path work = Files.createTempDirectory("ferry-kafka-acl");
        data = work.resolve("data");
        definitions = work.resolve("definitions.json");
        Files.writeString(definitions, """
                {"users": [
                  {"name": "admin", "password": "%1$s", "tags": "administrator"},
                  {"name": "alice", "password": "%1$s", "tags": ""},
                  {"name": "bob", "password": "%1$s", "tags": ""}
                ]}""".formatted(PASSWORD));
        broker = start();
    }

    private static BrokerProcess start() throws Exception {
        return BrokerProcess.start(data, "--kafka-security-protocol", "SASL_PLAINTEXT", "--definitions",
                definitions.toString());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.terminate();
        }
    }

    private static Map<String, Object> login(String user) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort());
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        settings.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        settings.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256");
        settings.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"" + user + "\" password=\"" + PASSWORD + "\";");
        return settings;
    }

    private static Admin admin(String user) {
        Properties properties = new Properties();
        properties.putAll(login(user));
        return Admin.create(properties);
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, String user,
                                    AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    private static void produce(String user, String topic, String value) throws Exception {
        Map<String, Object> settings = login(user);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> consume(String user, String group, String topic, int count) {
        Map<String, Object> settings = login(user);
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= count;
            });
            consumer.commitSync();
        }
        return values;
    }

    /** The exception and its causes. */
    private static List<Throwable> chain(Throwable thrown) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = thrown; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    @Test
    void shouldEnforceAclsCreatedByAnAdministratorAndKeepThemAcrossSigkill() throws Exception {
        String topic = "acl-orders";
        try (Admin admin = admin("admin")) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(List.of(
                    allow(ResourceType.TOPIC, topic, PatternType.LITERAL, "alice", AclOperation.WRITE),
                    allow(ResourceType.TOPIC, "acl-", PatternType.PREFIXED, "alice", AclOperation.READ)))
                    .all().get(30, TimeUnit.SECONDS);
            Collection<AclBinding> described = admin.describeAcls(new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter("User:alice", null, AclOperation.ANY, AclPermissionType.ANY)))
                    .values().get(30, TimeUnit.SECONDS);
            assertThat(described).containsExactlyInAnyOrder(
                    allow(ResourceType.TOPIC, topic, PatternType.LITERAL, "alice", AclOperation.WRITE),
                    allow(ResourceType.TOPIC, "acl-", PatternType.PREFIXED, "alice", AclOperation.READ));
        }

        produce("alice", topic, "from alice");
        assertThatThrownBy(() -> produce("bob", topic, "from bob"))
                .satisfies(e -> assertThat(chain(e)).hasAtLeastOneElementOfType(TopicAuthorizationException.class));
        // DescribeProducers needs READ: bob may see the topic (DESCRIBE, so the leader lookup passes) but not read it.
        try (Admin admin = admin("admin")) {
            admin.createAcls(List.of(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, "bob", AclOperation.DESCRIBE)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        org.apache.kafka.common.TopicPartition partition = new org.apache.kafka.common.TopicPartition(topic, 0);
        try (Admin bob = admin("bob")) {
            assertThatThrownBy(() -> bob.describeProducers(List.of(partition)).partitionResult(partition)
                    .get(30, TimeUnit.SECONDS))
                    .satisfies(e -> assertThat(chain(e)).hasAtLeastOneElementOfType(TopicAuthorizationException.class));
        }
        try (Admin alice = admin("alice")) {
            assertThat(alice.describeProducers(List.of(partition)).partitionResult(partition).get(30, TimeUnit.SECONDS)
                    .activeProducers()).isNotNull();
        }
        try (Admin admin = admin("admin")) {
            admin.deleteAcls(List.of(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, "bob", AclOperation.DESCRIBE)
                    .toFilter())).all().get(30, TimeUnit.SECONDS);
        }
        // No READ on the group yet: the consumer is refused at its first group request.
        assertThatThrownBy(() -> consume("alice", "acl-group", topic, 1))
                .satisfies(e -> assertThat(chain(e)).hasAtLeastOneElementOfType(GroupAuthorizationException.class));

        try (Admin admin = admin("admin")) {
            admin.createAcls(List.of(allow(ResourceType.GROUP, "acl-group", PatternType.LITERAL, "alice",
                    AclOperation.READ))).all().get(30, TimeUnit.SECONDS);
        }
        assertThat(consume("alice", "acl-group", topic, 1)).containsExactly("from alice");

        broker.kill();
        broker = start();

        try (Admin admin = admin("admin")) {
            assertThat(admin.describeAcls(new AclBindingFilter(new ResourcePatternFilter(ResourceType.GROUP, null,
                    PatternType.ANY), AccessControlEntryFilter.ANY)).values().get(30, TimeUnit.SECONDS))
                    .containsExactly(allow(ResourceType.GROUP, "acl-group", PatternType.LITERAL, "alice",
                            AclOperation.READ));
        }
        assertThatThrownBy(() -> produce("bob", topic, "from bob"))
                .satisfies(e -> assertThat(chain(e)).hasAtLeastOneElementOfType(TopicAuthorizationException.class));
        produce("alice", topic, "after restart");

        try (Admin admin = admin("admin")) {
            // MATCH: every binding that applies to topic acl-orders, the prefixed one included.
            Collection<AclBinding> deleted = admin.deleteAcls(List.of(new AclBindingFilter(
                    new ResourcePatternFilter(ResourceType.TOPIC, topic, PatternType.MATCH),
                    new AccessControlEntryFilter("User:alice", null, AclOperation.READ, AclPermissionType.ANY))))
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(deleted).containsExactly(allow(ResourceType.TOPIC, "acl-", PatternType.PREFIXED, "alice",
                    AclOperation.READ));
        }
        assertThatThrownBy(() -> consume("alice", "acl-group", topic, 2))
                .satisfies(e -> assertThat(chain(e)).hasAtLeastOneElementOfType(TopicAuthorizationException.class));
    }

    @Test
    void shouldRequireWriteOnTheTransactionalIdForTransactions() throws Exception {
        String topic = "acl-txn-" + System.nanoTime();
        String transactionalId = "acl-txn-id-" + System.nanoTime();
        try (Admin admin = admin("admin")) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(List.of(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, "alice", AclOperation.WRITE)))
                    .all().get(30, TimeUnit.SECONDS);

            // WRITE on the topic is not enough for a transactional producer: it needs its id too.
            assertThatThrownBy(() -> produceInTransaction("alice", transactionalId, topic, "refused"))
                    .isInstanceOf(TransactionalIdAuthorizationException.class);
            admin.createAcls(List.of(allow(ResourceType.TRANSACTIONAL_ID, transactionalId, PatternType.LITERAL, "alice",
                    AclOperation.WRITE))).all().get(30, TimeUnit.SECONDS);
            produceInTransaction("alice", transactionalId, topic, "committed");

            // Describing a transaction needs DESCRIBE on its id (WRITE brings it): bob has neither.
            try (Admin alice = admin("alice"); Admin bob = admin("bob")) {
                assertThat(alice.describeTransactions(List.of(transactionalId)).all().get(30, TimeUnit.SECONDS)
                        .get(transactionalId).state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
                assertThatThrownBy(() -> bob.describeTransactions(List.of(transactionalId)).all().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(TransactionalIdAuthorizationException.class);
                assertThat(bob.listTransactions().all().get(30, TimeUnit.SECONDS))
                        .noneMatch(listing -> listing.transactionalId().equals(transactionalId));
                assertThat(alice.listTransactions().all().get(30, TimeUnit.SECONDS))
                        .anyMatch(listing -> listing.transactionalId().equals(transactionalId));
            }
        }
    }

    private static void produceInTransaction(String user, String transactionalId, String topic, String value) {
        Map<String, Object> settings = login(user);
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings, new StringSerializer(),
                new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", value));
            producer.commitTransaction();
        }
    }

    @Test
    void shouldRefuseAclChangesAndListingsToUsersWithoutClusterRights() throws Exception {
        try (Admin admin = admin("admin")) {
            // Once any binding exists, what no ALLOW covers is refused (before that, everything is allowed).
            admin.createAcls(List.of(allow(ResourceType.TOPIC, "carol-", PatternType.PREFIXED, "carol",
                    AclOperation.DESCRIBE))).all().get(30, TimeUnit.SECONDS);
        }
        try (Admin bob = admin("bob")) {
            assertThatThrownBy(() -> bob.createAcls(List.of(allow(ResourceType.TOPIC, "t", PatternType.LITERAL,
                    "bob", AclOperation.ALL))).all().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> bob.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> bob.deleteAcls(List.of(AclBindingFilter.ANY)).all().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ClusterAuthorizationException.class);
        }
        try (Admin admin = admin("admin")) {
            // Kafka refuses a principal it cannot parse, and a CLUSTER resource with another name.
            assertThatThrownBy(() -> admin.createAcls(List.of(new AclBinding(
                    new ResourcePattern(ResourceType.CLUSTER, "other", PatternType.LITERAL),
                    new AccessControlEntry("User:bob", "*", AclOperation.ALTER, AclPermissionType.ALLOW))))
                    .all().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidRequestException.class);
        }
    }
}
