package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.RawKafkaClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * What the describing APIs answer beyond what Admin's defaults ask: the operations a client may
 * perform ("authorized operations", asked for by Metadata, DescribeCluster, DescribeGroups and
 * ConsumerGroupDescribe), and DescribeGroups through every state of a classic group and of a group
 * of the consumer protocol. Every expected answer was first seen from Kafka 4.3.1
 * ({@code -Dferry.it.kafka=HOST:PORT}); a client that may do everything is the case here (Kafka
 * without an authorizer, Ferry's PLAINTEXT clients).
 */
class DescribeAnswersTest extends RawRequestTestBase {
    private static final int NOT_ASKED = Integer.MIN_VALUE;
    private static final int ALL_ON_A_TOPIC = ops(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
            AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS);
    private static final int ALL_ON_A_GROUP = ops(AclOperation.READ, AclOperation.DELETE, AclOperation.DESCRIBE,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
    private static final int ALL_ON_THE_CLUSTER = ops(AclOperation.CREATE, AclOperation.ALTER, AclOperation.DESCRIBE,
            AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
            AclOperation.IDEMPOTENT_WRITE);
    private static final Duration REBALANCE = Duration.ofSeconds(30);

    @Override
    protected byte keyType() {
        return GROUP_KEY;
    }

    @Test
    void shouldAnswerAuthorizedOperationsWhenAsked() throws Exception {
        assertThat(metadata(topic, true)).isEqualTo(ALL_ON_A_TOPIC);
        assertThat(metadata(unique("describe-answers-none"), true)).isEqualTo(ALL_ON_A_TOPIC);
        assertThat(metadata(topic, false)).isEqualTo(NOT_ASKED);

        assertThat(raw.exchange(ApiKeys.DESCRIBE_CLUSTER, (short) 1, new DescribeClusterRequestData()
                .setIncludeClusterAuthorizedOperations(true), new DescribeClusterResponseData())
                .clusterAuthorizedOperations()).isEqualTo(ALL_ON_THE_CLUSTER);
        assertThat(raw.exchange(ApiKeys.DESCRIBE_CLUSTER, (short) 1, new DescribeClusterRequestData(),
                new DescribeClusterResponseData()).clusterAuthorizedOperations()).isEqualTo(NOT_ASKED);

        String unknown = unique("describe-answers-none");
        joinConsumerGroup();
        ConsumerGroupDescribeResponseData described = raw.exchange(ApiKeys.CONSUMER_GROUP_DESCRIBE, (short) 0,
                new ConsumerGroupDescribeRequestData().setGroupIds(List.of(key, unknown)).setIncludeAuthorizedOperations(true),
                new ConsumerGroupDescribeResponseData());
        assertThat(described.groups()).hasSize(2).allSatisfy(group -> {
            if (group.groupId().equals(key)) {
                assertThat(Errors.forCode(group.errorCode())).isEqualTo(Errors.NONE);
                assertThat(group.authorizedOperations()).isEqualTo(ALL_ON_A_GROUP);
            } else {
                assertThat(Errors.forCode(group.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
                assertThat(group.authorizedOperations()).isEqualTo(NOT_ASKED);
            }
        });
        // DescribeGroups v5 describes a group it does not know as Dead, without an error: operations too.
        assertThat(describeGroup(unknown, (short) 5, true).authorizedOperations()).isEqualTo(ALL_ON_A_GROUP);
        assertThat(describeGroup(unknown, (short) 5, false).authorizedOperations()).isEqualTo(NOT_ASKED);
        assertThat(describeGroup(unknown, (short) 6, true).authorizedOperations()).isEqualTo(NOT_ASKED);
    }

    @Test
    void shouldGiveAdminTheOperationsItAsksFor() throws Exception {
        try (Admin admin = admin()) {
            assertThat(admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get(30, TimeUnit.SECONDS))
                    .contains(AclOperation.CREATE, AclOperation.ALTER, AclOperation.IDEMPOTENT_WRITE);
            TopicDescription described = admin.describeTopics(List.of(topic),
                    new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic);
            assertThat(described.authorizedOperations()).contains(AclOperation.READ, AclOperation.WRITE,
                    AclOperation.DESCRIBE_CONFIGS);
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .authorizedOperations()).isNull();
        }
    }

    @Test
    void shouldDescribeAClassicGroupInEveryStateAndRefuseAConsumerGroup() throws Exception {
        JoinGroupResponseData first = raw.exchange(ApiKeys.JOIN_GROUP, (short) 9, joining(""), new JoinGroupResponseData());
        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        String member = first.memberId();
        try (RawKafkaClient joiner = connectRaw()) {
            // Both brokers hold a new group's first join for the initial rebalance delay (3 s, Kafka's
            // default and the Kafka reference's setting), which is when it is described here.
            int correlation = joiner.send(ApiKeys.JOIN_GROUP, (short) 9, joining(member));
            await().atMost(REBALANCE).until(() -> describeGroup(key, (short) 5, false).groupState(),
                    state -> !state.equals("Dead"));
            DescribedGroup preparing = describeGroup(key, (short) 5, false);
            assertThat(preparing.groupState()).isEqualTo("PreparingRebalance");
            assertThat(preparing.protocolType()).isEqualTo("consumer");
            assertThat(preparing.protocolData()).isEmpty();
            assertThat(preparing.members()).singleElement().satisfies(described -> {
                assertThat(described.memberMetadata()).isEmpty();
                assertThat(described.memberAssignment()).isEmpty();
            });
            JoinGroupResponseData joined = joiner.receive(ApiKeys.JOIN_GROUP, (short) 9, correlation,
                    new JoinGroupResponseData());
            assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);

            DescribedGroup completing = describeGroup(key, (short) 5, false);
            assertThat(completing.groupState()).isEqualTo("CompletingRebalance");
            assertThat(completing.protocolData()).isEmpty();
            assertThat(completing.members()).singleElement().satisfies(described -> {
                assertThat(described.memberMetadata()).isEmpty();
                assertThat(described.clientHost()).isEqualTo("/127.0.0.1");
            });

            SyncGroupResponseData synced = raw.exchange(ApiKeys.SYNC_GROUP, (short) 5, new SyncGroupRequestData()
                    .setGroupId(key).setGenerationId(joined.generationId()).setMemberId(member).setProtocolType("consumer")
                    .setProtocolName("range").setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                            .setMemberId(member).setAssignment(new byte[] {0, 1, 2}))), new SyncGroupResponseData());
            assertThat(Errors.forCode(synced.errorCode())).isEqualTo(Errors.NONE);
            DescribedGroup stable = describeGroup(key, (short) 5, false);
            assertThat(stable.groupState()).isEqualTo("Stable");
            assertThat(stable.protocolData()).isEqualTo("range");
            assertThat(stable.members()).singleElement().satisfies(described -> {
                assertThat(described.memberMetadata()).isNotEmpty();
                assertThat(described.memberAssignment()).containsExactly(0, 1, 2);
            });

            raw.exchange(ApiKeys.LEAVE_GROUP, (short) 5, new LeaveGroupRequestData().setGroupId(key).setMembers(List.of(
                    new LeaveGroupRequestData.MemberIdentity().setMemberId(member))), new LeaveGroupResponseData());
            for (short version : new short[] {5, 6}) {
                DescribedGroup empty = describeGroup(key, version, false);
                assertThat(Errors.forCode(empty.errorCode())).isEqualTo(Errors.NONE);
                assertThat(empty.groupState()).isEqualTo("Empty");
                assertThat(empty.protocolType()).isEqualTo("consumer");
                assertThat(empty.members()).isEmpty();
            }
        }

        String consumerGroup = joinConsumerGroupOf(unique("describe-answers-consumer"));
        DescribedGroup notClassic = describeGroup(consumerGroup, (short) 6, false);
        assertThat(Errors.forCode(notClassic.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(notClassic.errorMessage()).isEqualTo("Group " + consumerGroup + " is not a classic group.");
        DescribedGroup before6 = describeGroup(consumerGroup, (short) 5, false);
        assertThat(Errors.forCode(before6.errorCode())).isEqualTo(Errors.NONE);
        assertThat(before6.groupState()).isEqualTo("Dead");
    }

    private int metadata(String topicName, boolean ask) throws Exception {
        MetadataResponseData response = raw.exchange(ApiKeys.METADATA, (short) 12, new MetadataRequestData()
                .setTopics(List.of(new MetadataRequestTopic().setName(topicName))).setAllowAutoTopicCreation(false)
                .setIncludeTopicAuthorizedOperations(ask), new MetadataResponseData());
        return response.topics().iterator().next().topicAuthorizedOperations();
    }

    private DescribedGroup describeGroup(String groupId, short version, boolean ask) throws Exception {
        return raw.exchange(ApiKeys.DESCRIBE_GROUPS, version, new DescribeGroupsRequestData().setGroups(List.of(groupId))
                .setIncludeAuthorizedOperations(ask), new DescribeGroupsResponseData()).groups().get(0);
    }

    private void joinConsumerGroup() throws Exception {
        joinConsumerGroupOf(key);
    }

    private String joinConsumerGroupOf(String groupId) throws Exception {
        awaitCoordinator(raw, GROUP_KEY, groupId);
        ConsumerGroupHeartbeatResponseData joined = raw.exchange(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1,
                new ConsumerGroupHeartbeatRequestData().setGroupId(groupId).setMemberId(Uuid.randomUuid().toString())
                        .setMemberEpoch(0).setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of(topic))
                        .setTopicPartitions(List.of()), new ConsumerGroupHeartbeatResponseData());
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        return groupId;
    }

    private JoinGroupRequestData joining(String member) {
        ByteBuffer subscription = ConsumerProtocol.serializeSubscription(new Subscription(List.of(topic)));
        byte[] metadata = new byte[subscription.remaining()];
        subscription.get(metadata);
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
        return new JoinGroupRequestData().setGroupId(key).setMemberId(member).setSessionTimeoutMs(30_000)
                .setRebalanceTimeoutMs(30_000).setProtocolType("consumer").setProtocols(protocols);
    }

    private static int ops(AclOperation... operations) {
        int bits = 0;
        for (AclOperation operation : operations) {
            bits |= 1 << operation.code();
        }
        return bits;
    }
}
