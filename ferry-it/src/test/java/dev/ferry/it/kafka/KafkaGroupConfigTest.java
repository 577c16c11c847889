package dev.ferry.it.kafka;

import static dev.ferry.it.kafka.ConfigChanges.alter;
import static dev.ferry.it.kafka.ConfigChanges.assertRefused;
import static dev.ferry.it.kafka.ConfigChanges.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigType;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.ListConfigResourcesOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.junit.jupiter.api.Test;

/**
 * A group's configs (the GROUP config resource, resource type 32) through the real Admin client, as
 * Kafka 4.3.1 answers them: every config with its default for any group name, an override kept as
 * DYNAMIC_GROUP_CONFIG with the broker config behind the default as a synonym, values outside the
 * broker's bounds refused with Kafka's words. Passes against Ferry and, with
 * {@code -Dferry.it.kafka=HOST:PORT}, against Kafka 4.3.1.
 */
class KafkaGroupConfigTest extends KafkaTestBase {
    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("consumer.session.timeout.ms", "45000"), Map.entry("consumer.heartbeat.interval.ms", "5000"),
            Map.entry("consumer.assignment.interval.ms", "1000"), Map.entry("share.session.timeout.ms", "45000"),
            Map.entry("share.heartbeat.interval.ms", "5000"), Map.entry("share.record.lock.duration.ms", "30000"),
            Map.entry("share.delivery.count.limit", "5"), Map.entry("share.partition.max.record.locks", "2000"),
            Map.entry("share.auto.offset.reset", "latest"), Map.entry("share.isolation.level", "read_uncommitted"),
            Map.entry("share.renew.acknowledge.enable", "true"), Map.entry("share.assignment.interval.ms", "1000"),
            Map.entry("streams.session.timeout.ms", "45000"), Map.entry("streams.heartbeat.interval.ms", "5000"),
            Map.entry("streams.num.standby.replicas", "0"), Map.entry("streams.initial.rebalance.delay.ms", "3000"),
            Map.entry("streams.assignment.interval.ms", "1000"));

    @Test
    void shouldDescribeEveryGroupConfigAtItsDefaultForAGroupThatDoesNotExist() throws Exception {
        ConfigResource resource = group(unique("g-defaults"));
        try (Admin admin = admin()) {
            Config config = describe(admin, resource, true);
            Map<String, String> values = new TreeMap<>();
            config.entries().forEach(entry -> values.put(entry.name(), entry.value()));
            assertThat(values).isEqualTo(new TreeMap<>(DEFAULTS));
            for (ConfigEntry entry : config.entries()) {
                assertThat(entry.source()).as(entry.name()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
                assertThat(entry.isReadOnly()).as(entry.name()).isFalse();
                assertThat(entry.isSensitive()).as(entry.name()).isFalse();
                assertThat(entry.documentation()).as(entry.name()).isNotBlank();
                assertThat(entry.synonyms()).as(entry.name()).hasSize(1);
                assertThat(entry.synonyms().get(0).source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
                assertThat(entry.synonyms().get(0).value()).isEqualTo(entry.value());
            }
            assertThat(config.get("consumer.session.timeout.ms").synonyms().get(0).name())
                    .isEqualTo("group.consumer.session.timeout.ms");
            assertThat(config.get("share.auto.offset.reset").synonyms().get(0).name())
                    .isEqualTo("share.auto.offset.reset");
            assertThat(config.get("consumer.session.timeout.ms").type()).isEqualTo(ConfigType.INT);
            assertThat(config.get("share.isolation.level").type()).isEqualTo(ConfigType.STRING);
            assertThat(config.get("share.renew.acknowledge.enable").type()).isEqualTo(ConfigType.BOOLEAN);

            ConfigEntry undocumented = describe(admin, resource, false).get("consumer.heartbeat.interval.ms");
            assertThat(undocumented.documentation()).isNull();
        }
    }

    @Test
    void shouldKeepASetValueWithinTheBrokersBoundsAndForgetItOnDelete() throws Exception {
        ConfigResource resource = group(unique("g-set"));
        try (Admin admin = admin()) {
            alter(admin, resource, set("consumer.session.timeout.ms", " 50000 "),
                    set("consumer.heartbeat.interval.ms", "6000"), set("share.renew.acknowledge.enable", "FALSE"));

            Config config = describe(admin, resource, false);
            ConfigEntry session = config.get("consumer.session.timeout.ms");
            assertThat(session.value()).isEqualTo("50000");
            assertThat(session.source()).isEqualTo(ConfigSource.DYNAMIC_GROUP_CONFIG);
            assertThat(session.synonyms()).extracting(ConfigEntry.ConfigSynonym::name, ConfigEntry.ConfigSynonym::value,
                    ConfigEntry.ConfigSynonym::source).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("consumer.session.timeout.ms", "50000",
                            ConfigSource.DYNAMIC_GROUP_CONFIG),
                    org.assertj.core.groups.Tuple.tuple("group.consumer.session.timeout.ms", "45000",
                            ConfigSource.DEFAULT_CONFIG));
            assertThat(config.get("consumer.heartbeat.interval.ms").value()).isEqualTo("6000");
            assertThat(config.get("share.renew.acknowledge.enable").value()).isEqualTo("false");

            // Deleting one config, and one the group never had (a name Kafka does not know, even), is fine.
            alter(admin, resource, new AlterConfigOp(new ConfigEntry("consumer.session.timeout.ms", null), OpType.DELETE),
                    new AlterConfigOp(new ConfigEntry("no.such.config", null), OpType.DELETE));
            config = describe(admin, resource, false);
            assertThat(config.get("consumer.session.timeout.ms").value()).isEqualTo("45000");
            assertThat(config.get("consumer.session.timeout.ms").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
            assertThat(config.get("consumer.heartbeat.interval.ms").source()).isEqualTo(ConfigSource.DYNAMIC_GROUP_CONFIG);
        }
    }

    @Test
    void shouldRefuseValuesOutsideTheBrokersBoundsInKafkasWords() throws Exception {
        ConfigResource resource = group(unique("g-bounds"));
        try (Admin admin = admin()) {
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms",
                    set("consumer.session.timeout.ms", "10000"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms",
                    set("consumer.session.timeout.ms", "70000"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms",
                    set("consumer.heartbeat.interval.ms", "500"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms",
                    set("consumer.heartbeat.interval.ms", "50000"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "streams.num.standby.replicas must be less than or equal to group.streams.max.standby.replicas",
                    set("streams.num.standby.replicas", "3"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Invalid value 1 for configuration share.delivery.count.limit: Value must be at least 2",
                    set("share.delivery.count.limit", "1"));
            // One bad change refuses the others of the same request.
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms",
                    set("consumer.session.timeout.ms", "50000"), set("consumer.heartbeat.interval.ms", "1"));
            assertThat(describe(admin, resource, false).get("consumer.session.timeout.ms").value()).isEqualTo("45000");
        }
    }

    @Test
    void shouldRefuseUnknownNamesMalformedValuesAndListOperations() throws Exception {
        ConfigResource resource = group(unique("g-bad"));
        try (Admin admin = admin()) {
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Unknown group config name: no.such.config", set("no.such.config", "1"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Invalid value abc for configuration consumer.heartbeat.interval.ms: Not a number of type INT",
                    set("consumer.heartbeat.interval.ms", "abc"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Invalid value READ_COMMITTED for configuration share.isolation.level: String must be one of: "
                            + "read_committed, read_uncommitted", set("share.isolation.level", "READ_COMMITTED"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Invalid value yes for configuration share.renew.acknowledge.enable: Expected value to be either "
                            + "true or false", set("share.renew.acknowledge.enable", "yes"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Invalid value by_duration:-PT1H for configuration share.auto.offset.reset: Invalid value "
                            + "`by_duration:-PT1H` for configuration share.auto.offset.reset. The value must be either "
                            + "'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.",
                    set("share.auto.offset.reset", "by_duration:-PT1H"));
            assertRefused(admin, resource, InvalidConfigurationException.class,
                    "Can't APPEND to key consumer.heartbeat.interval.ms because its type is not LIST.",
                    new AlterConfigOp(new ConfigEntry("consumer.heartbeat.interval.ms", "7000"), OpType.APPEND));
            assertRefused(admin, group(""), InvalidRequestException.class, "Default group resources are not allowed.",
                    set("consumer.heartbeat.interval.ms", "8000"));

            alter(admin, resource, set("share.auto.offset.reset", "by_duration:PT1H"));
            assertThat(describe(admin, resource, false).get("share.auto.offset.reset").value())
                    .isEqualTo("by_duration:PT1H");

            Throwable empty = catchThrowableOfType(ExecutionException.class,
                    () -> describe(admin, group(""), false)).getCause();
            assertThat(empty).isInstanceOf(InvalidRequestException.class).hasMessage("Group name must not be empty");
        }
    }

    @Test
    void shouldCheckWithoutChangingAnythingWhenValidateOnly() throws Exception {
        ConfigResource resource = group(unique("g-validate"));
        try (Admin admin = admin()) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(set("consumer.heartbeat.interval.ms", "8000"))),
                    new AlterConfigsOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS);
            ConfigEntry heartbeat = describe(admin, resource, false).get("consumer.heartbeat.interval.ms");
            assertThat(heartbeat.value()).isEqualTo("5000");
            assertThat(heartbeat.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);

            Throwable refused = catchThrowableOfType(ExecutionException.class, () -> admin.incrementalAlterConfigs(
                    Map.of(resource, List.of(set("consumer.heartbeat.interval.ms", "1"))),
                    new AlterConfigsOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS)).getCause();
            assertThat(refused).isInstanceOf(InvalidConfigurationException.class);
        }
    }

    @Test
    void shouldKeepAGroupsConfigsWhenTheGroupIsDeleted() throws Exception {
        String groupId = unique("g-deleted");
        String topic = unique("t-deleted");
        ConfigResource resource = group(groupId);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            alter(admin, resource, set("consumer.session.timeout.ms", "55000"));
            admin.alterConsumerGroupOffsets(groupId, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0)))
                    .all().get(30, TimeUnit.SECONDS);
            admin.deleteConsumerGroups(List.of(groupId)).all().get(30, TimeUnit.SECONDS);

            ConfigEntry session = describe(admin, resource, false).get("consumer.session.timeout.ms");
            assertThat(session.value()).isEqualTo("55000");
            assertThat(session.source()).isEqualTo(ConfigSource.DYNAMIC_GROUP_CONFIG);
        }
    }

    @Test
    void shouldListTheGroupsThatHaveConfigsAndNotThoseThatHaveOnlyOffsets() throws Exception {
        String configured = unique("g-listed");
        String offsetsOnly = unique("g-unlisted");
        String topic = unique("t-listed");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            alter(admin, group(configured), set("consumer.heartbeat.interval.ms", "7000"));
            admin.alterConsumerGroupOffsets(offsetsOnly, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0)))
                    .all().get(30, TimeUnit.SECONDS);

            List<String> groups = admin.listConfigResources(java.util.Set.of(ConfigResource.Type.GROUP),
                    new ListConfigResourcesOptions()).all().get(30, TimeUnit.SECONDS).stream()
                    .map(ConfigResource::name).toList();
            assertThat(groups).contains(configured).doesNotContain(offsetsOnly);

            String nodeId = Integer.toString(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next()
                    .id());
            assertThat(admin.listConfigResources(java.util.Set.of(ConfigResource.Type.BROKER,
                    ConfigResource.Type.BROKER_LOGGER), new ListConfigResourcesOptions()).all().get(30, TimeUnit.SECONDS))
                    .containsExactly(new ConfigResource(ConfigResource.Type.BROKER_LOGGER, nodeId),
                            new ConfigResource(ConfigResource.Type.BROKER, nodeId));
            assertThat(admin.listConfigResources(java.util.Set.of(), new ListConfigResourcesOptions()).all()
                    .get(30, TimeUnit.SECONDS)).contains(new ConfigResource(ConfigResource.Type.GROUP, configured),
                    new ConfigResource(ConfigResource.Type.TOPIC, topic));

            // Once its last override goes, the group is no longer a config resource.
            alter(admin, group(configured), new AlterConfigOp(new ConfigEntry("consumer.heartbeat.interval.ms", null),
                    OpType.DELETE));
            assertThat(admin.listConfigResources(java.util.Set.of(ConfigResource.Type.GROUP),
                    new ListConfigResourcesOptions()).all().get(30, TimeUnit.SECONDS))
                    .doesNotContain(group(configured));

            Throwable unknownType = catchThrowableOfType(ExecutionException.class, () -> admin.listConfigResources(
                    java.util.Set.of(ConfigResource.Type.UNKNOWN), new ListConfigResourcesOptions()).all()
                    .get(30, TimeUnit.SECONDS)).getCause();
            assertThat(unknownType).isInstanceOf(org.apache.kafka.common.errors.UnsupportedVersionException.class);
        }
    }

    static ConfigResource group(String name) {
        return new ConfigResource(ConfigResource.Type.GROUP, name);
    }

    static Config describe(Admin admin, ConfigResource resource, boolean documentation) throws Exception {
        return admin.describeConfigs(List.of(resource),
                new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(documentation))
                .all().get(30, TimeUnit.SECONDS).get(resource);
    }
}
