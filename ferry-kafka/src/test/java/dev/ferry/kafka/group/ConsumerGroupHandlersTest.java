package dev.ferry.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.group.GroupConfig;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.api.TopicIds;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.TopicRegistry;

/**
 * The consumer protocol's handlers (KIP-848) between the wire and the coordinator: Kafka's checks
 * of a heartbeat's fields, topic ids both ways, and what ConsumerGroupDescribe and ListGroups say
 * of a group of each protocol.
 */
class ConsumerGroupHandlersTest {
    @TempDir
    Path dataDir;
    private TopicRegistry topics;
    private GroupCoordinator groups;
    private ConsumerGroupHeartbeatHandler heartbeat;
    private final ScheduledExecutorService eventLoop = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void open() throws Exception {
        topics = TopicRegistry.open(dataDir);
        groups = GroupCoordinator.inMemory(GroupConfig.defaults(), System::currentTimeMillis);
        heartbeat = new ConsumerGroupHeartbeatHandler(groups, topics, KafkaAcls.ALLOW_ALL);
        topics.create("orders", 3, Map.of()).get(30, TimeUnit.SECONDS);
        topics.create("audit", 1, Map.of()).get(30, TimeUnit.SECONDS);
        // Every change assigned in the heartbeat that makes it (Kafka's default batches them for 1 s).
        for (String group : List.of("g", "g0", "modern")) {
            groups.alterConfigs(group, Map.of("consumer.assignment.interval.ms", "0"), false).get(30, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void close() {
        eventLoop.shutdownNow();
        groups.close();
        topics.close();
    }

    @Test
    void shouldRefuseWhatKafkaRefusesWithItsTexts() throws Exception {
        assertRefused(join("", "m"), "GroupId can't be empty.");
        assertRefused(join("g", "m").setInstanceId(""), "InstanceId can't be empty.");
        assertRefused(join("g", "m").setRackId(""), "RackId can't be empty.");
        assertRefused(join("g", ""), "MemberId can't be empty.");
        assertRefused(join("g", "m").setRebalanceTimeoutMs(-1), "RebalanceTimeoutMs must be provided in first request.");
        assertRefused(join("g", "m").setTopicPartitions(null), "TopicPartitions must be empty when (re-)joining.");
        assertRefused(join("g", "m").setSubscribedTopicNames(null),
                "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.");
        assertRefused(join("g", "m").setMemberEpoch(-2), "InstanceId can't be null.");
        assertRefused(join("g", "m").setMemberEpoch(-3), "MemberEpoch is invalid.");
        // Refused before the coordinator saw it: no group came of any of them.
        assertThat(listGroups(List.of()).groups()).isEmpty();
    }

    @Test
    void shouldLetAVersionZeroJoinerBeNamedByTheBroker() throws Exception {
        ConsumerGroupHeartbeatResponseData answer = send(join("g0", ""), (short) 0);

        assertThat(answer.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(answer.memberId()).isNotEmpty();
        assertThat(answer.memberEpoch()).isEqualTo(1);
    }

    @Test
    void shouldAnswerTheAssignmentByTopicIdAndTakeOwnedPartitionsByTopicId() throws Exception {
        Uuid orders = TopicIds.toKafka(topics.topic("orders").orElseThrow().id());

        ConsumerGroupHeartbeatResponseData first = send(join("g", "a"), (short) 1);
        assertThat(first.heartbeatIntervalMs()).isEqualTo(5000);
        assertThat(first.assignment().topicPartitions()).singleElement().satisfies(topic -> {
            assertThat(topic.topicId()).isEqualTo(orders);
            assertThat(topic.partitions()).containsExactly(0, 1, 2);
        });

        ConsumerGroupHeartbeatResponseData second = send(join("g", "b"), (short) 1);
        assertThat(second.memberEpoch()).isEqualTo(2);
        // "a" still holds everything, so "b" waits at the new epoch with nothing yet.
        assertThat(second.assignment().topicPartitions()).isEmpty();

        ConsumerGroupHeartbeatResponseData ahead = send(beat("g", "a", 3, null), (short) 1);
        assertThat(ahead.errorCode()).isEqualTo(Errors.FENCED_MEMBER_EPOCH.code());
        assertThat(ahead.errorMessage()).isEqualTo("The consumer group member has a greater member epoch (3) than "
                + "the one known by the group coordinator (1). The member must abandon all its partitions and rejoin.");

        ConsumerGroupHeartbeatResponseData revoke = send(beat("g", "a", 1, null), (short) 1);
        assertThat(revoke.memberEpoch()).isEqualTo(1);
        List<Integer> kept = revoke.assignment().topicPartitions().get(0).partitions();
        assertThat(kept).hasSizeLessThan(3);

        ConsumerGroupHeartbeatResponseData acknowledged = send(beat("g", "a", 1, List.of(
                new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(orders).setPartitions(kept))),
                (short) 1);
        assertThat(acknowledged.memberEpoch()).isEqualTo(2);

        ConsumerGroupHeartbeatResponseData granted = send(beat("g", "b", 2, null), (short) 1);
        assertThat(granted.assignment().topicPartitions()).singleElement().satisfies(topic -> {
            assertThat(topic.topicId()).isEqualTo(orders);
            assertThat(topic.partitions()).hasSize(3 - kept.size()).doesNotContainAnyElementsOf(kept);
        });
    }

    @Test
    void shouldDescribeConsumerGroupsAndSendClassicOnesBackToDescribeGroups() throws Exception {
        send(join("modern", "a").setServerAssignor("range"), (short) 1);
        groups.commitOffsets("classic", -1, "", null, List.of()).get(30, TimeUnit.SECONDS);
        groups.commitOffsets("classic", -1, "", null, List.of(new dev.ferry.group.GroupCommand.OffsetToCommit(
                new dev.ferry.group.PartitionRef("audit", 0), 1, -1, ""))).get(30, TimeUnit.SECONDS);

        ConsumerGroupDescribeResponseData response = (ConsumerGroupDescribeResponseData) handle(
                new ConsumerGroupDescribeHandler(groups, topics, KafkaAcls.ALLOW_ALL), (short) 1,
                new ConsumerGroupDescribeRequestData().setGroupIds(List.of("modern", "classic", "missing")));

        ConsumerGroupDescribeResponseData.DescribedGroup modern = response.groups().get(0);
        assertThat(modern.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(modern.groupState()).isEqualTo("Stable");
        assertThat(modern.groupEpoch()).isEqualTo(1);
        assertThat(modern.assignmentEpoch()).isEqualTo(1);
        assertThat(modern.assignorName()).isEqualTo("range");
        assertThat(modern.members()).singleElement().satisfies(member -> {
            assertThat(member.memberId()).isEqualTo("a");
            assertThat(member.memberEpoch()).isEqualTo(1);
            assertThat(member.clientId()).isEqualTo("test");
            assertThat(member.subscribedTopicNames()).containsExactly("orders");
            assertThat(member.memberType()).isEqualTo((byte) 1);
            assertThat(member.assignment().topicPartitions()).singleElement().satisfies(topic -> {
                assertThat(topic.topicName()).isEqualTo("orders");
                assertThat(topic.partitions()).containsExactly(0, 1, 2);
            });
            assertThat(member.targetAssignment()).isEqualTo(member.assignment());
        });
        assertThat(response.groups().get(1).errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(response.groups().get(1).errorMessage()).isEqualTo("Group classic is not a consumer group.");
        assertThat(response.groups().get(2).errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(response.groups().get(2).errorMessage()).isEqualTo("Group missing not found.");

        assertThat(listGroups(List.of("consumer")).groups()).extracting(group -> group.groupId(), group -> group.groupType(),
                group -> group.protocolType()).containsExactly(org.assertj.core.groups.Tuple.tuple("modern", "consumer", "consumer"));
        assertThat(listGroups(List.of("Classic")).groups()).extracting(group -> group.groupId())
                .containsExactly("classic");
        assertThat(listGroups(List.of()).groups()).hasSize(2);
    }

    @Test
    void shouldRefuseAnUnknownAssignorAndABadPatternWithKafkasErrors() throws Exception {
        ConsumerGroupHeartbeatResponseData assignor = send(join("g", "a").setServerAssignor("sticky"), (short) 1);
        assertThat(assignor.errorCode()).isEqualTo(Errors.UNSUPPORTED_ASSIGNOR.code());
        assertThat(assignor.errorMessage())
                .isEqualTo("ServerAssignor sticky is not supported. Supported assignors: uniform, range.");
        // Kafka 4.3.1's refusals carry no member id, epoch 0 and no interval.
        assertThat(assignor.memberId()).isNull();
        assertThat(assignor.memberEpoch()).isZero();
        assertThat(assignor.heartbeatIntervalMs()).isZero();

        ConsumerGroupHeartbeatResponseData pattern = send(join("g", "a").setSubscribedTopicNames(null)
                .setSubscribedTopicRegex("orders["), (short) 1);
        assertThat(pattern.errorCode()).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION.code());

        ConsumerGroupHeartbeatResponseData regex = send(join("g", "a").setSubscribedTopicNames(null)
                .setSubscribedTopicRegex("aud.*"), (short) 1);
        assertThat(regex.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(regex.assignment().topicPartitions()).singleElement()
                .satisfies(topic -> assertThat(topic.partitions()).containsExactly(0));
    }

    @Test
    void shouldLetOnlyAMemberAtItsEpochFetchAConsumerGroupsOffsetsByName() throws Exception {
        send(join("g", "a"), (short) 1);
        groups.commitOffsets("g", 1, "a", null, List.of(new dev.ferry.group.GroupCommand.OffsetToCommit(
                new dev.ferry.group.PartitionRef("orders", 0), 42, -1, ""))).get(30, TimeUnit.SECONDS);
        OffsetFetchHandler fetch = new OffsetFetchHandler(groups);

        assertThat(fetched(fetch, "a", 1).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(fetched(fetch, "a", 1).topics().get(0).partitions().get(0).committedOffset()).isEqualTo(42);
        assertThat(fetched(fetch, "a", 0).errorCode()).isEqualTo(Errors.STALE_MEMBER_EPOCH.code());
        assertThat(fetched(fetch, "a", 2).errorCode()).isEqualTo(Errors.STALE_MEMBER_EPOCH.code());
        assertThat(fetched(fetch, "stranger", 1).errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
        // An admin tool names no member: it reads the offsets whatever the members' epochs.
        assertThat(fetched(fetch, null, -1).topics().get(0).partitions().get(0).committedOffset()).isEqualTo(42);
    }

    /** KIP-848: a member of the consumer protocol commits with OffsetCommit v9+, which carries its epoch. */
    @Test
    void shouldRefuseAConsumerProtocolMembersCommitBelowVersionNine() throws Exception {
        send(join("g", "a"), (short) 1);
        OffsetCommitHandler commit = new OffsetCommitHandler(groups);

        assertThat(committed(commit, (short) 8, "a", 1)).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(committed(commit, (short) 8, "stranger", 1)).as("the member is looked up first")
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
        assertThat(committed(commit, (short) 9, "a", 1)).isEqualTo(Errors.NONE.code());
        assertThat(committed(commit, (short) 9, "a", 0)).isEqualTo(Errors.STALE_MEMBER_EPOCH.code());
    }

    private short committed(OffsetCommitHandler handler, short version, String memberId, int memberEpoch)
            throws Exception {
        OffsetCommitResponseData response = (OffsetCommitResponseData) handle(handler, version,
                new OffsetCommitRequestData().setGroupId("g").setMemberId(memberId)
                        .setGenerationIdOrMemberEpoch(memberEpoch).setTopics(List.of(
                                new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("orders").setPartitions(
                                        List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                                .setPartitionIndex(0).setCommittedOffset(7))))));
        return response.topics().get(0).partitions().get(0).errorCode();
    }

    private OffsetFetchResponseData.OffsetFetchResponseGroup fetched(OffsetFetchHandler handler, String memberId,
                                                                     int memberEpoch) throws Exception {
        OffsetFetchResponseData response = (OffsetFetchResponseData) handle(handler, (short) 9,
                new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                        .setGroupId("g").setMemberId(memberId).setMemberEpoch(memberEpoch).setTopics(List.of(
                                new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("orders")
                                        .setPartitionIndexes(List.of(0)))))));
        return response.groups().get(0);
    }

    private void assertRefused(ConsumerGroupHeartbeatRequestData request, String text) throws Exception {
        ConsumerGroupHeartbeatResponseData answer = send(request, (short) 1);
        assertThat(answer.errorCode()).as(text).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(answer.errorMessage()).isEqualTo(text);
    }

    private static ConsumerGroupHeartbeatRequestData join(String group, String member) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(member).setMemberEpoch(0)
                .setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of("orders")).setTopicPartitions(List.of());
    }

    private static ConsumerGroupHeartbeatRequestData beat(String group, String member, int epoch,
                                                          List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(member).setMemberEpoch(epoch)
                .setRebalanceTimeoutMs(-1).setSubscribedTopicNames(null).setTopicPartitions(owned);
    }

    private ConsumerGroupHeartbeatResponseData send(ConsumerGroupHeartbeatRequestData request, short version)
            throws Exception {
        return (ConsumerGroupHeartbeatResponseData) handle(heartbeat, version, request);
    }

    private ListGroupsResponseData listGroups(List<String> types) throws Exception {
        return (ListGroupsResponseData) handle(new ListGroupsHandler(groups), (short) 5,
                new ListGroupsRequestData().setTypesFilter(types));
    }

    private ApiMessage handle(ApiHandler handler, short version, ApiMessage request) throws Exception {
        RequestContext context = new RequestContext(version, 1, "test", "test", System.currentTimeMillis(), eventLoop);
        return handler.handle(context, request).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
