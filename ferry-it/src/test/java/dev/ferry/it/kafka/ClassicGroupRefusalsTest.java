package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.RawKafkaClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
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
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the classic group protocol refuses what a member should not send: the error each of
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetCommit answers, sent as raw requests
 * (a real consumer never sends most of them). Every expected code was first seen from Kafka 4.3.1:
 * {@code -Dferry.it.kafka=HOST:PORT} runs the class against a Kafka broker (its
 * {@code group.initial.rebalance.delay.ms} may be anything: the tests wait for it).
 */
class ClassicGroupRefusalsTest extends KafkaTestBase {
    private static final Duration JOIN_WAIT = Duration.ofSeconds(30);
    private static final short JOIN_VERSION = 9;
    private static final short SYNC_VERSION = 5;
    private static final short HEARTBEAT_VERSION = 4;
    private static final short LEAVE_VERSION = 5;
    private static final short COMMIT_VERSION = 9;

    private RawKafkaClient raw;
    private String topic;
    private String group;

    @BeforeEach
    void setUp() throws Exception {
        topic = unique("classic-refusals");
        group = unique("classic-refusals-group");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        raw = connect();
        // As a client does first: a broker may still be making its offsets topic (Kafka answers
        // NOT_COORDINATOR to group requests until then).
        await().atMost(JOIN_WAIT).until(() -> Errors.forCode(raw.exchange(ApiKeys.FIND_COORDINATOR, (short) 4,
                new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of(group)),
                new FindCoordinatorResponseData()).coordinators().get(0).errorCode()) == Errors.NONE);
    }

    private static RawKafkaClient connect() throws Exception {
        String bootstrap = bootstrap();
        return new RawKafkaClient(bootstrap.substring(0, bootstrap.lastIndexOf(':')), bootstrapPort());
    }

    @AfterEach
    void disconnect() throws Exception {
        raw.close();
    }

    @Test
    void shouldRefuseJoinsAsKafkaDoes() throws Exception {
        assertThat(joinError(joining("").setMemberId(""))).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(joinError(joining(group).setSessionTimeoutMs(1))).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(joinError(joining(group).setSessionTimeoutMs(1_800_001))).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(joinError(joining(group).setProtocols(new JoinGroupRequestProtocolCollection())))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(joinError(joining(group).setProtocolType(""))).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(joinError(joining(group).setMemberId("made-up"))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        String leader = joinAndSync();
        // Once the group has a protocol, a member of another type or with no protocol in common is refused.
        assertThat(joinError(joining(group).setProtocolType("connect"))).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(joinError(joining(group).setProtocols(protocols("roundrobin"))))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(joinError(joining(group).setMemberId("made-up"))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat(group, 1, leader)).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldRefuseSyncsAsKafkaDoes() throws Exception {
        String member = memberId();
        JoinGroupResponseData joined = join(joining(group).setMemberId(member));
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        int generation = joined.generationId();

        // Joined, not yet synced: heartbeats are answered, commits wait for the rebalance's end.
        assertThat(heartbeat(group, generation, member)).isEqualTo(Errors.NONE);
        assertThat(commit(group, generation, member)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

        assertThat(sync(syncing(group, generation + 1, member))).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(sync(syncing(group, generation, member).setProtocolType("connect")))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(sync(syncing(group, generation, member).setProtocolName("roundrobin")))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(sync(syncing(group, generation, "made-up"))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(sync(syncing(unique("no-such-group"), generation, member))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(sync(syncing("", generation, member))).isEqualTo(Errors.INVALID_GROUP_ID);
        // None of those took the member's place: its own sync completes the rebalance.
        assertThat(sync(syncing(group, generation, member))).isEqualTo(Errors.NONE);
        assertThat(commit(group, generation, member)).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldRefuseHeartbeatsAndCommitsAsKafkaDoes() throws Exception {
        String member = joinAndSync();
        assertThat(heartbeat(group, 1, "made-up")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat(group, 2, member)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(heartbeat(group, 0, member)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(heartbeat(unique("no-such-group"), 1, member)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat("", 1, member)).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(heartbeat(group, 1, member)).isEqualTo(Errors.NONE);

        assertThat(commit(group, 2, member)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(commit(group, 1, "made-up")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(commit(group, -1, "")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(commit(group, 1, member)).isEqualTo(Errors.NONE);

        // A second member joining starts a rebalance: the first hears of it at its next heartbeat
        // and may still commit at the group's generation until it joins again.
        String second = memberId();
        try (RawKafkaClient joiner = connect()) {
            int pendingJoin = joiner.send(ApiKeys.JOIN_GROUP, JOIN_VERSION, joining(group).setMemberId(second));
            await().atMost(JOIN_WAIT).until(() -> heartbeat(group, 1, member) == Errors.REBALANCE_IN_PROGRESS);
            assertThat(commit(group, 1, member)).isEqualTo(Errors.NONE);
            // So may the joining member: it is in the group, and the generation is the group's.
            assertThat(commit(group, 1, second)).isEqualTo(Errors.NONE);
            // The first member joining again completes the rebalance, for both.
            JoinGroupResponseData rejoined = join(joining(group).setMemberId(member));
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

        LeaveGroupResponseData mixed = leave(group, new MemberIdentity().setMemberId("made-up"),
                new MemberIdentity().setMemberId("").setGroupInstanceId("no-such-instance"));
        assertThat(Errors.forCode(mixed.errorCode())).isEqualTo(Errors.NONE);
        assertThat(mixed.members()).extracting(outcome -> Errors.forCode(outcome.errorCode()))
                .containsExactly(Errors.UNKNOWN_MEMBER_ID, Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat(group, 1, member)).isEqualTo(Errors.NONE);

        // The group cannot be deleted while it has a member; one that does not exist is not found.
        assertThat(deleteGroup(group)).isEqualTo(Errors.NON_EMPTY_GROUP);
        assertThat(deleteGroup(unique("no-such-group"))).isEqualTo(Errors.GROUP_ID_NOT_FOUND);

        LeaveGroupResponseData left = leave(group, new MemberIdentity().setMemberId(member));
        assertThat(Errors.forCode(left.errorCode())).isEqualTo(Errors.NONE);
        assertThat(left.members()).singleElement().satisfies(outcome ->
                assertThat(Errors.forCode(outcome.errorCode())).isEqualTo(Errors.NONE));
        assertThat(heartbeat(group, 1, member)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        DescribeGroupsResponseData described = raw.exchange(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                new DescribeGroupsRequestData().setGroups(List.of(group)), new DescribeGroupsResponseData());
        assertThat(described.groups()).singleElement().satisfies(description -> {
            assertThat(description.groupState()).isEqualTo("Empty");
            assertThat(description.members()).isEmpty();
        });
        assertThat(deleteGroup(group)).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldFenceALeaveInAStaticMembersNameWithAnotherMemberId() throws Exception {
        JoinGroupRequestData staticJoin = joining(group).setMemberId("").setGroupInstanceId("instance-1");
        JoinGroupResponseData joined = join(staticJoin);
        // A static member gets its member id at once, without MEMBER_ID_REQUIRED.
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        String member = joined.memberId();
        assertThat(sync(syncing(group, joined.generationId(), member).setGroupInstanceId("instance-1")))
                .isEqualTo(Errors.NONE);

        LeaveGroupResponseData fenced = leave(group,
                new MemberIdentity().setMemberId("made-up").setGroupInstanceId("instance-1"));
        assertThat(Errors.forCode(fenced.errorCode())).isEqualTo(Errors.NONE);
        assertThat(fenced.members()).singleElement().satisfies(outcome ->
                assertThat(Errors.forCode(outcome.errorCode())).isEqualTo(Errors.FENCED_INSTANCE_ID));
        assertThat(heartbeat(group, joined.generationId(), member)).isEqualTo(Errors.NONE);

        // Leaving by instance id alone (what the admin client's removeMembersFromConsumerGroup sends) is taken.
        LeaveGroupResponseData removed = leave(group, new MemberIdentity().setGroupInstanceId("instance-1"));
        assertThat(removed.members()).singleElement().satisfies(outcome ->
                assertThat(Errors.forCode(outcome.errorCode())).isEqualTo(Errors.NONE));
        assertThat(heartbeat(group, joined.generationId(), member)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
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

    /** Joins {@link #group} with a member of its own, syncs as the leader and returns its member id (generation 1). */
    private String joinAndSync() throws Exception {
        String member = memberId();
        JoinGroupResponseData joined = join(joining(group).setMemberId(member));
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        assertThat(joined.generationId()).isEqualTo(1);
        assertThat(joined.leader()).isEqualTo(member);
        assertThat(sync(syncing(group, 1, member))).isEqualTo(Errors.NONE);
        return member;
    }

    /** A member id as the broker gives one: a join without one answers MEMBER_ID_REQUIRED with it. */
    private String memberId() throws Exception {
        JoinGroupResponseData answer = join(joining(group).setMemberId(""));
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
}
