package dev.ferry.kafka.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.ferry.group.GroupConfig;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.kafka.wire.ResponseWriter;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin handlers' answers to what AdminClient never sends but other clients may. */
class AdminHandlersTest {
    private static final byte TOPIC = 2;
    private static final byte BROKER = 4;
    private static final byte SET = 0;
    private static final byte DELETE = 1;
    private static final byte APPEND = 2;
    private static final byte SUBTRACT = 3;

    @TempDir
    Path dataDir;
    private TopicRegistry topics;
    private LocalNode node;
    private GroupCoordinator groups;
    private final ScheduledExecutorService eventLoop = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void openTopics() throws Exception {
        topics = TopicRegistry.open(dataDir);
        node = new LocalNode(topics.identity().nodeId(), topics.identity().clusterId(), "127.0.0.1");
        groups = GroupCoordinator.inMemory(GroupConfig.defaults(), System::currentTimeMillis);
        topics.create("t", 1, Map.of()).get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        eventLoop.shutdownNow();
        groups.close();
        topics.close();
    }

    @Test
    void shouldAppendToAndSubtractFromListConfigsOnly() throws Exception {
        assertThat(alter(List.of(config("leader.replication.throttled.replicas", APPEND, "0:1")))).isEqualTo(Errors.NONE);
        assertThat(alter(List.of(config("leader.replication.throttled.replicas", APPEND, "1:1,0:1")))).isEqualTo(Errors.NONE);
        assertThat(topic().config().value("leader.replication.throttled.replicas")).isEqualTo("0:1,1:1");

        assertThat(alter(List.of(config("leader.replication.throttled.replicas", SUBTRACT, "0:1")))).isEqualTo(Errors.NONE);
        assertThat(topic().config().value("leader.replication.throttled.replicas")).isEqualTo("1:1");

        assertThat(alter(List.of(config("segment.ms", APPEND, "1")))).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(alter(List.of(config("segment.ms", SUBTRACT, "1")))).isEqualTo(Errors.INVALID_CONFIG);
    }

    @Test
    void shouldApplyAResourcesChangesTogetherOrNotAtAll() throws Exception {
        assertThat(alter(List.of(config("retention.ms", SET, "1000"), config("segment.ms", SET, "-5"))))
                .isEqualTo(Errors.INVALID_CONFIG);
        assertThat(topic().config().overrides()).isEmpty();

        assertThat(alter(List.of(config("retention.ms", SET, "1000"), config("retention.ms", DELETE, null))))
                .isEqualTo(Errors.INVALID_REQUEST);
        assertThat(alter(List.of(config("retention.ms", SET, null)))).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(topic().config().overrides()).isEmpty();
    }

    @Test
    void shouldCheckButNotChangeWhenValidateOnly() throws Exception {
        IncrementalAlterConfigsResponseData response = (IncrementalAlterConfigsResponseData) handle(
                new IncrementalAlterConfigsHandler(node, topics), new IncrementalAlterConfigsRequestData()
                        .setValidateOnly(true).setResources(resources(TOPIC, "t", List.of(config("retention.ms", SET, "1000")))));

        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(topic().config().overrides()).isEmpty();
    }

    @Test
    void shouldRefuseChangesToTheBrokersConfigs() throws Exception {
        IncrementalAlterConfigsResponseData response = (IncrementalAlterConfigsResponseData) handle(
                new IncrementalAlterConfigsHandler(node, topics), new IncrementalAlterConfigsRequestData()
                        .setResources(resources(BROKER, "", List.of(config("num.partitions", SET, "3")))));

        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
    }

    @Test
    void shouldTakeADeleteOfTheReplicationThrottlesOnTheBrokerAsDoneAndRefuseTheRest() throws Exception {
        String self = Integer.toString(node.nodeId());
        List<AlterableConfig> throttles = List.of(config("leader.replication.throttled.rate", DELETE, null),
                config("follower.replication.throttled.rate", DELETE, null),
                config("replica.alter.log.dirs.io.max.bytes.per.second", DELETE, null));

        assertThat(alterBroker(self, throttles)).isEqualTo(Errors.NONE);
        assertThat(alterBroker("", throttles.subList(0, 1))).isEqualTo(Errors.NONE);
        // Setting one is still a change to the broker's fixed configs, as is deleting anything else with them.
        assertThat(alterBroker(self, List.of(config("leader.replication.throttled.rate", SET, "1000"))))
                .isEqualTo(Errors.INVALID_CONFIG);
        assertThat(alterBroker(self, List.of(config("leader.replication.throttled.rate", DELETE, null),
                config("num.partitions", DELETE, null)))).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(alterBroker(self, List.of())).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(alterBroker(Integer.toString(node.nodeId() + 1), throttles)).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void shouldRefuseAnEmptyReplicaListAndAnUnknownElectionTypeAsKafkaDoes() throws Exception {
        AlterPartitionReassignmentsResponseData moved = (AlterPartitionReassignmentsResponseData) handle(
                new AlterPartitionReassignmentsHandler(topics, node), new AlterPartitionReassignmentsRequestData()
                        .setTopics(List.of(new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName("t")
                                .setPartitions(List.of(new AlterPartitionReassignmentsRequestData.ReassignablePartition()
                                        .setPartitionIndex(0).setReplicas(List.of()))))));
        assertThat(moved.responses().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(moved.responses().get(0).partitions().get(0).errorMessage())
                .isEqualTo("The manual partition assignment includes an empty replica list.");

        ElectLeadersResponseData elected = (ElectLeadersResponseData) handle(new ElectLeadersHandler(topics),
                new ElectLeadersRequestData().setElectionType((byte) 5).setTopicPartitions(
                        new ElectLeadersRequestData.TopicPartitionsCollection(List.of(new ElectLeadersRequestData
                                .TopicPartitions().setTopic("t").setPartitions(List.of(0))).iterator())));
        assertThat(elected.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(elected.replicaElectionResults().get(0).partitionResult().get(0).errorMessage())
                .isEqualTo("Unknown election type 5");
    }

    @Test
    void shouldDescribeOnlyTheNamedKeysAndRefuseOtherBrokersAndResourceTypes() throws Exception {
        DescribeConfigsResponseData response = (DescribeConfigsResponseData) handle(describer(),
                new DescribeConfigsRequestData().setResources(List.of(
                        describe(TOPIC, "t", List.of("retention.ms", "no.such.config")),
                        describe(BROKER, Integer.toString(node.nodeId() + 1), null),
                        describe((byte) 8, "dev.ferry", null))));

        assertThat(response.results().get(0).configs()).extracting(c -> c.name()).containsExactly("retention.ms");
        assertThat(response.results().get(1).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(response.results().get(2).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
    }

    @Test
    void shouldAnswerUnknownPartitionsOfDeleteRecordsWithoutTouchingTheOthers() throws Exception {
        DeleteRecordsResponseData response = (DeleteRecordsResponseData) handle(new DeleteRecordsHandler(topics),
                new DeleteRecordsRequestData().setTopics(List.of(
                        new DeleteRecordsRequestData.DeleteRecordsTopic().setName("t").setPartitions(List.of(
                                new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(0),
                                new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(3).setOffset(0))),
                        new DeleteRecordsRequestData.DeleteRecordsTopic().setName("missing").setPartitions(List.of(
                                new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(0))))));

        DeleteRecordsResponseData.DeleteRecordsTopicResult t = response.topics().find("t");
        assertThat(t.partitions().find(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(t.partitions().find(0).lowWatermark()).isZero();
        assertThat(t.partitions().find(3).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(response.topics().find("missing").partitions().find(0).errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    @Test
    void shouldRefuseAssignmentsToOtherNodesAndLeaveTheCountAlone() throws Exception {
        CreatePartitionsResponseData response = (CreatePartitionsResponseData) handle(
                new CreatePartitionsHandler(topics, node), new CreatePartitionsRequestData().setTopics(
                        new CreatePartitionsRequestData.CreatePartitionsTopicCollection(List.of(
                                new CreatePartitionsRequestData.CreatePartitionsTopic().setName("t").setCount(2)
                                        .setAssignments(List.of(new CreatePartitionsRequestData.CreatePartitionsAssignment()
                                                .setBrokerIds(List.of(node.nodeId() + 1))))).iterator())));

        assertThat(response.results().get(0).errorCode()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(topic().partitionCount()).isEqualTo(1);
    }

    @Test
    void shouldRefuseMetadataByIdOrWithoutANameBeforeVersion12AsKafkaDoes() throws Exception {
        MetadataHandler metadata = new MetadataHandler(node, topics, true, KafkaAcls.ALLOW_ALL);
        for (short version : new short[] {10, 11}) {
            MetadataRequestData request = new MetadataRequestData().setTopics(List.of(
                    new MetadataRequestData.MetadataRequestTopic().setName(null),
                    new MetadataRequestData.MetadataRequestTopic().setName("t").setTopicId(Uuid.randomUuid())));
            RequestContext context = new RequestContext(version, 1, "test", "test", System.currentTimeMillis(), eventLoop);
            MetadataResponseData response = (MetadataResponseData) metadata.handle(context, request)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);

            assertThat(response.topics()).extracting(topic -> topic.name(), topic -> topic.errorCode()).containsExactly(
                    tuple("", Errors.INVALID_REQUEST.code()), tuple("t", Errors.INVALID_REQUEST.code()));
            // The null name used to reach the encoder, which cannot write one before version 12.
            List<Object> parts = ResponseWriter.encode(UnpooledByteBufAllocator.DEFAULT, 1, ApiKeys.METADATA, version,
                    response);
            parts.forEach(ReferenceCountUtil::release);
        }
    }

    @Test
    void shouldReplaceTheWholeConfigWithTheNonIncrementalAlterConfigs() throws Exception {
        assertThat(alter(List.of(config("retention.ms", SET, "1000"), config("segment.ms", SET, "60000"))))
                .isEqualTo(Errors.NONE);
        AlterConfigsHandler legacy = new AlterConfigsHandler(node, topics, groups, KafkaAcls.ALLOW_ALL);

        AlterConfigsResponseData validated = (AlterConfigsResponseData) handle(legacy, legacyRequest(TOPIC, "t",
                "cleanup.policy", "compact").setValidateOnly(true));
        assertThat(validated.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(topic().config().overrides()).containsOnlyKeys("retention.ms", "segment.ms");

        AlterConfigsResponseData replaced = (AlterConfigsResponseData) handle(legacy, legacyRequest(TOPIC, "t",
                "cleanup.policy", "compact"));
        assertThat(replaced.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(topic().config().overrides()).as("what the request left out is back to its default")
                .containsExactly(Map.entry("cleanup.policy", "compact"));
    }

    @Test
    void shouldRefuseWhatKafkaRefusesInTheNonIncrementalAlterConfigs() throws Exception {
        AlterConfigsHandler legacy = new AlterConfigsHandler(node, topics, groups, KafkaAcls.ALLOW_ALL);
        AlterConfigsRequestData request = legacyRequest(TOPIC, "t", "no.such.config", "1");
        request.resources().add(legacyResource((byte) 8, "dev.ferry", "dev.ferry", "DEBUG")); // BROKER_LOGGER
        request.resources().add(legacyResource(TOPIC, "missing", "retention.ms", "1"));
        request.resources().add(legacyResource(BROKER, "", "num.partitions", "3"));
        AlterConfigsRequestData.AlterConfigsResource withoutValue = legacyResource(TOPIC, "t2", "retention.ms", null);
        request.resources().add(withoutValue);

        AlterConfigsResponseData response = (AlterConfigsResponseData) handle(legacy, request);

        assertThat(response.responses()).extracting(result -> result.errorCode()).containsExactly(
                Errors.INVALID_CONFIG.code(), Errors.INVALID_REQUEST.code(), Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                Errors.INVALID_CONFIG.code(), Errors.INVALID_REQUEST.code());
        assertThat(response.responses().get(4).errorMessage()).isEqualTo("Null value not supported for : retention.ms");
        assertThat(topic().config().overrides()).isEmpty();
    }

    private static AlterConfigsRequestData legacyRequest(byte type, String name, String config, String value) {
        AlterConfigsRequestData request = new AlterConfigsRequestData();
        request.resources().add(legacyResource(type, name, config, value));
        return request;
    }

    private static AlterConfigsRequestData.AlterConfigsResource legacyResource(byte type, String name, String config,
            String value) {
        AlterConfigsRequestData.AlterConfigsResource resource = new AlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(type).setResourceName(name);
        resource.configs().add(new AlterConfigsRequestData.AlterableConfig().setName(config).setValue(value));
        return resource;
    }

    private DescribeConfigsHandler describer() {
        return new DescribeConfigsHandler(node, topics, groups, dataDir);
    }

    private Topic topic() {
        return topics.topic("t").orElseThrow();
    }

    private Errors alter(List<AlterableConfig> configs) throws Exception {
        IncrementalAlterConfigsResponseData response = (IncrementalAlterConfigsResponseData) handle(
                new IncrementalAlterConfigsHandler(node, topics),
                new IncrementalAlterConfigsRequestData().setResources(resources(TOPIC, "t", configs)));
        return Errors.forCode(response.responses().get(0).errorCode());
    }

    private Errors alterBroker(String name, List<AlterableConfig> configs) throws Exception {
        IncrementalAlterConfigsResponseData response = (IncrementalAlterConfigsResponseData) handle(
                new IncrementalAlterConfigsHandler(node, topics),
                new IncrementalAlterConfigsRequestData().setResources(resources(BROKER, name, configs)));
        return Errors.forCode(response.responses().get(0).errorCode());
    }

    private static IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection resources(byte type, String name,
            List<AlterableConfig> configs) {
        // The generated collection keeps one entry per name and operation; a list keeps what the test asks for.
        AlterConfigsResource resource = new AlterConfigsResource().setResourceType(type).setResourceName(name);
        for (AlterableConfig config : configs) {
            resource.configs().mustAdd(config.duplicate());
        }
        return new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection(List.of(resource).iterator());
    }

    private static AlterableConfig config(String name, byte operation, String value) {
        return new AlterableConfig().setName(name).setConfigOperation(operation).setValue(value);
    }

    private static DescribeConfigsRequestData.DescribeConfigsResource describe(byte type, String name, List<String> keys) {
        return new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(type).setResourceName(name)
                .setConfigurationKeys(keys);
    }

    private ApiMessage handle(ApiHandler handler, ApiMessage request) throws Exception {
        RequestContext context = new RequestContext(handler.latestVersion(), 1, "test", "test",
                System.currentTimeMillis(), eventLoop);
        return handler.handle(context, request).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
