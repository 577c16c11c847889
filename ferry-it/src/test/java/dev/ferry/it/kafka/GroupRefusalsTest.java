package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.RawKafkaClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * How the group protocols refuse what a member should not send, as raw requests (a real consumer
 * never sends most of them): the error each of the classic protocol's JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup and OffsetCommit answers, and ConsumerGroupHeartbeat's (KIP-848) to
 * malformed heartbeats, static members in each other's way and leaves in someone else's name. Every expected code was first seen from Kafka 4.3.1:
 * {@code -Dferry.it.kafka=HOST:PORT} runs the class against a Kafka broker (its
 * {@code group.initial.rebalance.delay.ms} may be anything: the tests wait for it).
 */
class GroupRefusalsTest extends RawRequestTestBase {
    private static final Duration JOIN_WAIT = Duration.ofSeconds(30);
    private static final short JOIN_VERSION = 9;
    private static final short SYNC_VERSION = 5;
    private static final short HEARTBEAT_VERSION = 4;
    private static final short LEAVE_VERSION = 5;
    private static final short COMMIT_VERSION = 9;

    @Override
    protected byte keyType() {
        return GROUP_KEY;
    }

    @Test
    void shouldRefuseJoinsAsKafkaDoes() throws Exception {
        assertThat(joinError(joining("").setMemberId(""))).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(joinError(joining(key).setSessionTimeoutMs(1))).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(joinError(joining(key).setSessionTimeoutMs(1_800_001))).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(joinError(joining(key).setProtocols(new JoinGroupRequestProtocolCollection())))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(joinError(joining(key).setProtocolType(""))).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(joinError(joining(key).setMemberId("made-up"))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        String leader = joinAndSync();
        // Once the group has a protocol, a member of another type or with no protocol in common is refused.
        assertThat(joinError(joining(key).setProtocolType("connect"))).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(joinError(joining(key).setProtocols(protocols("roundrobin"))))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(joinError(joining(key).setMemberId("made-up"))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat(key, 1, leader)).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldRefuseSyncsAsKafkaDoes() throws Exception {
        String member = memberId();
        JoinGroupResponseData joined = join(joining(key).setMemberId(member));
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        int generation = joined.generationId();

        // Joined, not yet synced: heartbeats are answered, commits wait for the rebalance's end.
        assertThat(heartbeat(key, generation, member)).isEqualTo(Errors.NONE);
        assertThat(commit(key, generation, member)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

        assertThat(sync(syncing(key, generation + 1, member))).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(sync(syncing(key, generation, member).setProtocolType("connect")))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(sync(syncing(key, generation, member).setProtocolName("roundrobin")))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(sync(syncing(key, generation, "made-up"))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(sync(syncing(unique("no-such-group"), generation, member))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(sync(syncing("", generation, member))).isEqualTo(Errors.INVALID_GROUP_ID);
        // None of those took the member's place: its own sync completes the rebalance.
        assertThat(sync(syncing(key, generation, member))).isEqualTo(Errors.NONE);
        assertThat(commit(key, generation, member)).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldRefuseHeartbeatsAndCommitsAsKafkaDoes() throws Exception {
        String member = joinAndSync();
        assertThat(heartbeat(key, 1, "made-up")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat(key, 2, member)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(heartbeat(key, 0, member)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(heartbeat(unique("no-such-group"), 1, member)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat("", 1, member)).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(heartbeat(key, 1, member)).isEqualTo(Errors.NONE);

        assertThat(commit(key, 2, member)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(commit(key, 1, "made-up")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(commit(key, -1, "")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(commit(key, 1, member)).isEqualTo(Errors.NONE);

        // A second member joining starts a rebalance: the first hears of it at its next heartbeat
        // and may still commit at the group's generation until it joins again.
        String second = memberId();
        try (RawKafkaClient joiner = connectRaw()) {
            int pendingJoin = joiner.send(ApiKeys.JOIN_GROUP, JOIN_VERSION, joining(key).setMemberId(second));
            await().atMost(JOIN_WAIT).until(() -> heartbeat(key, 1, member) == Errors.REBALANCE_IN_PROGRESS);
            assertThat(commit(key, 1, member)).isEqualTo(Errors.NONE);
            // So may the joining member: it is in the group, and the generation is the group's.
            assertThat(commit(key, 1, second)).isEqualTo(Errors.NONE);
            // The first member joining again completes the rebalance, for both.
            JoinGroupResponseData rejoined = join(joining(key).setMemberId(member));
            assertThat(Errors.forCode(rejoined.errorCode())).isEqualTo(Errors.NONE);
            assertThat(rejoined.generationId()).isEqualTo(2);
            JoinGroupResponseData secondJoined = joiner.receive(ApiKeys.JOIN_GROUP, JOIN_VERSION, pendingJoin,
                    new JoinGroupResponseData());
            assertThat(Errors.forCode(secondJoined.errorCode())).isEqualTo(Errors.NONE);
            assertThat(secondJoined.generationId()).isEqualTo(2);
        }
    }

    @Test
    void shouldRefuseLeavesAsKafkaDoes() throws Exception {
        String member = joinAndSync();
        LeaveGroupResponseData unknownGroup = leave(unique("no-such-group"), new MemberIdentity().setMemberId(member));
        LeaveGroupResponseData emptyName = leave("", new MemberIdentity().setMemberId(member));
        assertThat(Errors.forCode(emptyName.errorCode())).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(Errors.forCode(unknownGroup.errorCode())).isEqualTo(Errors.NONE);
        assertThat(unknownGroup.members()).singleElement().satisfies(outcome ->
                assertThat(Errors.forCode(outcome.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID));

        LeaveGroupResponseData mixed = leave(key, new MemberIdentity().setMemberId("made-up"),
                new MemberIdentity().setMemberId("").setGroupInstanceId("no-such-instance"));
        assertThat(Errors.forCode(mixed.errorCode())).isEqualTo(Errors.NONE);
        assertThat(mixed.members()).extracting(outcome -> Errors.forCode(outcome.errorCode()))
                .containsExactly(Errors.UNKNOWN_MEMBER_ID, Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat(key, 1, member)).isEqualTo(Errors.NONE);

        // The group cannot be deleted while it has a member; one that does not exist is not found.
        assertThat(deleteGroup(key)).isEqualTo(Errors.NON_EMPTY_GROUP);
        assertThat(deleteGroup(unique("no-such-group"))).isEqualTo(Errors.GROUP_ID_NOT_FOUND);

        LeaveGroupResponseData left = leave(key, new MemberIdentity().setMemberId(member));
        assertThat(Errors.forCode(left.errorCode())).isEqualTo(Errors.NONE);
        assertThat(left.members()).singleElement().satisfies(outcome ->
                assertThat(Errors.forCode(outcome.errorCode())).isEqualTo(Errors.NONE));
        assertThat(heartbeat(key, 1, member)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        DescribeGroupsResponseData described = raw.exchange(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                new DescribeGroupsRequestData().setGroups(List.of(key)), new DescribeGroupsResponseData());
        assertThat(described.groups()).singleElement().satisfies(description -> {
            assertThat(description.groupState()).isEqualTo("Empty");
            assertThat(description.members()).isEmpty();
        });
        assertThat(deleteGroup(key)).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldFenceALeaveInAStaticMembersNameWithAnotherMemberId() throws Exception {
        JoinGroupRequestData staticJoin = joining(key).setMemberId("").setGroupInstanceId("instance-1");
        JoinGroupResponseData joined = join(staticJoin);
        // A static member gets its member id at once, without MEMBER_ID_REQUIRED.
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        String member = joined.memberId();
        assertThat(sync(syncing(key, joined.generationId(), member).setGroupInstanceId("instance-1")))
                .isEqualTo(Errors.NONE);

        LeaveGroupResponseData fenced = leave(key,
                new MemberIdentity().setMemberId("made-up").setGroupInstanceId("instance-1"));
        assertThat(Errors.forCode(fenced.errorCode())).isEqualTo(Errors.NONE);
        assertThat(fenced.members()).singleElement().satisfies(outcome ->
                assertThat(Errors.forCode(outcome.errorCode())).isEqualTo(Errors.FENCED_INSTANCE_ID));
        assertThat(heartbeat(key, joined.generationId(), member)).isEqualTo(Errors.NONE);

        // Leaving by instance id alone (what the admin client's removeMembersFromConsumerGroup sends) is taken.
        LeaveGroupResponseData removed = leave(key, new MemberIdentity().setGroupInstanceId("instance-1"));
        assertThat(removed.members()).singleElement().satisfies(outcome ->
                assertThat(Errors.forCode(outcome.errorCode())).isEqualTo(Errors.NONE));
        assertThat(heartbeat(key, joined.generationId(), member)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void shouldKeepOffsetsCommittedUnderTheEmptyGroupId() throws Exception {
        // Kafka takes commits, fetches, descriptions and deletions of the group named "" (which
        // nothing can join), for clients that stored offsets without a group.
        assertThat(commit("", -1, "")).isEqualTo(Errors.NONE);
        // A generation names a member, and the group has none.
        assertThat(commit("", 0, "")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        OffsetFetchResponseData fetched = raw.exchange(ApiKeys.OFFSET_FETCH, (short) 7,
                new OffsetFetchRequestData().setGroupId("").setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic()
                        .setName(topic).setPartitionIndexes(List.of(0)))), new OffsetFetchResponseData());
        assertThat(Errors.forCode(fetched.errorCode())).isEqualTo(Errors.NONE);
        assertThat(fetched.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(1);
        DescribeGroupsResponseData described = raw.exchange(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                new DescribeGroupsRequestData().setGroups(List.of("")), new DescribeGroupsResponseData());
        assertThat(described.groups()).singleElement().satisfies(description -> {
            assertThat(Errors.forCode(description.errorCode())).isEqualTo(Errors.NONE);
            assertThat(description.groupState()).isEqualTo("Empty");
        });
        assertThat(deleteGroup("")).isEqualTo(Errors.NONE);
        assertThat(deleteGroup("")).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(commit("", 0, "")).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    }

    @Test
    void shouldRefuseOffsetDeletesOfAGroupThatDoesNotExistWhole() throws Exception {
        OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection topics =
                new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
        topics.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(topic).setPartitions(List.of(
                new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0),
                new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(9))));
        OffsetDeleteResponseData missing = raw.exchange(ApiKeys.OFFSET_DELETE, (short) 0, new OffsetDeleteRequestData()
                .setGroupId(key).setTopics(topics.duplicate()), new OffsetDeleteResponseData());
        assertThat(Errors.forCode(missing.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(missing.topics()).as("no partition named").isEmpty();

        assertThat(commit(key, -1, "")).isEqualTo(Errors.NONE);
        OffsetDeleteResponseData deleted = raw.exchange(ApiKeys.OFFSET_DELETE, (short) 0, new OffsetDeleteRequestData()
                .setGroupId(key).setTopics(topics), new OffsetDeleteResponseData());
        assertThat(Errors.forCode(deleted.errorCode())).isEqualTo(Errors.NONE);
        assertThat(deleted.topics().find(topic).partitions()).extracting(
                partition -> partition.partitionIndex() + " " + Errors.forCode(partition.errorCode()))
                .containsExactlyInAnyOrder("0 NONE", "9 UNKNOWN_TOPIC_OR_PARTITION");
    }

    /** Joins the test's group ({@link #key}) with a member of its own, syncs as the leader and returns its member id (generation 1). */
    private String joinAndSync() throws Exception {
        String member = memberId();
        JoinGroupResponseData joined = join(joining(key).setMemberId(member));
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        assertThat(joined.generationId()).isEqualTo(1);
        assertThat(joined.leader()).isEqualTo(member);
        assertThat(sync(syncing(key, 1, member))).isEqualTo(Errors.NONE);
        return member;
    }

    /** A member id as the broker gives one: a join without one answers MEMBER_ID_REQUIRED with it. */
    private String memberId() throws Exception {
        JoinGroupResponseData answer = join(joining(key).setMemberId(""));
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(answer.memberId()).isNotEmpty();
        return answer.memberId();
    }

    private JoinGroupRequestData joining(String groupId) {
        return new JoinGroupRequestData().setGroupId(groupId).setMemberId("").setSessionTimeoutMs(30_000)
                .setRebalanceTimeoutMs(30_000).setProtocolType("consumer").setProtocols(protocols("range"));
    }

    private JoinGroupRequestProtocolCollection protocols(String name) {
        ByteBuffer subscription = ConsumerProtocol.serializeSubscription(new Subscription(List.of(topic)));
        byte[] metadata = new byte[subscription.remaining()];
        subscription.get(metadata);
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName(name).setMetadata(metadata));
        return protocols;
    }

    private static SyncGroupRequestData syncing(String groupId, int generation, String memberId) {
        return new SyncGroupRequestData().setGroupId(groupId).setGenerationId(generation).setMemberId(memberId)
                .setProtocolType("consumer").setProtocolName("range")
                .setAssignments(List.of(new SyncGroupRequestAssignment().setMemberId(memberId)
                        .setAssignment(new byte[0])));
    }

    private JoinGroupResponseData join(JoinGroupRequestData request) throws Exception {
        return raw.exchange(ApiKeys.JOIN_GROUP, JOIN_VERSION, request, new JoinGroupResponseData());
    }

    private Errors joinError(JoinGroupRequestData request) throws Exception {
        return Errors.forCode(join(request).errorCode());
    }

    private Errors sync(SyncGroupRequestData request) throws Exception {
        return Errors.forCode(raw.exchange(ApiKeys.SYNC_GROUP, SYNC_VERSION, request, new SyncGroupResponseData())
                .errorCode());
    }

    private Errors heartbeat(String groupId, int generation, String memberId) throws Exception {
        HeartbeatRequestData request = new HeartbeatRequestData().setGroupId(groupId).setGenerationId(generation)
                .setMemberId(memberId);
        return Errors.forCode(raw.exchange(ApiKeys.HEARTBEAT, HEARTBEAT_VERSION, request,
                new HeartbeatResponseData()).errorCode());
    }

    /** An OffsetCommit of partition 0 of {@link #topic}; the partition's error, or the request's when it has no topics back. */
    private Errors commit(String groupId, int generation, String memberId) throws Exception {
        OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId(groupId)
                .setGenerationIdOrMemberEpoch(generation).setMemberId(memberId)
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic)
                        .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                .setPartitionIndex(0).setCommittedOffset(1)))));
        OffsetCommitResponseData response = raw.exchange(ApiKeys.OFFSET_COMMIT, COMMIT_VERSION, request,
                new OffsetCommitResponseData());
        return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
    }

    private LeaveGroupResponseData leave(String groupId, MemberIdentity... members) throws Exception {
        return raw.exchange(ApiKeys.LEAVE_GROUP, LEAVE_VERSION,
                new LeaveGroupRequestData().setGroupId(groupId).setMembers(List.of(members)),
                new LeaveGroupResponseData());
    }

    private Errors deleteGroup(String groupId) throws Exception {
        DeleteGroupsResponseData response = raw.exchange(ApiKeys.DELETE_GROUPS, (short) 2,
                new DeleteGroupsRequestData().setGroupsNames(List.of(groupId)), new DeleteGroupsResponseData());
        return Errors.forCode(response.results().iterator().next().errorCode());
    }

    // ---------------------------------------------------------------- the consumer protocol (KIP-848)

    @Test
    void shouldRefuseMalformedHeartbeatsWithKafkasTexts() throws Exception {
        assertRefused(joiningConsumerGroup().setGroupId(""), "GroupId can't be empty.");
        assertRefused(joiningConsumerGroup().setInstanceId(""), "InstanceId can't be empty.");
        assertRefused(joiningConsumerGroup().setRackId(""), "RackId can't be empty.");
        assertRefused(joiningConsumerGroup().setRebalanceTimeoutMs(-1), "RebalanceTimeoutMs must be provided in first request.");
        assertRefused(joiningConsumerGroup().setTopicPartitions(null), "TopicPartitions must be empty when (re-)joining.");
        assertRefused(joiningConsumerGroup().setSubscribedTopicNames(null),
                "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.");
        assertRefused(joiningConsumerGroup().setMemberEpoch(-2), "InstanceId can't be null.");
        assertRefused(joiningConsumerGroup().setMemberEpoch(-3), "MemberEpoch is invalid.");

        ConsumerGroupHeartbeatResponseData badPattern = heartbeat(joiningConsumerGroup().setSubscribedTopicNames(null)
                .setSubscribedTopicRegex("["));
        assertThat(Errors.forCode(badPattern.errorCode())).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION);
        // None of these made a group.
        ConsumerGroupHeartbeatResponseData unknown = heartbeat(new ConsumerGroupHeartbeatRequestData()
                .setGroupId(key).setMemberId(Uuid.randomUuid().toString()).setMemberEpoch(3));
        assertThat(Errors.forCode(unknown.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(unknown.errorMessage()).isEqualTo("Consumer group " + key + " not found.");
    }

    @Test
    void shouldKeepAStaticMembersPlaceFromOthersUntilItLeavesForAWhile() throws Exception {
        ConsumerGroupHeartbeatRequestData first = joiningConsumerGroup().setInstanceId("instance-1");
        ConsumerGroupHeartbeatResponseData joined = heartbeat(first);
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        int epoch = joined.memberEpoch();

        // Another member with the same instance id while the first is in the group.
        ConsumerGroupHeartbeatRequestData second = joiningConsumerGroup().setInstanceId("instance-1");
        ConsumerGroupHeartbeatResponseData taken = heartbeat(second);
        assertThat(Errors.forCode(taken.errorCode())).isEqualTo(Errors.UNRELEASED_INSTANCE_ID);
        assertThat(taken.errorMessage()).isEqualTo("Static member " + second.memberId() + " with instance id instance-1"
                + " cannot join the group because the instance id is owned by " + first.memberId() + " member.");
        // Leaving in the static member's name with another member id is fenced; with an instance
        // id the group does not have, the member is unknown.
        String fencedId = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData fenced = heartbeat(leaving(fencedId, -2).setInstanceId("instance-1"));
        assertThat(Errors.forCode(fenced.errorCode())).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(fenced.errorMessage()).isEqualTo("Static member " + fencedId + " with instance id instance-1"
                + " was fenced by member " + first.memberId() + ".");
        ConsumerGroupHeartbeatResponseData fencedForGood = heartbeat(leaving(fencedId, -1).setInstanceId("instance-1"));
        assertThat(Errors.forCode(fencedForGood.errorCode())).isEqualTo(Errors.FENCED_INSTANCE_ID);
        ConsumerGroupHeartbeatResponseData nobody = heartbeat(leaving(Uuid.randomUuid().toString(), -2)
                .setInstanceId("instance-2"));
        assertThat(Errors.forCode(nobody.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(nobody.errorMessage()).isEqualTo("Instance id instance-2 is unknown.");
        ConsumerGroupHeartbeatResponseData nobodyForGood = heartbeat(leaving(Uuid.randomUuid().toString(), -1)
                .setInstanceId("instance-2"));
        assertThat(Errors.forCode(nobodyForGood.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        String unknownId = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData unknownLeave = heartbeat(leaving(unknownId, -1));
        assertThat(Errors.forCode(unknownLeave.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(unknownLeave.errorMessage()).isEqualTo("Member " + unknownId + " is not a member of group "
                + key + ".");

        // The first member is untouched: a heartbeat at its epoch is answered.
        ConsumerGroupHeartbeatResponseData alive = heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId(key)
                .setMemberId(first.memberId()).setMemberEpoch(epoch));
        assertThat(Errors.forCode(alive.errorCode())).isEqualTo(Errors.NONE);

        // Once it leaves for a while (epoch -2), the same instance id comes back under a new member id.
        ConsumerGroupHeartbeatResponseData away = heartbeat(leaving(first.memberId(), -2).setInstanceId("instance-1"));
        assertThat(Errors.forCode(away.errorCode())).isEqualTo(Errors.NONE);
        assertThat(away.memberEpoch()).isEqualTo(-2);
        ConsumerGroupHeartbeatRequestData successor = joiningConsumerGroup().setInstanceId("instance-1");
        ConsumerGroupHeartbeatResponseData back = heartbeat(successor);
        assertThat(Errors.forCode(back.errorCode())).isEqualTo(Errors.NONE);
        assertThat(back.memberEpoch()).isEqualTo(epoch);
        ConsumerGroupHeartbeatResponseData old = heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId(key)
                .setMemberId(first.memberId()).setMemberEpoch(epoch));
        assertThat(Errors.forCode(old.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    private void assertRefused(ConsumerGroupHeartbeatRequestData request, String text) throws Exception {
        ConsumerGroupHeartbeatResponseData answer = heartbeat(request);
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(answer.errorMessage()).isEqualTo(text);
    }

    /** A first ConsumerGroupHeartbeat (epoch 0) of a new member subscribing to {@link #topic}. */
    private ConsumerGroupHeartbeatRequestData joiningConsumerGroup() {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(key).setMemberId(Uuid.randomUuid().toString())
                .setMemberEpoch(0).setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of(topic))
                .setTopicPartitions(List.of());
    }

    private ConsumerGroupHeartbeatRequestData leaving(String memberId, int epoch) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(key).setMemberId(memberId).setMemberEpoch(epoch);
    }

    private ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroupHeartbeatRequestData request) throws Exception {
        return raw.exchange(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1, request,
                new ConsumerGroupHeartbeatResponseData());
    }
}
