package dev.ferry.kafka.api;

import dev.ferry.access.AccessControl;
import dev.ferry.kafka.security.KafkaAcls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.group.GroupConfig;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.BrokerApis;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.wire.ResponseWriter;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every handler's answer, at every version it advertises, encodes: the generated classes refuse a
 * field set to a non-default value in a version that does not have it, which would otherwise only
 * show as a client waiting for a response that never comes.
 */
class EveryVersionEncodesTest {
    @TempDir
    Path dataDir;
    private TopicRegistry topics;
    private GroupCoordinator groups;
    private ApiHandlers handlers;
    private Topic topic;
    private final ScheduledExecutorService eventLoop = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void openTopics() throws Exception {
        topics = TopicRegistry.open(dataDir);
        LocalNode node = new LocalNode(topics.identity().nodeId(), topics.identity().clusterId(), "127.0.0.1");
        groups = GroupCoordinator.inMemory(GroupConfig.defaults().withInitialRebalanceDelayMs(0),
                System::currentTimeMillis);
        // With ACLs kept (in memory; none at first, so everything is allowed) so the ACL APIs answer with data.
        handlers = BrokerApis.create(node, topics, groups, dataDir,
                new KafkaAcls(AccessControl.inMemory(null, java.util.Set.of())));
        topic = topics.create("t", 1, java.util.Map.of()).get(30, TimeUnit.SECONDS);
        topic.partition(0).append(batch(), System.currentTimeMillis()).get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        eventLoop.shutdownNow();
        groups.close();
        topics.close();
    }

    @Test
    void shouldEncodeEveryHandlersAnswerAtEveryServedVersion() throws Exception {
        for (ApiHandler handler : handlers.all()) {
            for (short version = handler.oldestVersion(); version <= handler.latestVersion(); version++) {
                ApiMessage request = request(handler.apiKey(), version);
                RequestContext context = new RequestContext(version, 1, "test", "test", System.currentTimeMillis(), eventLoop);
                ApiMessage response = handler.handle(context, request).toCompletableFuture().get(30, TimeUnit.SECONDS);
                if (response == null) {
                    continue;
                }
                List<Object> parts = ResponseWriter.encode(UnpooledByteBufAllocator.DEFAULT, 1, handler.apiKey(), version,
                        response);
                assertThat(parts).as("%s v%d", handler.apiKey(), version).isNotEmpty();
                parts.forEach(ReferenceCountUtil::release);
            }
        }
    }

    private ApiMessage request(ApiKeys key, short version) {
        Uuid topicId = new Uuid(topic.id().getMostSignificantBits(), topic.id().getLeastSignificantBits());
        boolean byId13 = version >= 13;
        return switch (key) {
            case API_VERSIONS -> new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1");
            case METADATA -> new MetadataRequestData().setTopics(version == 0 ? List.of() : null);
            case DESCRIBE_CLUSTER -> new DescribeClusterRequestData();
            case PRODUCE -> {
                ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000);
                ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData()
                        .setName(byId13 ? "" : "t").setTopicId(byId13 ? topicId : Uuid.ZERO_UUID);
                topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                        MemoryRecords.readableRecords(batch())));
                data.topicData().add(topicData);
                yield data;
            }
            case FETCH -> new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20).setTopics(List.of(
                    new FetchRequestData.FetchTopic().setTopic(byId13 ? "" : "t").setTopicId(byId13 ? topicId : Uuid.ZERO_UUID)
                            .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                    .setPartitionMaxBytes(1 << 20)))));
            case OFFSET_FOR_LEADER_EPOCH -> {
                OffsetForLeaderEpochRequestData data = new OffsetForLeaderEpochRequestData().setReplicaId(-1);
                OffsetForLeaderEpochRequestData.OffsetForLeaderTopic asked = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic()
                        .setTopic("t");
                for (int epoch : new int[] {0, -1, 3}) {
                    asked.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0)
                            .setLeaderEpoch(epoch).setCurrentLeaderEpoch(-1));
                }
                data.topics().add(asked);
                yield data;
            }
            case LIST_OFFSETS -> {
                ListOffsetsRequestData data = new ListOffsetsRequestData();
                ListOffsetsRequestData.ListOffsetsTopic listed = new ListOffsetsRequestData.ListOffsetsTopic().setName("t");
                for (long timestamp : new long[] {-1, -2, 0}) {
                    listed.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                            .setTimestamp(timestamp));
                }
                if (version >= 7) {
                    listed.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                            .setTimestamp(-3));
                }
                data.topics().add(listed);
                yield data;
            }
            case CREATE_TOPICS -> {
                CreateTopicsRequestData data = new CreateTopicsRequestData().setValidateOnly(version >= 1);
                data.topics().add(new CreateTopicsRequestData.CreatableTopic().setName("new-" + version)
                        .setNumPartitions(2).setReplicationFactor((short) 1));
                yield data;
            }
            case DELETE_TOPICS -> version >= 6
                    ? new DeleteTopicsRequestData().setTopics(List.of(new DeleteTopicsRequestData.DeleteTopicState()
                            .setName("missing").setTopicId(Uuid.ZERO_UUID)))
                    : new DeleteTopicsRequestData().setTopicNames(List.of("missing"));
            case INIT_PRODUCER_ID -> new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(1000);
            // Group APIs: a fresh member of a one-member group, then requests that name unknown
            // members and groups, so that both the success and the error shapes are encoded.
            case FIND_COORDINATOR -> version >= 4
                    ? new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("g"))
                    : new FindCoordinatorRequestData().setKey("g");
            case JOIN_GROUP -> new JoinGroupRequestData().setGroupId("join-" + version).setSessionTimeoutMs(10_000)
                    .setRebalanceTimeoutMs(10_000).setMemberId("").setProtocolType("consumer")
                    .setProtocols(new JoinGroupRequestData.JoinGroupRequestProtocolCollection(List.of(
                            new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                                    .setMetadata(new byte[0])).iterator()));
            case SYNC_GROUP -> new SyncGroupRequestData().setGroupId("g").setGenerationId(1).setMemberId("nobody")
                    .setProtocolType("consumer").setProtocolName("range");
            case HEARTBEAT -> new HeartbeatRequestData().setGroupId("g").setGenerationId(1).setMemberId("nobody");
            case LEAVE_GROUP -> version >= 3
                    ? new LeaveGroupRequestData().setGroupId("g").setMembers(List.of(
                            new LeaveGroupRequestData.MemberIdentity().setMemberId("nobody")))
                    : new LeaveGroupRequestData().setGroupId("g").setMemberId("nobody");
            case OFFSET_COMMIT -> new OffsetCommitRequestData().setGroupId("commits").setGenerationIdOrMemberEpoch(-1)
                    .setMemberId("").setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                            .setName("t").setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                    .setPartitionIndex(0).setCommittedOffset(1).setCommittedMetadata("m")))));
            case OFFSET_FETCH -> version >= 8
                    ? new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                            .setGroupId("commits").setTopics(null)))
                    : new OffsetFetchRequestData().setGroupId("commits").setTopics(null);
            case OFFSET_DELETE -> new OffsetDeleteRequestData().setGroupId("missing").setTopics(
                    new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection(List.of(
                            new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("t").setPartitions(List.of(
                                    new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))))
                            .iterator()));
            case LIST_GROUPS -> new ListGroupsRequestData();
            case DESCRIBE_GROUPS -> new DescribeGroupsRequestData().setGroups(List.of("commits", "missing"));
            case DELETE_GROUPS -> new DeleteGroupsRequestData().setGroupsNames(List.of("missing"));
            // A join, which answers an assignment of the topic "t" (with its id) and an epoch.
            case CONSUMER_GROUP_HEARTBEAT -> new ConsumerGroupHeartbeatRequestData().setGroupId("kip848-" + version)
                    .setMemberId("member-" + version).setMemberEpoch(0).setRebalanceTimeoutMs(30_000)
                    .setSubscribedTopicNames(List.of("t")).setTopicPartitions(List.of());
            case CONSUMER_GROUP_DESCRIBE -> new ConsumerGroupDescribeRequestData()
                    .setGroupIds(List.of("kip848-" + version, "commits", "missing"));
            // Admin APIs: a success and a refusal in each request, so that both shapes are encoded.
            case DESCRIBE_CONFIGS -> new DescribeConfigsRequestData().setIncludeSynonyms(true)
                    .setIncludeDocumentation(version >= 3).setResources(List.of(
                            new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2)
                                    .setResourceName("t").setConfigurationKeys(null),
                            new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 4)
                                    .setResourceName("").setConfigurationKeys(null),
                            new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2)
                                    .setResourceName("missing").setConfigurationKeys(null),
                            new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 32)
                                    .setResourceName("g").setConfigurationKeys(null),
                            new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 8)
                                    .setResourceName("abc").setConfigurationKeys(null)));
            case ALTER_CONFIGS -> {
                AlterConfigsRequestData data = new AlterConfigsRequestData();
                AlterConfigsRequestData.AlterConfigsResource resource = new AlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType((byte) 2).setResourceName("t");
                resource.configs().add(new AlterConfigsRequestData.AlterableConfig().setName("retention.ms").setValue("60000"));
                data.resources().add(resource);
                yield data;
            }
            case INCREMENTAL_ALTER_CONFIGS -> new IncrementalAlterConfigsRequestData().setResources(
                    new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection(List.of(
                            new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 2)
                                    .setResourceName("t").setConfigs(
                                            new IncrementalAlterConfigsRequestData.AlterableConfigCollection(List.of(
                                                    new IncrementalAlterConfigsRequestData.AlterableConfig()
                                                            .setName("retention.ms").setConfigOperation((byte) 0)
                                                            .setValue("1000")).iterator())),
                            new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 2)
                                    .setResourceName("missing"),
                            new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 32)
                                    .setResourceName("g").setConfigs(
                                            new IncrementalAlterConfigsRequestData.AlterableConfigCollection(List.of(
                                                    new IncrementalAlterConfigsRequestData.AlterableConfig()
                                                            .setName("consumer.session.timeout.ms")
                                                            .setConfigOperation((byte) 0).setValue("50000")).iterator()))
                            ).iterator()));
            case LIST_CONFIG_RESOURCES -> new org.apache.kafka.common.message.ListConfigResourcesRequestData()
                    .setResourceTypes(version >= 1 ? List.of((byte) 32, (byte) 4, (byte) 2) : List.of());
            case CREATE_PARTITIONS -> new CreatePartitionsRequestData().setTimeoutMs(1000).setValidateOnly(true)
                    .setTopics(new CreatePartitionsRequestData.CreatePartitionsTopicCollection(List.of(
                            new CreatePartitionsRequestData.CreatePartitionsTopic().setName("t").setCount(2)
                                    .setAssignments(null),
                            new CreatePartitionsRequestData.CreatePartitionsTopic().setName("missing").setCount(2)
                                    .setAssignments(null)).iterator()));
            case DELETE_RECORDS -> new DeleteRecordsRequestData().setTimeoutMs(1000).setTopics(List.of(
                    new DeleteRecordsRequestData.DeleteRecordsTopic().setName("t").setPartitions(List.of(
                            new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(0),
                            new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(7).setOffset(0)))));
            case DESCRIBE_LOG_DIRS -> new DescribeLogDirsRequestData().setTopics(null);
            case DESCRIBE_USER_SCRAM_CREDENTIALS -> new DescribeUserScramCredentialsRequestData().setUsers(List.of(
                    new DescribeUserScramCredentialsRequestData.UserName().setName("guest"),
                    new DescribeUserScramCredentialsRequestData.UserName().setName("nobody")));
            case ALTER_USER_SCRAM_CREDENTIALS -> new AlterUserScramCredentialsRequestData()
                    .setUpsertions(List.of(new AlterUserScramCredentialsRequestData.ScramCredentialUpsertion()
                            .setName("sample").setMechanism((byte) 1).setIterations(4096).setSalt(new byte[16])
                            .setSaltedPassword(new byte[32])))
                    .setDeletions(List.of(new AlterUserScramCredentialsRequestData.ScramCredentialDeletion()
                            .setName("nobody").setMechanism((byte) 2)));
            case DESCRIBE_CLIENT_QUOTAS -> new DescribeClientQuotasRequestData().setComponents(List.of(
                    new DescribeClientQuotasRequestData.ComponentData().setEntityType("user").setMatchType((byte) 2)));
            case DESCRIBE_PRODUCERS -> new DescribeProducersRequestData().setTopics(List.of(
                    new DescribeProducersRequestData.TopicRequest().setName("t").setPartitionIndexes(List.of(0, 7))));
            // A partition that exists and one that does not, and a topic that does not exist.
            case ELECT_LEADERS -> new ElectLeadersRequestData().setTimeoutMs(1000).setTopicPartitions(
                    new ElectLeadersRequestData.TopicPartitionsCollection(List.of(
                            new ElectLeadersRequestData.TopicPartitions().setTopic("t").setPartitions(List.of(0, 3)),
                            new ElectLeadersRequestData.TopicPartitions().setTopic("missing")
                                    .setPartitions(List.of(0))).iterator()));
            case LIST_PARTITION_REASSIGNMENTS -> new ListPartitionReassignmentsRequestData().setTopics(null);
            // A move to where the partition is (accepted) and a cancel (refused without a message).
            case ALTER_PARTITION_REASSIGNMENTS -> new AlterPartitionReassignmentsRequestData().setTopics(List.of(
                    new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName("t").setPartitions(List.of(
                            new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(0)
                                    .setReplicas(List.of(1)),
                            new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(0)
                                    .setReplicas(null)))));
            // Registered in this order: every version creates one binding, describes it, then deletes it (v1).
            case CREATE_ACLS -> new CreateAclsRequestData().setCreations(List.of(new CreateAclsRequestData.AclCreation()
                    .setResourceType((byte) 2).setResourceName("t").setResourcePatternType((byte) 3)
                    .setPrincipal("User:alice").setHost("*").setOperation((byte) 3).setPermissionType((byte) 3)));
            case DESCRIBE_ACLS -> new DescribeAclsRequestData().setResourceTypeFilter((byte) 1)
                    .setResourceNameFilter(null).setPrincipalFilter(null).setHostFilter(null)
                    .setPatternTypeFilter((byte) 1).setOperation((byte) 1).setPermissionType((byte) 1);
            case DELETE_ACLS -> new DeleteAclsRequestData().setFilters(List.of(new DeleteAclsRequestData.DeleteAclsFilter()
                    .setResourceTypeFilter((byte) 1).setResourceNameFilter(null).setPrincipalFilter(null)
                    .setHostFilter(null).setPatternTypeFilter((byte) 1).setOperation((byte) 1)
                    .setPermissionType((byte) 1)));
            // Without a connection behind the request both answer with an error; the answer still encodes.
            case SASL_HANDSHAKE -> new org.apache.kafka.common.message.SaslHandshakeRequestData().setMechanism("PLAIN");
            case SASL_AUTHENTICATE -> new org.apache.kafka.common.message.SaslAuthenticateRequestData()
                    .setAuthBytes(new byte[0]);
            default -> throw new AssertionError("no sample request for " + key + "; add one");
        };
    }

    private static java.nio.ByteBuffer batch() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(System.currentTimeMillis(),
                "k".getBytes(), "v".getBytes())).buffer();
    }
}
