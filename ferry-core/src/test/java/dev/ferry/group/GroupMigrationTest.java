package dev.ferry.group;

import static dev.ferry.group.GroupHarness.GROUP;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.ConsumerHeartbeat;
import dev.ferry.group.GroupResult.ConsumerHeartbeatResult;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.SyncResult;

/**
 * KIP-848's online migration through {@link Groups#apply}: a classic group with members turns into
 * a consumer-protocol group when a consumer-protocol member joins it, its classic members then
 * assigned by the broker through JoinGroup and SyncGroup; and back when the last consumer-protocol
 * member leaves. The client's formats are a readable stand-in here ({@link #TEXT}); the Kafka
 * front's are checked with real clients in ferry-it.
 */
class GroupMigrationTest {
    /**
     * Subscription metadata "topic,topic|owned,owned" (owned partitions as topic-N); an assignment
     * "topic-N,topic-N", with "+data" after it when an assignor added data of its own.
     */
    static final ConsumerProtocolFormat TEXT = new ConsumerProtocolFormat() {
        @Override
        public Optional<Subscription> subscription(byte[] metadata) {
            String text = new String(metadata, StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            if (bar < 0) {
                return Optional.empty();
            }
            List<String> topics = text.substring(0, bar).isEmpty() ? List.of()
                    : Arrays.asList(text.substring(0, bar).split(","));
            return Optional.of(new Subscription(topics, partitions(text.substring(bar + 1)), null));
        }

        @Override
        public Optional<Assignment> assignment(byte[] assignment) {
            String text = new String(assignment, StandardCharsets.UTF_8);
            boolean userData = text.endsWith("+data");
            return Optional.of(new Assignment(partitions(userData ? text.substring(0, text.length() - 5) : text),
                    userData));
        }

        @Override
        public byte[] assignmentBytes(List<PartitionRef> partitions, byte[] subscription) {
            List<String> names = new ArrayList<>();
            for (PartitionRef partition : partitions) {
                names.add(partition.topic() + "-" + partition.partition());
            }
            return String.join(",", names).getBytes(StandardCharsets.UTF_8);
        }
    };

    private final SortedMap<String, Integer> topics = new TreeMap<>(Map.of("orders", 4));
    private GroupHarness harness = harness(MigrationPolicy.BIDIRECTIONAL);
    private final Map<String, Integer> generations = new HashMap<>();

    private static GroupHarness harness(MigrationPolicy policy) {
        return harness(GroupConfig.defaults().withMigrationPolicy(policy));
    }

    private static GroupHarness harness(GroupConfig config) {
        GroupHarness harness = new GroupHarness(config.withInitialRebalanceDelayMs(0).withSubscriptions(TEXT));
        // Each change assigned by the request that made it, so that each step's answer shows it.
        harness.apply(new GroupCommand.AlterConfigs(harness.nextRequest(), GROUP,
                Map.of("consumer.assignment.interval.ms", "0"), false, 0));
        return harness;
    }

    /** A stable classic group: members a and b (the leader), a given orders 0-1, b orders 2-3. */
    @BeforeEach
    void classicGroup() {
        startClassicGroup();
    }

    private void startClassicGroup() {
        String a = harness.newMember(protocols("orders|"));
        String b = harness.newMember(protocols("orders|"));
        harness.completeRebalance();
        assertThat(harness.group().generationId()).isEqualTo(1);
        String leader = harness.group().leaderId();
        harness.sync(leader, 1, Map.of(a, bytes("orders-0,orders-1"), b, bytes("orders-2,orders-3")));
        harness.sync(leader.equals(a) ? b : a, 1, Map.of());
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        generations.put(a, 1);
        generations.put(b, 1);
        classicA = a;
        classicB = b;
    }

    private String classicA;
    private String classicB;

    @Test
    void shouldTurnAClassicGroupIntoAConsumerGroupWhenAConsumerProtocolMemberJoins() {
        ConsumerHeartbeatResult joined = consumerJoin("c");

        assertThat(joined.error()).as(joined.errorMessage()).isNull();
        assertThat(joined.memberEpoch()).isEqualTo(2);
        assertThat(joined.assignment()).as("every partition is still held by a classic member").isEmpty();
        assertThat(listing().type()).isEqualTo(GroupListing.CONSUMER);
        ConsumerGroupDescription group = describe();
        assertThat(group.groupEpoch()).isEqualTo(2);
        assertThat(member(classicA).classic()).isTrue();
        assertThat(member(classicA).memberEpoch()).as("the classic generation as its epoch").isEqualTo(1);
        assertThat(member(classicA).assignment()).containsExactlyElementsOf(orders(0, 1));
        assertThat(member(classicB).assignment()).containsExactlyElementsOf(orders(2, 3));
        assertThat(member("c").classic()).isFalse();
        assertThat(member("c").targetAssignment()).isNotEmpty();
        // DescribeGroups no longer knows it: it is a consumer group now.
        assertThat(harness.groups.describe(GROUP)).isEmpty();
    }

    @Test
    void shouldHandTheClassicMembersTheirShareThroughJoinAndSync() {
        consumerJoin("c");
        assertThat(classicHeartbeat(classicA)).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);

        // An eager client gave everything up before joining again (it owns nothing).
        JoinResult rejoined = classicJoin(classicA, "orders|");
        assertThat(rejoined.error()).isNull();
        assertThat(rejoined.generationId()).isEqualTo(2);
        assertThat(rejoined.leaderId()).as("no leader: the broker assigns").isEmpty();
        assertThat(rejoined.members()).isEmpty();
        assertThat(rejoined.protocolName()).isEqualTo("range");
        assertThat(rejoined.protocolType()).isEqualTo("consumer");
        SyncResult synced = classicSync(classicA, 2, "range");
        assertThat(synced.error()).isNull();
        assertThat(partitions(new String(synced.assignment(), StandardCharsets.UTF_8)))
                .containsExactlyElementsOf(member(classicA).targetAssignment());
        assertThat(classicHeartbeat(classicA)).isNull();

        classicJoin(classicB, "orders|");
        assertThat(classicSync(classicB, 2, "range").error()).isNull();
        ConsumerHeartbeatResult c = heartbeat("c", 2, List.of());
        assertThat(c.assignment()).containsExactlyElementsOf(member("c").targetAssignment());
        assertThat(describe().state()).isEqualTo(GroupState.STABLE);
        assertNoPartitionHeldTwice();
        assertThat(member(classicA).assignment().size() + member(classicB).assignment().size()
                + member("c").assignment().size()).isEqualTo(4);
    }

    @Test
    void shouldLetACooperativeMemberKeepWhatItOwnsUntilItGivesItUp() {
        consumerJoin("c");
        // The uniform assignor keeps what it can: a gives one partition to c, b keeps both.
        assertThat(member(classicA).targetAssignment()).containsExactlyElementsOf(orders(0));
        assertThat(member("c").targetAssignment()).containsExactlyElementsOf(orders(1));
        List<PartitionRef> lost = orders(1);

        // A cooperative client joins still owning its partitions: it keeps its epoch and is told
        // what it may keep, drops the rest, then joins again.
        JoinResult first = classicJoin(classicA, "orders|orders-0,orders-1");
        SyncResult kept = classicSync(classicA, first.generationId(), "range");
        List<PartitionRef> keptPartitions = partitions(new String(kept.assignment(), StandardCharsets.UTF_8));
        assertThat(keptPartitions).containsExactlyElementsOf(orders(0));
        assertThat(first.generationId()).as("still revoking: its old epoch").isEqualTo(1);
        assertThat(classicHeartbeat(classicA)).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        // Nobody else may have what a still reads.
        assertThat(heartbeat("c", 2, List.of()).assignment()).doesNotContainAnyElementsOf(lost);
        List<String> owned = new ArrayList<>();
        for (PartitionRef partition : keptPartitions) {
            owned.add("orders-" + partition.partition());
        }
        JoinResult second = classicJoin(classicA, "orders|" + String.join(",", owned));
        assertThat(second.generationId()).isEqualTo(2);
        assertThat(classicSync(classicA, 2, "range").error()).isNull();
        assertThat(heartbeat("c", 2, List.of()).assignment()).containsExactlyElementsOf(lost);
        assertNoPartitionHeldTwice();
    }

    @Test
    void shouldAnswerAClassicMemberOutOfStepWithKafkasErrors() {
        consumerJoin("c");

        assertThat(classicHeartbeatAt(classicA, 7)).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(classicHeartbeat("c")).as("a consumer-protocol member on the classic API")
                .isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(classicHeartbeat("nobody")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(classicSync(classicA, 1, "range").error()).as("the group moved past its epoch")
                .isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        classicJoin(classicA, "orders|");
        assertThat(classicSync(classicA, 2, "roundrobin").error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(classicSync(classicA, 3, "range").error()).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        // A protocol no classic member of the group lists is refused.
        long other = harness.nextRequest();
        harness.apply(join(other, "", "newcomer", List.of(new Protocol("roundrobin", bytes("orders|")))));
        assertThat(harness.joinResult(other).error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        // Commits carry the member epoch where the generation was; a wrong one is ILLEGAL_GENERATION.
        assertThat(commit(1, classicA)).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(commit(2, classicA)).isNull();
        // A classic client commits in the versions it knows (below OffsetCommit v9); a consumer-protocol member may not.
        assertThat(commitBelowMemberEpochs(2, classicA)).isNull();
        assertThat(commitBelowMemberEpochs(describe().groupEpoch(), "c")).isEqualTo(ErrorCode.UNSUPPORTED_COMMIT_VERSION);
    }

    private ErrorCode commitBelowMemberEpochs(int generation, String memberId) {
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.CommitOffsets(request, GROUP, generation, memberId, null, List.of(
                new GroupCommand.OffsetToCommit(new PartitionRef("orders", 0), 7, -1, "")), false, harness.nowMs));
        return harness.commitResult(request).partitions().get(0).error();
    }

    @Test
    void shouldTakeANewClassicMemberIntoAConsumerGroup() {
        consumerJoin("c");
        long first = harness.nextRequest();
        harness.apply(join(first, "", "d", protocols("orders|")));
        assertThat(harness.joinResult(first).error()).isEqualTo(ErrorCode.MEMBER_ID_REQUIRED);
        String d = harness.joinResult(first).memberId();

        JoinResult joined = classicJoin(d, "orders|");

        assertThat(joined.error()).isNull();
        assertThat(joined.generationId()).isEqualTo(3);
        assertThat(member(d).classic()).isTrue();
        assertThat(describe().groupEpoch()).isEqualTo(3);
    }

    @Test
    void shouldAnswerParkedClassicRequestsWhenTheGroupTurns() {
        // a joins again (a subscription change): the group prepares a rebalance with a's join parked.
        long parked = harness.nextRequest();
        harness.apply(join(parked, classicA, "client", protocols("orders,audit|")));
        assertThat(harness.answered(parked)).isFalse();

        consumerJoin("c");

        assertThat(harness.joinResult(parked).error()).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        assertThat(listing().type()).isEqualTo(GroupListing.CONSUMER);
    }

    @Test
    void shouldRefuseAnUpgradeTheGroupCannotMake() {
        harness = harness(MigrationPolicy.DOWNGRADE);
        startClassicGroup();
        assertThat(consumerJoin("c").errorMessage())
                .isEqualTo("Cannot upgrade classic group g to consumer group because online upgrade is disabled.");

        harness = harness(MigrationPolicy.BIDIRECTIONAL);
        String a = harness.newMember(protocols("orders|"));
        harness.completeRebalance();
        harness.sync(a, 1, Map.of(a, bytes("orders-0+data")));
        ConsumerHeartbeatResult refused = consumerJoin("c");
        assertThat(refused.error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(refused.errorMessage()).startsWith(
                "Cannot upgrade classic group g to consumer group because an unsupported custom assignor is in use.");

        harness = harness(MigrationPolicy.BIDIRECTIONAL);
        String unreadable = harness.newMember(List.of(new Protocol("range", bytes("no bar here"))));
        harness.completeRebalance();
        harness.sync(unreadable, 1, Map.of());
        assertThat(consumerJoin("c").errorMessage()).isEqualTo(
                "Cannot upgrade classic group g to consumer group because the embedded consumer protocol is malformed.");

        harness = harness(MigrationPolicy.BIDIRECTIONAL);
        long connect = harness.nextRequest();
        harness.apply(new GroupCommand.Join(connect, GROUP, "", "w1", null, "worker", "/h", 10_000, 60_000, "connect",
                List.of(new Protocol("sessioned", bytes("x"))), false, harness.nowMs));
        harness.completeRebalance();
        assertThat(consumerJoin("c").errorMessage()).isEqualTo("Cannot upgrade classic group g to consumer group "
                + "because the group does not use the consumer embedded protocol.");
        assertThat(listing().type()).isEqualTo(GroupListing.CLASSIC);
        // Past its join, a member of another protocol is not a consumer-group member at all.
        assertThat(heartbeat("c", 1, List.of()).errorMessage()).isEqualTo("Group g is not a consumer group.");
    }

    @Test
    void shouldNotUpgradeAClassicGroupLargerThanAConsumerGroupMayBe() {
        harness = harness(GroupConfig.defaults().withMaxSizes(Integer.MAX_VALUE, 1));
        startClassicGroup();

        assertThat(consumerJoin("c").errorMessage()).isEqualTo("Cannot upgrade classic group g to consumer group "
                + "because the group size exceeds the consumer group maximum size.");
        assertThat(listing().type()).isEqualTo(GroupListing.CLASSIC);
        assertThat(classicHeartbeat(classicA)).isNull();
    }

    @Test
    void shouldRefuseTheMemberThatWouldMakeTheUpgradedGroupTooLargeAndStayClassic() {
        harness = harness(GroupConfig.defaults().withMaxSizes(Integer.MAX_VALUE, 2));
        startClassicGroup();

        ConsumerHeartbeatResult refused = consumerJoin("c");

        assertThat(refused.error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        assertThat(refused.errorMessage()).isEqualTo("The consumer group has reached its maximum capacity of 2 members.");
        assertThat(listing().type()).isEqualTo(GroupListing.CLASSIC);
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldRefuseNewMembersOfEitherProtocolOnceTheMixedGroupIsFull() {
        harness = harness(GroupConfig.defaults().withMaxSizes(Integer.MAX_VALUE, 3));
        startClassicGroup();
        assertThat(consumerJoin("c").error()).isNull();

        long newcomer = harness.nextRequest();
        harness.apply(join(newcomer, "", "classic-c", protocols("orders|")));
        assertThat(harness.joinResult(newcomer).error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        assertThat(consumerJoin("d").error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        // The members carry on: a classic one rejoins and is assigned.
        assertThat(classicJoin(classicA, "orders|").error()).isNull();
        assertThat(describe().members()).hasSize(3);
    }

    @Test
    void shouldStayAConsumerGroupWhenItsClassicMembersAreMoreThanAClassicGroupMayHave() {
        harness = harness(GroupConfig.defaults().withMaxSizes(1, Integer.MAX_VALUE));
        assertThat(consumerJoin("c").error()).isNull();
        String d = newClassicMemberOfTheConsumerGroup("d");
        String e = newClassicMemberOfTheConsumerGroup("e");

        heartbeat("c", -1, null);

        assertThat(listing().type()).as("two classic members, one allowed in a classic group")
                .isEqualTo(GroupListing.CONSUMER);
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId)
                .containsExactlyInAnyOrder(d, e);
        // With one of them gone, the other makes a classic group of one.
        long leave = harness.leave(e);
        assertThat(harness.leaveResult(leave).error()).isNull();
        assertThat(listing().type()).isEqualTo(GroupListing.CLASSIC);
    }

    /** A classic member joining the consumer group (MEMBER_ID_REQUIRED, then its join): its member id. */
    private String newClassicMemberOfTheConsumerGroup(String newMemberId) {
        long first = harness.nextRequest();
        harness.apply(join(first, "", newMemberId, protocols("orders|")));
        assertThat(harness.joinResult(first).error()).isEqualTo(ErrorCode.MEMBER_ID_REQUIRED);
        assertThat(classicJoin(newMemberId, "orders|").error()).isNull();
        return newMemberId;
    }

    @Test
    void shouldLeaveTheClassicGroupAsItWasWhenTheJoinItselfIsRefused() {
        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, "c", 0, null, null, 60_000, List.of("orders"), null,
                "no-such-assignor", List.of(), "client-c", "/10.0.0.1", topics, harness.nowMs));

        assertThat(((ConsumerHeartbeatResult) harness.replies.get(request)).error())
                .isEqualTo(ErrorCode.UNSUPPORTED_ASSIGNOR);
        assertThat(listing().type()).isEqualTo(GroupListing.CLASSIC);
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        assertThat(classicHeartbeat(classicA)).isNull();
    }

    @Test
    void shouldTurnClassicAgainWhenTheLastConsumerProtocolMemberLeaves() {
        consumerJoin("c");
        classicJoin(classicA, "orders|");
        classicSync(classicA, 2, "range");
        List<PartitionRef> targetOfA = member(classicA).targetAssignment();

        heartbeat("c", -1, null);

        assertThat(listing().type()).isEqualTo(GroupListing.CLASSIC);
        ClassicGroup group = harness.group();
        assertThat(group.generationId()).as("the group epoch from before c left").isEqualTo(2);
        assertThat(group.protocolName()).isEqualTo("range");
        assertThat(group.state()).as("the classic members rebalance among themselves")
                .isEqualTo(GroupState.PREPARING_REBALANCE);
        GroupMember a = group.members().stream().filter(m -> m.memberId.equals(classicA)).findFirst().orElseThrow();
        assertThat(partitions(new String(a.assignment, StandardCharsets.UTF_8))).containsExactlyElementsOf(targetOfA);
        // They are sent back to JoinGroup and rebalance classically: a leader assigns again. One that
        // had caught up is told to rejoin (a cooperative client keeps its partitions), one behind
        // that its generation is gone.
        assertThat(classicHeartbeatAt(classicA, 2)).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        assertThat(classicHeartbeatAt(classicB, 1)).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        long joinA = harness.nextRequest();
        harness.apply(join(joinA, classicA, "client", protocols("orders|")));
        long joinB = harness.nextRequest();
        harness.apply(join(joinB, classicB, "client", protocols("orders|")));
        JoinResult classicJoin = harness.joinResult(joinA);
        assertThat(classicJoin.generationId()).isEqualTo(3);
        assertThat(classicJoin.leaderId()).isNotEmpty();
        assertThat(harness.groups.describeConsumerGroup(GROUP).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void shouldStayAConsumerGroupWhenDowngradesAreNotAllowed() {
        harness = harness(MigrationPolicy.UPGRADE);
        startClassicGroup();
        consumerJoin("c");

        heartbeat("c", -1, null);

        assertThat(listing().type()).isEqualTo(GroupListing.CONSUMER);
        assertThat(describe().members()).hasSize(2).allSatisfy(member -> assertThat(member.classic()).isTrue());
    }

    @Test
    void shouldFenceAClassicMemberByItsOwnSessionTimeoutAndWhenItDoesNotRejoin() {
        consumerJoin("c");
        // a rejoins and syncs, then falls silent; b heartbeats but never answers the call to rejoin.
        classicJoin(classicA, "orders|");
        classicSync(classicA, 2, "range");
        assertThat(classicHeartbeat(classicB)).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        for (int i = 0; i < 6; i++) {
            harness.nowMs += 5_000;
            heartbeat("c", describe().members().stream().filter(m -> m.memberId().equals("c")).findFirst()
                    .orElseThrow().memberEpoch(), null);
            classicHeartbeat(classicB);
            expire();
        }
        // 30 s: past a's 10 s classic session timeout, within the group's 45 s consumer one.
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId)
                .doesNotContain(classicA).contains(classicB);
        harness.nowMs += GroupHarness.REBALANCE_MS;
        classicHeartbeat(classicB);
        heartbeat("c", member("c").memberEpoch(), null);
        expire();
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId)
                .as("b did not rejoin within its rebalance timeout").containsExactly("c");
    }

    @Test
    void shouldLetLeaveGroupRemoveMembersOfEitherProtocol() {
        consumerJoin("c");
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.Leave(request, GROUP, List.of(new GroupCommand.LeavingMember(classicA, null),
                new GroupCommand.LeavingMember("nobody", null)), harness.nowMs));

        assertThat(harness.leaveResult(request).members()).extracting(GroupResult.MemberOutcome::error)
                .containsExactly(null, ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId)
                .containsExactlyInAnyOrder(classicB, "c");
        assertThat(describe().groupEpoch()).isEqualTo(3);
    }

    @Test
    void shouldRestoreAMigratedGroupFromItsRecords() {
        consumerJoin("c");
        classicJoin(classicA, "orders,audit|");
        classicSync(classicA, member(classicA).memberEpoch(), "range");

        Groups restarted = new Groups(GroupConfig.defaults().withSubscriptions(TEXT));
        for (GroupRecord record : harness.records) {
            restarted.restore(record, harness.nowMs);
        }

        ConsumerGroupDescription before = describe();
        ConsumerGroupDescription after = restarted.describeConsumerGroup(GROUP).group();
        assertThat(after).isEqualTo(before);
        assertThat(restarted.describe(GROUP)).isEmpty();

        // And back: the downgrade's records leave a classic group with the same members.
        heartbeat("c", member("c").memberEpoch(), null);
        heartbeat("c", -1, null);
        Groups again = new Groups(GroupConfig.defaults().withSubscriptions(TEXT));
        for (GroupRecord record : harness.records) {
            again.restore(record, harness.nowMs);
        }
        assertThat(again.describeConsumerGroup(GROUP).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(again.describe(GROUP).orElseThrow().members())
                .extracting(GroupDescription.MemberDescription::memberId)
                .containsExactlyInAnyOrder(classicA, classicB);
    }

    @Test
    void shouldKeepNothingOfTheClassicBooksOnceTheGroupTurned() {
        consumerJoin("c");

        assertThat(harness.group().members()).as("the classic members live in the consumer group now").isEmpty();
        assertThat(harness.group().pendingSyncMemberIds()).isEmpty();
        Groups restarted = new Groups(GroupConfig.defaults().withSubscriptions(TEXT));
        for (GroupRecord record : harness.records) {
            restarted.restore(record, harness.nowMs);
        }
        assertThat(restarted.group(GROUP).members()).isEmpty();
        // Their classic sessions do not run on either: only the consumer group's books count.
        harness.nowMs += GroupHarness.SESSION_MS / 2;
        classicJoin(classicA, "orders|");
        classicJoin(classicB, "orders|");
        heartbeat("c", 2, List.of());
        harness.nowMs += GroupHarness.SESSION_MS / 2 + 1;
        expire();
        assertThat(describe().members()).hasSize(3);
    }

    @Test
    void shouldRefuseAClassicJoinOfAnotherProtocolTypeOrUnreadableMetadata() {
        consumerJoin("c");
        long connect = harness.nextRequest();
        harness.apply(new GroupCommand.Join(connect, GROUP, "", "w", null, "worker", "/h", GroupHarness.SESSION_MS,
                GroupHarness.REBALANCE_MS, "connect", protocols("orders|"), false, topics, harness.nowMs));
        assertThat(harness.joinResult(connect).error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        long unreadable = harness.nextRequest();
        harness.apply(join(unreadable, "", "u", protocols("no bar")));
        assertThat(harness.joinResult(unreadable).error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(describe().members()).hasSize(3);
    }

    @Test
    void shouldFenceAClassicMemberThatJoinsButNeverSyncs() {
        consumerJoin("c");
        classicJoin(classicA, "orders|");
        // a heartbeats (its session holds) but never sends the SyncGroup it owes.
        for (int elapsed = 0; elapsed < GroupHarness.REBALANCE_MS - 1; elapsed += 1_000) {
            harness.nowMs += elapsed + 1_000 < GroupHarness.REBALANCE_MS ? 1_000 : GroupHarness.REBALANCE_MS - 1 - elapsed;
            assertThat(classicHeartbeat(classicA)).isNull();
            classicHeartbeat(classicB);
            heartbeat("c", member("c").memberEpoch(), null);
            expire();
        }
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).contains(classicA);
        // Its session is 10 s, but heartbeats keep it; the sync it owes is due within its rebalance timeout.
        harness.nowMs += 1;
        expire();
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId)
                .doesNotContain(classicA);
    }

    @Test
    void shouldGiveARestartedStaticClassicMemberItsPlace() {
        consumerJoin("c");
        long first = harness.nextRequest();
        harness.apply(staticJoin(first, "", "s1", "instance-1"));
        String s1 = harness.joinResult(first).memberId();
        assertThat(harness.joinResult(first).error()).isNull();
        assertThat(classicSync(s1, harness.joinResult(first).generationId(), "range").error()).isNull();

        // The same instance id under another member id: fenced, and unknown if nobody holds it.
        long stale = harness.nextRequest();
        harness.apply(staticJoin(stale, "someone-else", "unused", "instance-1"));
        assertThat(harness.joinResult(stale).error()).isEqualTo(ErrorCode.FENCED_INSTANCE_ID);
        long unknown = harness.nextRequest();
        harness.apply(staticJoin(unknown, "someone-else", "unused", "instance-9"));
        assertThat(harness.joinResult(unknown).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        int epochBefore = describe().groupEpoch();
        long restarted = harness.nextRequest();
        harness.apply(staticJoin(restarted, "", "s2", "instance-1"));
        JoinResult result = harness.joinResult(restarted);
        assertThat(result.memberId()).isEqualTo("s2");
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId)
                .contains("s2").doesNotContain(s1);
        assertThat(describe().groupEpoch()).as("no rebalance for a static member coming back").isEqualTo(epochBefore);

        // LeaveGroup by instance id with the old member id is fenced; with none it removes the member.
        long fenced = harness.leaveStatic(s1, "instance-1");
        assertThat(harness.leaveResult(fenced).members()).extracting(GroupResult.MemberOutcome::error)
                .containsExactly(ErrorCode.FENCED_INSTANCE_ID);
        long left = harness.leaveStatic("", "instance-1");
        assertThat(harness.leaveResult(left).members()).extracting(GroupResult.MemberOutcome::error)
                .containsExactly((ErrorCode) null);
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).doesNotContain("s2");
    }

    @Test
    void shouldLetAStaticConsumerRestartedWithTheNewProtocolTakeItsClassicPlace() {
        consumerJoin("c");
        long first = harness.nextRequest();
        harness.apply(staticJoin(first, "", "s1", "instance-1"));
        classicSync("s1", harness.joinResult(first).generationId(), "range");
        List<PartitionRef> held = member("s1").assignment();
        int epoch = member("s1").memberEpoch();
        int groupEpoch = describe().groupEpoch();

        // The same process restarted with group.protocol=consumer: a classic static member does not
        // leave when it closes, and is replaced at once, keeping its partitions, with no rebalance.
        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, "s2", 0, "instance-1", null, 60_000, List.of("orders"),
                null, null, List.of(), "client-s2", "/10.0.0.1", topics, harness.nowMs));
        ConsumerHeartbeatResult result = (ConsumerHeartbeatResult) harness.replies.get(request);

        assertThat(result.error()).as(result.errorMessage()).isNull();
        assertThat(result.memberEpoch()).isEqualTo(epoch);
        assertThat(result.assignment()).containsExactlyElementsOf(held);
        assertThat(describe().groupEpoch()).isEqualTo(groupEpoch);
        assertThat(member("s2").classic()).isFalse();
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).doesNotContain("s1");
        // A second live process with that instance id is still refused.
        long twin = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(twin, GROUP, "s3", 0, "instance-1", null, 60_000, List.of("orders"),
                null, null, List.of(), "client-s3", "/10.0.0.1", topics, harness.nowMs));
        assertThat(((ConsumerHeartbeatResult) harness.replies.get(twin)).error())
                .isEqualTo(ErrorCode.UNRELEASED_INSTANCE_ID);
    }

    @Test
    void shouldTurnTheGroupWithoutARebalanceWhenAStaticClassicMemberComesBackWithTheNewProtocol() {
        harness = harness(MigrationPolicy.BIDIRECTIONAL);
        long joinStatic = harness.nextRequest();
        harness.apply(new GroupCommand.Join(joinStatic, GROUP, "", "s1", "instance-1", "client", "/h",
                GroupHarness.SESSION_MS, GroupHarness.REBALANCE_MS, "consumer", protocols("orders|"), true,
                harness.nowMs));
        String other = harness.newMember(protocols("orders|"));
        harness.completeRebalance();
        String leader = harness.group().leaderId();
        harness.sync(leader, 1, Map.of("s1", bytes("orders-0,orders-1"), other, bytes("orders-2,orders-3")));
        harness.sync(leader.equals("s1") ? other : "s1", 1, Map.of());

        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, "s2", 0, "instance-1", null, 60_000, List.of("orders"),
                null, null, List.of(), "client-s2", "/10.0.0.1", topics, harness.nowMs));
        ConsumerHeartbeatResult result = (ConsumerHeartbeatResult) harness.replies.get(request);

        assertThat(result.error()).as(result.errorMessage()).isNull();
        assertThat(result.assignment()).containsExactlyElementsOf(orders(0, 1));
        assertThat(describe().groupEpoch()).as("nothing changed: the classic generation stays").isEqualTo(1);
        assertThat(describe().state()).isEqualTo(GroupState.STABLE);
        generations.put(other, 1);
        assertThat(classicHeartbeat(other)).isNull();
    }

    @Test
    void shouldCallAClassicMemberBackOnceThePartitionsItWaitsForAreFree() {
        consumerJoin("c");
        // b joins again first: its target is in hand; c still holds nothing, a holds 0-1.
        classicJoin(classicB, "orders|");
        classicSync(classicB, 2, "range");
        // c's target includes a partition a still holds: c waits; a is called back and gives it up.
        assertThat(classicHeartbeat(classicA)).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        classicJoin(classicA, "orders|");
        classicSync(classicA, 2, "range");
        assertThat(classicHeartbeat(classicA)).isNull();
        assertThat(classicHeartbeat(classicB)).isNull();
        assertThat(heartbeat("c", 2, List.of()).assignment()).containsExactlyElementsOf(orders(1));
        assertThat(describe().state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldBatchTargetsForClassicJoinsAsForHeartbeats() {
        harness.apply(new GroupCommand.AlterConfigs(harness.nextRequest(), GROUP,
                Map.of("consumer.assignment.interval.ms", "1000"), false, harness.nowMs));
        consumerJoin("c"); // the first change after a quiet spell: assigned at once
        assertThat(describe().assignmentEpoch()).isEqualTo(2);
        harness.nowMs += 500;
        long first = harness.nextRequest();
        harness.apply(join(first, "", "d", protocols("orders|")));
        String d = harness.joinResult(first).memberId();
        JoinResult joined = classicJoin(d, "orders|");
        assertThat(describe().groupEpoch()).isEqualTo(3);
        assertThat(describe().assignmentEpoch()).as("within the interval: no new target yet").isEqualTo(2);
        assertThat(classicSync(d, joined.generationId(), "range").error()).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        harness.nowMs += 500;
        JoinResult again = classicJoin(d, "orders|");
        assertThat(again.generationId()).isEqualTo(3);
        assertThat(describe().assignmentEpoch()).isEqualTo(3);
    }

    // ---------------------------------------------------------------- helpers

    private ConsumerHeartbeatResult consumerJoin(String memberId) {
        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, memberId, 0, null, null, 60_000, List.of("orders"), null,
                null, List.of(), "client-" + memberId, "/10.0.0.1", topics, harness.nowMs));
        return (ConsumerHeartbeatResult) harness.replies.get(request);
    }

    private ConsumerHeartbeatResult heartbeat(String memberId, int epoch, List<PartitionRef> owned) {
        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, memberId, epoch, null, null, -1, null, null, null, owned,
                "client-" + memberId, "/10.0.0.1", topics, harness.nowMs));
        return (ConsumerHeartbeatResult) harness.replies.get(request);
    }

    private GroupCommand.Join join(long request, String memberId, String newMemberId, List<Protocol> protocols) {
        return new GroupCommand.Join(request, GROUP, memberId, newMemberId, null, "client", "/127.0.0.1",
                GroupHarness.SESSION_MS, GroupHarness.REBALANCE_MS, "consumer", protocols, true, topics, harness.nowMs);
    }

    private GroupCommand.Join staticJoin(long request, String memberId, String newMemberId, String instanceId) {
        return new GroupCommand.Join(request, GROUP, memberId, newMemberId, instanceId, "client", "/127.0.0.1",
                GroupHarness.SESSION_MS, GroupHarness.REBALANCE_MS, "consumer", protocols("orders|"), true, topics,
                harness.nowMs);
    }

    private JoinResult classicJoin(String memberId, String metadata) {
        long request = harness.nextRequest();
        harness.apply(join(request, memberId, "unused", protocols(metadata)));
        JoinResult result = harness.joinResult(request);
        generations.put(memberId, result.generationId());
        return result;
    }

    private SyncResult classicSync(String memberId, int generation, String protocolName) {
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.Sync(request, GROUP, generation, memberId, null, "consumer", protocolName,
                Map.of(), harness.nowMs));
        return harness.syncResult(request);
    }

    private ErrorCode classicHeartbeat(String memberId) {
        return classicHeartbeatAt(memberId, generations.getOrDefault(memberId, 0));
    }

    private ErrorCode classicHeartbeatAt(String memberId, int generation) {
        return harness.heartbeatResult(harness.heartbeat(memberId, generation)).error();
    }

    private ErrorCode commit(int generation, String memberId) {
        long request = harness.commit(generation, memberId, new PartitionRef("orders", 0), 7, "");
        return harness.commitResult(request).partitions().get(0).error();
    }

    private void expire() {
        harness.apply(new GroupCommand.ExpireTimers(GROUP, harness.nowMs));
    }

    private ConsumerGroupDescription describe() {
        return harness.describeConsumerGroup();
    }

    private ConsumerGroupDescription.Member member(String memberId) {
        return harness.consumerMember(memberId);
    }

    private GroupListing listing() {
        return harness.onlyListing();
    }

    private void assertNoPartitionHeldTwice() {
        harness.assertNoPartitionHeldTwice();
    }

    /** The classic consumers' usual protocols: "range" first, then "cooperative-sticky", the same subscription. */
    private static List<Protocol> protocols(String metadata) {
        return List.of(new Protocol("range", bytes(metadata)), new Protocol("cooperative-sticky", bytes(metadata)));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static List<PartitionRef> partitions(String text) {
        List<PartitionRef> partitions = new ArrayList<>();
        if (text.isEmpty()) {
            return partitions;
        }
        for (String name : text.split(",")) {
            int dash = name.lastIndexOf('-');
            partitions.add(new PartitionRef(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1))));
        }
        return new ArrayList<>(new TreeSet<>(partitions));
    }

    private static List<PartitionRef> orders(int... numbers) {
        List<PartitionRef> refs = new ArrayList<>();
        for (int number : numbers) {
            refs.add(new PartitionRef("orders", number));
        }
        return refs;
    }
}
