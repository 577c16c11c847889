package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * What the topic admin APIs answer to requests Admin would not send, as raw requests: bad names,
 * counts and assignments, a topic named twice, unknown topics and ids. Every expected answer was
 * first seen from Kafka 4.3.1 ({@code -Dferry.it.kafka=HOST:PORT}).
 */
class AdminRefusalsTest extends RawRequestTestBase {
    @Test
    void shouldRefuseTopicsAsKafkaDoes() throws Exception {
        String fresh = unique("admin-refusals-new");
        assertCreate(creatable(""), Errors.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: the empty string is not allowed");
        assertCreate(creatable("bad/name"), Errors.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: 'bad/name' contains"
                + " one or more characters other than ASCII alphanumerics, '.', '_' and '-'");
        assertCreate(creatable("x".repeat(250)), Errors.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: the length of '"
                + "x".repeat(250) + "' is longer than the max allowed length 249");
        assertCreate(creatable(".."), Errors.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: '..' is not allowed");
        assertCreate(creatable(fresh).setNumPartitions(0), Errors.INVALID_PARTITIONS,
                "Number of partitions was set to an invalid non-positive value.");
        assertCreate(creatable(fresh).setReplicationFactor((short) 2), Errors.INVALID_REPLICATION_FACTOR,
                "Unable to replicate the partition 2 time(s): The target replication factor of 2 cannot be reached"
                        + " because only 1 broker(s) are registered or some brokers have all their log directories cordoned.");
        assertCreate(creatable(fresh).setReplicationFactor((short) 0), Errors.INVALID_REPLICATION_FACTOR,
                "Replication factor must be larger than 0, or -1 to use the default value.");
        assertCreate(creatable(fresh).setNumPartitions(1).setReplicationFactor((short) 1).setAssignments(assignment(0, 1)),
                Errors.INVALID_REQUEST, "A manual partition assignment was specified, but replication factor was not set to -1.");
        assertCreate(creatable(fresh).setNumPartitions(1).setAssignments(assignment(0, 1)), Errors.INVALID_REQUEST,
                "A manual partition assignment was specified, but numPartitions was not set to -1.");
        assertCreate(creatable(fresh).setAssignments(assignment(0, 5)), Errors.INVALID_REPLICA_ASSIGNMENT,
                "The manual partition assignment includes broker 5, but no such broker is registered.");
        assertCreate(creatable(fresh).setAssignments(assignment(1, 1)), Errors.INVALID_REPLICA_ASSIGNMENT,
                "partitions should be a consecutive 0-based integer sequence");
        assertCreate(creatable(fresh).setAssignments(assignment(0)), Errors.INVALID_REPLICA_ASSIGNMENT,
                "The manual partition assignment includes an empty replica list.");
        // The broker id a single node has, twice (the id differs between the brokers compared).
        int node = raw.exchange(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(List.of()),
                new MetadataResponseData()).brokers().iterator().next().nodeId();
        assertCreate(creatable(fresh).setAssignments(assignment(0, node, node)), Errors.INVALID_REPLICA_ASSIGNMENT,
                "The manual partition assignment includes the broker " + node + " more than once.");
        assertCreate(creatable(fresh).setConfigs(config("cleanup.policy", "bogus")), Errors.INVALID_CONFIG,
                "Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete");
        assertCreate(creatable(fresh).setConfigs(config("no.such.config", "1")), Errors.INVALID_CONFIG,
                "Unknown topic config name: no.such.config");
        assertCreate(creatable(topic), Errors.TOPIC_ALREADY_EXISTS, "Topic '" + topic + "' already exists.");
        assertCreate(creatable("__consumer_offsets"), Errors.TOPIC_ALREADY_EXISTS,
                "Topic '__consumer_offsets' already exists.");
        assertCreate(creatable(fresh), Errors.NONE, null);

        CreateTopicsResponseData twice = raw.exchange(ApiKeys.CREATE_TOPICS, (short) 7,
                new CreateTopicsRequestData().setTimeoutMs(30_000).setTopics(new CreatableTopicCollection(
                        List.of(creatable(fresh), creatable(fresh)).iterator())),
                new CreateTopicsResponseData());
        assertThat(twice.topics()).singleElement().satisfies(result -> {
            assertThat(Errors.forCode(result.errorCode())).isEqualTo(Errors.INVALID_REQUEST);
            assertThat(result.errorMessage()).isEqualTo("Duplicate topic name.");
        });
    }

    @Test
    void shouldRefusePartitionIncreasesAsKafkaDoes() throws Exception {
        assertGrow(partitionsTopics(growing(topic, 1)), Errors.INVALID_PARTITIONS,
                "The topic " + topic + " currently has 2 partition(s); 1 would not be an increase.");
        assertGrow(partitionsTopics(growing(topic, 2)), Errors.INVALID_PARTITIONS, "Topic already has 2 partition(s).");
        assertGrow(partitionsTopics(growing(unique("no-such-topic"), 3)), Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
        assertGrow(partitionsTopics(growing(topic, 3), growing(topic, 4)), Errors.INVALID_REQUEST,
                "Duplicate topic name.");
        assertGrow(partitionsTopics(growing(topic, 3)), Errors.NONE, null);
    }

    @Test
    void shouldRefuseDeletionsAsKafkaDoes() throws Exception {
        String missing = unique("no-such-topic");
        DeleteTopicsResponseData deleted = raw.exchange(ApiKeys.DELETE_TOPICS, (short) 6,
                new DeleteTopicsRequestData().setTimeoutMs(30_000).setTopics(List.of(
                        new DeleteTopicState().setName(missing).setTopicId(Uuid.ZERO_UUID),
                        new DeleteTopicState().setName(null).setTopicId(Uuid.randomUuid()),
                        new DeleteTopicState().setName(topic).setTopicId(Uuid.randomUuid()))),
                new DeleteTopicsResponseData());
        assertThat(deleted.responses()).extracting(result -> Errors.forCode(result.errorCode()) + " " + result.errorMessage())
                .containsExactlyInAnyOrder(
                        "UNKNOWN_TOPIC_OR_PARTITION This server does not host this topic-partition.",
                        "UNKNOWN_TOPIC_ID This server does not host this topic ID.",
                        "INVALID_REQUEST You may not specify both topic name and topic id.");

        // Records: nothing produced yet, so only offset 0 and -1 (the high watermark) are in range.
        for (long offset : new long[] {4, -2}) {
            assertThat(deleteRecords(offset)).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        }
        for (long offset : new long[] {-1, 0}) {
            assertThat(deleteRecords(offset)).isEqualTo(Errors.NONE);
        }
    }

    @Test
    void shouldAnswerMetadataForNamesNoTopicCanHaveAndUnknownIdsAsKafkaDoes() throws Exception {
        for (boolean mayCreate : new boolean[] {false, true}) {
            for (String name : List.of("bad/name", "", "..")) {
                MetadataResponseData.MetadataResponseTopic answer = metadata(name, Uuid.ZERO_UUID, mayCreate);
                assertThat(Errors.forCode(answer.errorCode())).as("'%s'", name).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
                assertThat(answer.name()).isEqualTo(name);
            }
            MetadataResponseData.MetadataResponseTopic unknownId = metadata(null, Uuid.randomUuid(), mayCreate);
            assertThat(Errors.forCode(unknownId.errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_ID);
            assertThat(unknownId.name()).isNull();
            assertThat(Errors.forCode(metadata(topic, Uuid.randomUuid(), mayCreate).errorCode()))
                    .as("a name with an id it does not have").isEqualTo(Errors.UNKNOWN_TOPIC_ID);
        }
        assertThat(Errors.forCode(metadata(unique("no-such-topic"), Uuid.ZERO_UUID, false).errorCode()))
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void shouldNeverMakeKafkasInternalTopicsFromAMetadataRequest() throws Exception {
        assumeFerry("Kafka has its internal topics; Ferry keeps what they hold elsewhere");
        assertThat(Errors.forCode(metadata("__consumer_offsets", Uuid.ZERO_UUID, true).errorCode()))
                .isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
        assertThat(Errors.forCode(metadata("__transaction_state", Uuid.ZERO_UUID, false).errorCode()))
                .isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
        try (org.apache.kafka.clients.admin.Admin admin = admin()) {
            assertThat(admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)).doesNotContain("__consumer_offsets", "__transaction_state");
        }
    }

    private MetadataResponseData.MetadataResponseTopic metadata(String name, Uuid id, boolean mayCreate)
            throws Exception {
        MetadataResponseData answer = raw.exchange(ApiKeys.METADATA, (short) 12, new MetadataRequestData()
                .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(name).setTopicId(id)))
                .setAllowAutoTopicCreation(mayCreate), new MetadataResponseData());
        return answer.topics().iterator().next();
    }

    private void assertCreate(CreatableTopic topic, Errors error, String message) throws Exception {
        CreateTopicsResponseData answer = raw.exchange(ApiKeys.CREATE_TOPICS, (short) 7,
                new CreateTopicsRequestData().setTimeoutMs(30_000).setValidateOnly(true)
                        .setTopics(new CreatableTopicCollection(List.of(topic).iterator())),
                new CreateTopicsResponseData());
        CreatableTopicResult result = answer.topics().iterator().next();
        assertThat(Errors.forCode(result.errorCode())).as(topic.name()).isEqualTo(error);
        assertThat(result.errorMessage()).as(topic.name()).isEqualTo(message);
    }

    private void assertGrow(CreatePartitionsRequestData.CreatePartitionsTopicCollection topics, Errors error,
                            String message) throws Exception {
        CreatePartitionsResponseData answer = raw.exchange(ApiKeys.CREATE_PARTITIONS, (short) 3,
                new CreatePartitionsRequestData().setTimeoutMs(30_000).setValidateOnly(true).setTopics(topics),
                new CreatePartitionsResponseData());
        assertThat(answer.results()).singleElement().satisfies(result -> {
            assertThat(Errors.forCode(result.errorCode())).isEqualTo(error);
            assertThat(result.errorMessage()).isEqualTo(message);
        });
    }

    private static CreatePartitionsTopic growing(String name, int count) {
        return new CreatePartitionsTopic().setName(name).setCount(count).setAssignments(null);
    }

    private Errors deleteRecords(long offset) throws Exception {
        DeleteRecordsResponseData answer = raw.exchange(ApiKeys.DELETE_RECORDS, (short) 2,
                new DeleteRecordsRequestData().setTimeoutMs(30_000).setTopics(List.of(new DeleteRecordsTopic()
                        .setName(topic).setPartitions(List.of(new DeleteRecordsPartition().setPartitionIndex(0)
                                .setOffset(offset))))), new DeleteRecordsResponseData());
        return Errors.forCode(answer.topics().iterator().next().partitions().iterator().next().errorCode());
    }

    private static CreatePartitionsRequestData.CreatePartitionsTopicCollection partitionsTopics(
            CreatePartitionsTopic... topics) {
        CreatePartitionsRequestData.CreatePartitionsTopicCollection collection =
                new CreatePartitionsRequestData.CreatePartitionsTopicCollection();
        for (CreatePartitionsTopic topic : topics) {
            collection.add(topic);
        }
        return collection;
    }

    private static CreatableTopic creatable(String name) {
        return new CreatableTopic().setName(name).setNumPartitions(-1).setReplicationFactor((short) -1);
    }

    /** One partition's replicas given by hand. */
    private static CreateTopicsRequestData.CreatableReplicaAssignmentCollection assignment(int partition, int... brokers) {
        CreateTopicsRequestData.CreatableReplicaAssignmentCollection assignments =
                new CreateTopicsRequestData.CreatableReplicaAssignmentCollection();
        assignments.add(new CreatableReplicaAssignment().setPartitionIndex(partition)
                .setBrokerIds(java.util.Arrays.stream(brokers).boxed().toList()));
        return assignments;
    }

    private static CreateTopicsRequestData.CreatableTopicConfigCollection config(String name, String value) {
        CreateTopicsRequestData.CreatableTopicConfigCollection configs =
                new CreateTopicsRequestData.CreatableTopicConfigCollection();
        configs.add(new CreateTopicsRequestData.CreatableTopicConfig().setName(name).setValue(value));
        return configs;
    }
}
