package dev.ferry.group;

import static dev.ferry.group.GroupHarness.GROUP;
import static dev.ferry.group.GroupHarness.REBALANCE_MS;
import static dev.ferry.group.GroupHarness.SESSION_MS;
import static dev.ferry.group.GroupHarness.bytes;
import static dev.ferry.group.GroupHarness.protocol;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.LeaveResult;
import dev.ferry.group.GroupResult.JoinedMember;
import dev.ferry.group.GroupResult.SyncResult;

/** The classic group protocol, transition by transition, with time passed in by the test. */
class ClassicGroupTest {
    private static final List<Protocol> RANGE = List.of(protocol("range"));
    private final GroupHarness harness = new GroupHarness();

    /** Two members joined (v4 flow), past the initial delay; returns {leader, follower}. */
    private String[] twoMembersCompletingRebalance() {
        String a = harness.newMember(RANGE);
        String b = harness.newMember(RANGE);
        harness.completeRebalance();
        assertThat(harness.state()).isEqualTo(GroupState.COMPLETING_REBALANCE);
        return new String[] {a, b};
    }

    private String[] twoMembersStable() {
        String[] ids = twoMembersCompletingRebalance();
        long followerSync = harness.sync(ids[1], 1, Map.of());
        long leaderSync = harness.sync(ids[0], 1, Map.of(ids[0], bytes("A"), ids[1], bytes("B")));
        assertThat(harness.syncResult(followerSync).error()).isNull();
        assertThat(harness.syncResult(leaderSync).error()).isNull();
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        return ids;
    }

    /** Static members "a" (the leader) and "b" joined and synced: returns their member ids. */
    private String[] twoStaticMembersStable() {
        long joinA = harness.joinStatic("", "a", RANGE);
        long joinB = harness.joinStatic("", "b", RANGE);
        harness.completeRebalance();
        String a = harness.joinResult(joinA).memberId();
        String b = harness.joinResult(joinB).memberId();
        assertThat(harness.joinResult(joinA).error()).as("no MEMBER_ID_REQUIRED for a static member").isNull();
        harness.syncStatic(b, "b", 1, Map.of());
        harness.syncStatic(a, "a", 1, Map.of(a, bytes("A"), b, bytes("B")));
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        return new String[] {a, b};
    }

    @Test
    void shouldLetARestartedStaticFollowerTakeItsPlaceWithoutARebalance() {
        String[] ids = twoStaticMembersStable();

        long rejoin = harness.joinStatic("", "b", RANGE);

        JoinResult result = harness.joinResult(rejoin);
        assertThat(result.error()).isNull();
        assertThat(result.memberId()).isNotEqualTo(ids[1]);
        assertThat(result.generationId()).isEqualTo(1);
        assertThat(result.leaderId()).isEqualTo(ids[0]);
        assertThat(result.members()).isEmpty();
        assertThat(result.skipAssignment()).isFalse();
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        long sync = harness.syncStatic(result.memberId(), "b", 1, Map.of());
        assertThat(harness.syncResult(sync).assignment()).as("the predecessor's assignment").isEqualTo(bytes("B"));
        assertThat(harness.heartbeatResult(harness.heartbeatStatic(ids[0], "a", 1)).error()).isNull();
        assertThat(harness.heartbeatResult(harness.heartbeatStatic(ids[1], "b", 1)).error())
                .isEqualTo(ErrorCode.FENCED_INSTANCE_ID);
        assertThat(harness.syncResult(harness.syncStatic(ids[1], "b", 1, Map.of())).error())
                .isEqualTo(ErrorCode.FENCED_INSTANCE_ID);
        GroupRecord.GroupMetadata stored = (GroupRecord.GroupMetadata) harness.records.get(harness.records.size() - 1);
        assertThat(stored.members()).extracting(GroupRecord.StoredMember::memberId)
                .containsExactly(ids[0], result.memberId());
    }

    @Test
    void shouldTellARestartedStaticLeaderToSkipTheAssignment() {
        String[] ids = twoStaticMembersStable();

        JoinResult result = harness.joinResult(harness.joinStatic("", "a", RANGE));

        assertThat(result.error()).isNull();
        assertThat(result.leaderId()).isEqualTo(result.memberId()).isNotEqualTo(ids[0]);
        assertThat(result.skipAssignment()).isTrue();
        assertThat(result.members()).extracting(JoinedMember::memberId).containsExactly(result.memberId(), ids[1]);
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        long sync = harness.syncStatic(result.memberId(), "a", 1, Map.of());
        assertThat(harness.syncResult(sync).assignment()).isEqualTo(bytes("A"));
    }

    @Test
    void shouldKeepTheGenerationWhenAStaticMemberComesBackWithOtherMetadata() {
        String[] ids = twoStaticMembersStable();
        List<Protocol> owningNothing = List.of(new Protocol("range", bytes("restarted")));

        JoinResult result = harness.joinResult(harness.joinStatic("", "b", owningNothing));

        assertThat(result.error()).isNull();
        assertThat(result.generationId()).isEqualTo(1);
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        assertThat(harness.group().members()).filteredOn(member -> "b".equals(member.groupInstanceId))
                .singleElement().satisfies(member -> assertThat(member.protocols).isEqualTo(owningNothing));
        assertThat(ids[0]).isEqualTo(result.leaderId());
    }

    @Test
    void shouldRebalanceWhenAStaticMembersReturnChangesTheGroupsProtocol() {
        long first = harness.joinStatic("", "solo", List.of(protocol("range"), protocol("sticky")));
        harness.completeRebalance();
        String solo = harness.joinResult(first).memberId();
        harness.syncStatic(solo, "solo", 1, Map.of(solo, bytes("S")));
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);

        long rejoin = harness.joinStatic("", "solo", List.of(protocol("sticky"), protocol("range")));
        harness.completeRebalance();

        JoinResult result = harness.joinResult(rejoin);
        assertThat(result.generationId()).isEqualTo(2);
        assertThat(result.protocolName()).isEqualTo("sticky");
        assertThat(result.skipAssignment()).isFalse();
    }

    @Test
    void shouldFenceAParkedJoinOfTheReplacedStaticMember() {
        String[] ids = twoStaticMembersStable();
        long parked = harness.joinStatic(ids[0], "a", List.of(protocol("range"), protocol("sticky")));
        assertThat(harness.answered(parked)).as("waits for b").isFalse();

        long replacement = harness.joinStatic("", "a", RANGE);

        assertThat(harness.joinResult(parked).error()).isEqualTo(ErrorCode.FENCED_INSTANCE_ID);
        long follower = harness.joinStatic(ids[1], "b", RANGE);
        harness.completeRebalance();
        JoinResult replaced = harness.joinResult(replacement);
        assertThat(replaced.error()).isNull();
        assertThat(replaced.generationId()).isEqualTo(2);
        assertThat(replaced.leaderId()).isEqualTo(replaced.memberId());
        assertThat(harness.joinResult(follower).leaderId()).isEqualTo(replaced.memberId());
        assertThat(harness.answeredTwice).isEmpty();
    }

    @Test
    void shouldAskANewMemberToRejoinWithTheIdItIsGiven() {
        long first = harness.join("", true, RANGE);

        JoinResult result = harness.joinResult(first);
        assertThat(result.error()).isEqualTo(ErrorCode.MEMBER_ID_REQUIRED);
        assertThat(result.memberId()).isNotEmpty();
        assertThat(result.generationId()).isEqualTo(-1);
        assertThat(harness.state()).isEqualTo(GroupState.EMPTY);

        long second = harness.join(result.memberId(), true, RANGE);
        assertThat(harness.answered(second)).isFalse();
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
    }

    @Test
    void shouldHoldTheFirstRebalanceForTheInitialDelay() {
        long join = harness.join("");
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);

        harness.advanceTo(2999);
        assertThat(harness.answered(join)).isFalse();

        harness.advanceTo(3000);
        JoinResult result = harness.joinResult(join);
        assertThat(result.error()).isNull();
        assertThat(result.generationId()).isEqualTo(1);
        assertThat(result.leaderId()).isEqualTo(result.memberId());
        assertThat(result.protocolName()).isEqualTo("range");
        assertThat(result.protocolType()).isEqualTo("consumer");
        assertThat(result.members()).extracting(JoinedMember::memberId).containsExactly(result.memberId());
        assertThat(harness.state()).isEqualTo(GroupState.COMPLETING_REBALANCE);
    }

    @Test
    void shouldWaitAnotherDelayWhileMembersKeepArriving() {
        long first = harness.join("");
        harness.nowMs = 1000;
        long second = harness.join("");

        harness.advanceTo(3000);
        assertThat(harness.answered(first)).isFalse();

        harness.advanceTo(6000);
        JoinResult leader = harness.joinResult(first);
        JoinResult follower = harness.joinResult(second);
        assertThat(leader.leaderId()).isEqualTo(leader.memberId());
        assertThat(leader.members()).hasSize(2);
        assertThat(follower.leaderId()).isEqualTo(leader.memberId());
        assertThat(follower.members()).isEmpty();
        assertThat(follower.generationId()).isEqualTo(1);
    }

    @Test
    void shouldCompleteTheFirstRebalanceAtOnceWithoutAnInitialDelay() {
        GroupHarness noDelay = new GroupHarness(GroupConfig.defaults().withInitialRebalanceDelayMs(0));
        long join = noDelay.join("");
        noDelay.advanceBy(0);
        assertThat(noDelay.joinResult(join).generationId()).isEqualTo(1);
    }

    @Test
    void shouldRelayTheLeadersAssignmentToEveryMember() {
        String[] ids = twoMembersCompletingRebalance();
        long followerSync = harness.sync(ids[1], 1, Map.of());
        assertThat(harness.answered(followerSync)).isFalse();

        long leaderSync = harness.sync(ids[0], 1, Map.of(ids[0], bytes("A"), ids[1], bytes("B")));

        assertThat(harness.syncResult(leaderSync).assignment()).isEqualTo(bytes("A"));
        assertThat(harness.syncResult(followerSync).assignment()).isEqualTo(bytes("B"));
        assertThat(harness.syncResult(followerSync).protocolName()).isEqualTo("range");
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        assertThat(harness.records).last().isInstanceOf(GroupRecord.GroupMetadata.class);
        GroupRecord.GroupMetadata stored = (GroupRecord.GroupMetadata) harness.records.get(harness.records.size() - 1);
        assertThat(stored.generationId()).isEqualTo(1);
        assertThat(stored.members()).extracting(GroupRecord.StoredMember::assignment)
                .containsExactly(bytes("A"), bytes("B"));
    }

    @Test
    void shouldAnswerASyncInAStableGroupWithTheMembersAssignment() {
        String[] ids = twoMembersStable();
        long late = harness.sync(ids[1], 1, Map.of());
        assertThat(harness.syncResult(late).assignment()).isEqualTo(bytes("B"));
    }

    @Test
    void shouldGiveAMemberMissingFromTheLeadersAssignmentAnEmptyOne() {
        String[] ids = twoMembersCompletingRebalance();
        harness.sync(ids[0], 1, Map.of(ids[0], bytes("A")));
        long follower = harness.sync(ids[1], 1, Map.of());
        assertThat(harness.syncResult(follower).assignment()).isEmpty();
    }

    @Test
    void shouldRebalanceWhenAMemberJoinsAStableGroup() {
        String[] ids = twoMembersStable();
        long newcomer = harness.join("");
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);

        assertThat(harness.heartbeatResult(harness.heartbeat(ids[0], 1)).error())
                .isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        long leaderRejoin = harness.join(ids[0]);
        assertThat(harness.answered(newcomer)).isFalse();
        long followerRejoin = harness.join(ids[1]);

        assertThat(harness.joinResult(newcomer).generationId()).isEqualTo(2);
        assertThat(harness.joinResult(leaderRejoin).members()).hasSize(3);
        assertThat(harness.joinResult(followerRejoin).leaderId()).isEqualTo(ids[0]);
        assertThat(harness.state()).isEqualTo(GroupState.COMPLETING_REBALANCE);
    }

    @Test
    void shouldDropMembersThatDoNotRejoinWithinTheRebalanceTimeout() {
        String[] ids = twoMembersStable();
        harness.heartbeat(ids[1], 1);
        long leaderRejoin = harness.join(ids[0], true, List.of(protocol("range"), protocol("roundrobin")));
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);

        // The follower keeps heartbeating (it is told to rejoin) but never does.
        for (int i = 0; i < 6; i++) {
            harness.advanceBy(9_000);
            harness.heartbeat(ids[1], 1);
        }
        assertThat(harness.answered(leaderRejoin)).isFalse();
        harness.advanceTo(harness.nowMs + REBALANCE_MS);

        JoinResult result = harness.joinResult(leaderRejoin);
        assertThat(result.generationId()).isEqualTo(2);
        assertThat(result.members()).extracting(JoinedMember::memberId).containsExactly(ids[0]);
        assertThat(harness.heartbeatResult(harness.heartbeat(ids[1], 1)).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void shouldDropAMemberWhoseSessionTimesOutAndRebalanceTheRest() {
        String[] ids = twoMembersStable();
        long start = harness.nowMs;
        harness.advanceTo(start + SESSION_MS - 1);
        harness.heartbeat(ids[0], 1);
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);

        harness.advanceTo(start + SESSION_MS);
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(harness.heartbeatResult(harness.heartbeat(ids[1], 1)).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.heartbeatResult(harness.heartbeat(ids[0], 1)).error())
                .isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);

        long rejoin = harness.join(ids[0]);
        assertThat(harness.joinResult(rejoin).generationId()).isEqualTo(2);
        assertThat(harness.joinResult(rejoin).members()).hasSize(1);
    }

    @Test
    void shouldKeepAMemberAliveWhileItsJoinIsParked() {
        String[] ids = twoMembersStable();
        long start = harness.nowMs;
        harness.advanceTo(start + 5_000);
        harness.heartbeat(ids[1], 1);
        long rejoin = harness.join(ids[0], false, List.of(protocol("range"), protocol("x")));
        harness.advanceTo(start + SESSION_MS + 5_000);
        harness.advanceTo(start + SESSION_MS + 5_001);
        harness.advanceBy(1);
        // The follower's session (last heartbeat at +5 s) is over: it is dropped and the parked
        // leader, whose own session would also be over, is answered instead of dropped.
        assertThat(harness.joinResult(rejoin).error()).isNull();
        assertThat(harness.joinResult(rejoin).members()).hasSize(1);
    }

    @Test
    void shouldEmptyTheGroupWhenTheLastMemberLeaves() {
        String[] ids = twoMembersStable();
        assertThat(harness.leaveResult(harness.leave(ids[0])).members().get(0).error()).isNull();
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(harness.group().leaderId()).isEqualTo(ids[1]);

        harness.leave(ids[1]);
        assertThat(harness.state()).isEqualTo(GroupState.EMPTY);
        assertThat(harness.group().generationId()).isEqualTo(2);
        assertThat(harness.records).last().isInstanceOf(GroupRecord.GroupMetadata.class);
    }

    @Test
    void shouldCompleteTheRebalanceWhenTheOnlyMissingMemberLeaves() {
        String[] ids = twoMembersStable();
        long rejoin = harness.join(ids[0], false, List.of(protocol("range"), protocol("x")));
        assertThat(harness.answered(rejoin)).isFalse();
        harness.leave(ids[1]);
        assertThat(harness.joinResult(rejoin).generationId()).isEqualTo(2);
    }

    @Test
    void shouldAnswerUnknownMembersPerMemberOnLeave() {
        String[] ids = twoMembersStable();
        var result = harness.leaveResult(harness.leave("nobody", ids[1]));
        assertThat(result.members()).extracting(GroupResult.MemberOutcome::error)
                .containsExactly(ErrorCode.UNKNOWN_MEMBER_ID, null);
    }

    @Test
    void shouldFailAParkedSyncWhenTheGroupRebalancesBeforeTheLeaderSyncs() {
        String[] ids = twoMembersCompletingRebalance();
        long followerSync = harness.sync(ids[1], 1, Map.of());
        harness.join("");
        assertThat(harness.syncResult(followerSync).error()).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        assertThat(harness.syncResult(harness.sync(ids[1], 1, Map.of())).error())
                .isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
    }

    @Test
    void shouldDropMembersThatNeverSync() {
        String[] ids = twoMembersCompletingRebalance();
        long followerSync = harness.sync(ids[1], 1, Map.of());
        // The leader stays alive but never sends its assignment.
        long deadline = harness.nowMs + REBALANCE_MS;
        while (harness.nowMs + 9_000 < deadline) {
            harness.advanceBy(9_000);
            assertThat(harness.heartbeatResult(harness.heartbeat(ids[0], 1)).error()).isNull();
        }
        assertThat(harness.answered(followerSync)).isFalse();
        harness.advanceTo(deadline);
        assertThat(harness.syncResult(followerSync).error()).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        assertThat(harness.group().members()).extracting(m -> m.memberId).containsExactly(ids[1]);
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
    }

    @Test
    void shouldExpireAnIdHandedOutThatNeverJoins() {
        String a = harness.newMember(RANGE);
        harness.advanceBy(3000);
        harness.sync(a, 1, Map.of(a, bytes("A")));
        long ghost = harness.join("", true, RANGE);
        assertThat(harness.joinResult(ghost).error()).isEqualTo(ErrorCode.MEMBER_ID_REQUIRED);
        long rejoin = harness.join(a, true, List.of(protocol("range"), protocol("y")));
        assertThat(harness.answered(rejoin)).isFalse();

        harness.advanceBy(SESSION_MS);
        assertThat(harness.joinResult(rejoin).generationId()).isEqualTo(2);
        assertThat(harness.joinResult(rejoin).members()).hasSize(1);
    }

    @Test
    void shouldRefuseWrongMembersAndGenerations() {
        String[] ids = twoMembersStable();
        assertThat(harness.heartbeatResult(harness.heartbeat("nobody", 1)).error())
                .isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.heartbeatResult(harness.heartbeat(ids[0], 0)).error())
                .isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(harness.heartbeatResult(harness.heartbeat(ids[0], 1)).error()).isNull();
        assertThat(harness.syncResult(harness.sync(ids[0], 7, Map.of())).error())
                .isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(harness.syncResult(harness.sync("nobody", 1, Map.of())).error())
                .isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.joinResult(harness.join("nobody")).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        long wrongType = harness.join(GROUP, "", false, "connect", RANGE, SESSION_MS, REBALANCE_MS);
        assertThat(harness.joinResult(wrongType).error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        long noCommon = harness.join(GROUP, "", false, "consumer", List.of(protocol("other")), SESSION_MS, REBALANCE_MS);
        assertThat(harness.joinResult(noCommon).error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldRefuseUnknownGroupsAndBadSettings() {
        assertThat(harness.heartbeatResult(harness.heartbeat("m", 1)).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.syncResult(harness.sync("m", 1, Map.of())).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.joinResult(harness.join("someone")).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.joinResult(harness.join("", "", false, "consumer", RANGE, SESSION_MS, REBALANCE_MS)).error())
                .isEqualTo(ErrorCode.INVALID_GROUP_ID);
        assertThat(harness.joinResult(harness.join(GROUP, "", false, "consumer", RANGE, 10, REBALANCE_MS)).error())
                .isEqualTo(ErrorCode.INVALID_SESSION_TIMEOUT);
        assertThat(harness.joinResult(harness.join(GROUP, "", false, "consumer", List.of(), SESSION_MS, REBALANCE_MS))
                .error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(harness.groups.list()).extracting(GroupListing::groupId).containsExactly(GROUP);
        assertThat(harness.state()).isEqualTo(GroupState.EMPTY);
    }

    @Test
    void shouldPickTheProtocolAllSupportThatMostPrefer() {
        assertThat(selected(List.of("range", "roundrobin"), List.of("roundrobin", "range"), List.of("roundrobin")))
                .isEqualTo("roundrobin");
        assertThat(selected(List.of("range", "roundrobin"), List.of("roundrobin", "range"), List.of("roundrobin", "range")))
                .isEqualTo("roundrobin");
        // A tie goes to the leader's first choice.
        assertThat(selected(List.of("range", "roundrobin"), List.of("roundrobin", "range"))).isEqualTo("range");
        assertThat(selected(List.of("cooperative-sticky", "range"), List.of("cooperative-sticky", "range")))
                .isEqualTo("cooperative-sticky");
    }

    @SafeVarargs
    private static String selected(List<String>... preferences) {
        GroupHarness h = new GroupHarness();
        long last = 0;
        for (List<String> names : preferences) {
            last = h.join("", false, names.stream().map(GroupHarness::protocol).toList());
        }
        h.completeRebalance();
        return h.joinResult(last).protocolName();
    }

    @Test
    void shouldAnswerARetriedJoinOfTheCurrentGenerationWithoutARebalance() {
        String[] ids = twoMembersStable();
        long again = harness.join(ids[1]);
        assertThat(harness.joinResult(again).generationId()).isEqualTo(1);
        assertThat(harness.joinResult(again).members()).isEmpty();
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);

        long leaderAgain = harness.join(ids[0]);
        assertThat(harness.answered(leaderAgain)).isFalse();
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
    }

    @Test
    void shouldFenceALeaveThatNamesAStaticMemberWithAnotherMemberId() {
        String[] ids = twoStaticMembersStable();

        LeaveResult fenced = harness.leaveResult(harness.leaveStatic(ids[0], "b"));
        assertThat(fenced.members()).singleElement().satisfies(outcome -> {
            assertThat(outcome.error()).isEqualTo(ErrorCode.FENCED_INSTANCE_ID);
            assertThat(outcome.memberId()).isEqualTo(ids[0]);
        });
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
        assertThat(harness.group().members()).hasSize(2);

        LeaveResult unknown = harness.leaveResult(harness.leaveStatic("", "no-such-instance"));
        assertThat(unknown.members()).singleElement().satisfies(outcome ->
                assertThat(outcome.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID));

        // By instance id alone: the answer names the member as the request did, with an empty id.
        LeaveResult left = harness.leaveResult(harness.leaveStatic("", "b"));
        assertThat(left.members()).singleElement().satisfies(outcome -> {
            assertThat(outcome.error()).isNull();
            assertThat(outcome.memberId()).isEmpty();
            assertThat(outcome.groupInstanceId()).isEqualTo("b");
        });
        assertThat(harness.group().members()).extracting(member -> member.memberId).containsExactly(ids[0]);
    }

    @Test
    void shouldKeepDescribingTheLastAssignmentsDuringARebalance() {
        String[] ids = twoMembersCompletingRebalance();
        harness.sync(ids[0], 1, Map.of(ids[0], bytes("A"), ids[1], bytes("B")));

        harness.join("", false, RANGE);

        GroupDescription preparing = harness.groups.describe(GROUP).orElseThrow();
        assertThat(preparing.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(preparing.protocolName()).isEmpty();
        assertThat(preparing.members()).filteredOn(member -> member.assignment().length > 0)
                .extracting(GroupDescription.MemberDescription::assignment).containsExactlyInAnyOrder(bytes("A"), bytes("B"));
        assertThat(preparing.members()).allSatisfy(member -> assertThat(member.metadata()).isEmpty());
    }

    @Test
    void shouldDescribeTheProtocolAndSubscriptionsOnlyWhileStable() {
        String[] ids = twoMembersCompletingRebalance();
        GroupDescription completing = harness.groups.describe(GROUP).orElseThrow();
        assertThat(completing.state()).isEqualTo(GroupState.COMPLETING_REBALANCE);
        assertThat(completing.protocolName()).isEmpty();
        assertThat(completing.members()).allSatisfy(m -> assertThat(m.assignment()).isEmpty());

        harness.sync(ids[0], 1, Map.of(ids[0], bytes("A"), ids[1], bytes("B")));
        GroupDescription stable = harness.groups.describe(GROUP).orElseThrow();
        assertThat(stable.protocolName()).isEqualTo("range");
        assertThat(stable.protocolType()).isEqualTo("consumer");
        assertThat(stable.members()).extracting(GroupDescription.MemberDescription::assignment)
                .containsExactly(bytes("A"), bytes("B"));
        assertThat(stable.members()).extracting(GroupDescription.MemberDescription::metadata)
                .containsExactly(bytes("range"), bytes("range"));
        assertThat(harness.groups.describe("other")).isEmpty();
    }

    // ---------------------------------------------------------------- offsets

    private static final PartitionRef P0 = new PartitionRef("orders", 0);
    private static final PartitionRef P1 = new PartitionRef("orders", 1);

    @Test
    void shouldTakeCommitsFromOutsideGroupManagementOnlyWhileTheGroupIsEmpty() {
        assertThat(harness.commitResult(harness.commit(-1, "", P0, 42, "meta")).partitions().get(0).error()).isNull();
        assertThat(harness.state()).isEqualTo(GroupState.EMPTY);
        CommittedOffset committed = harness.groups.fetchOffsets(GROUP, List.of(P0, P1)).get(P0);
        assertThat(committed).isEqualTo(new CommittedOffset(42, -1, "meta", 0));
        assertThat(harness.groups.fetchOffsets(GROUP, List.of(P1))).isEmpty();

        twoMembersStable();
        assertThat(harness.commitResult(harness.commit(-1, "", P0, 50, "")).partitions().get(0).error())
                .isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.groups.fetchOffsets(GROUP, null).get(P0).offset()).isEqualTo(42);
    }

    @Test
    void shouldRefuseACommitWithAGenerationForAGroupThatDoesNotExist() {
        assertThat(harness.commitResult(harness.commit(3, "m", P0, 1, "")).partitions().get(0).error())
                .isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(harness.groups.list()).isEmpty();
    }

    @Test
    void shouldCheckMemberAndGenerationOfACommit() {
        String[] ids = twoMembersCompletingRebalance();
        assertThat(harness.commitResult(harness.commit(1, ids[0], P0, 5, "")).partitions().get(0).error())
                .isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        harness.sync(ids[0], 1, Map.of());
        assertThat(harness.commitResult(harness.commit(1, "nobody", P0, 5, "")).partitions().get(0).error())
                .isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.commitResult(harness.commit(0, ids[0], P0, 5, "")).partitions().get(0).error())
                .isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(harness.commitResult(harness.commit(1, ids[1], P0, 5, "")).partitions().get(0).error()).isNull();
        // A member may still commit what it processed while the group prepares the next rebalance.
        harness.join("");
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(harness.commitResult(harness.commit(1, ids[1], P1, 6, "")).partitions().get(0).error()).isNull();
        assertThat(harness.groups.fetchOffsets(GROUP, null)).containsOnlyKeys(P0, P1);
    }

    @Test
    void shouldRefuseASyncThatDoesNotBelongToThisGeneration() {
        String[] ids = twoMembersCompletingRebalance();
        assertThat(syncError(ids[0], 1, "consumer", "range")).as("the leader's own sync").isNull();
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);

        assertThat(syncError("nobody", 1, "consumer", "range")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(syncError(ids[1], 2, "consumer", "range")).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(syncError(ids[1], 1, "connect", "range")).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(syncError(ids[1], 1, "consumer", "roundrobin")).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        // Neither named (SyncGroup before v5): not checked.
        assertThat(syncError(ids[1], 1, null, null)).isNull();

        harness.join("");
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(syncError(ids[1], 1, "consumer", "range")).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
    }

    @Test
    void shouldTakeACommitWithoutAGenerationWhileTheGroupIsEmptyWhateverItNames() {
        // Generation -1 is the admin's or a consumer's outside group management: as Kafka, taken
        // while no member could be consuming, even naming a member or an instance; a generation
        // needs its member.
        assertThat(commitError(-1, "", null, 1)).isNull();
        assertThat(harness.state()).isEqualTo(GroupState.EMPTY);
        assertThat(commitError(-1, "m-gone", null, 2)).isNull();
        assertThat(commitError(-1, "", "instance-gone", 3)).isNull();
        assertThat(commitError(0, "", null, 4)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.groups.fetchOffsets(GROUP, null).get(P0).offset()).isEqualTo(3);

        String[] ids = twoMembersStable();
        assertThat(commitError(-1, "", null, 5)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(commitError(-1, "m-gone", null, 6)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(commitError(-1, ids[0], null, 7)).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(harness.groups.fetchOffsets(GROUP, null).get(P0).offset()).isEqualTo(3);
    }

    private ErrorCode commitError(int generation, String memberId, String instanceId, long offset) {
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.CommitOffsets(request, GROUP, generation, memberId, instanceId,
                List.of(new GroupCommand.OffsetToCommit(P0, offset, -1, "")), harness.nowMs));
        return harness.commitResult(request).partitions().get(0).error();
    }

    @Test
    void shouldCheckTheGroupMetadataATransactionalCommitCarries() {
        // No such group: taken from outside group management, refused naming a generation (as Kafka).
        assertThat(harness.groups.transactionalCommitError(GROUP, -1, "", null)).isNull();
        assertThat(harness.groups.transactionalCommitError(GROUP, 1, "m", null)).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(harness.groups.transactionalCommitError(GROUP, 0, "", null)).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        // An empty group: generation -1 is taken whatever it names; generation 0 needs its member.
        assertThat(commitError(-1, "", null, 1)).isNull();
        assertThat(transactionalCommitError(-1, "m-gone", "instance-gone")).isNull();
        assertThat(transactionalCommitError(0, "", null)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        String[] ids = twoMembersStable();
        assertThat(transactionalCommitError(1, ids[0], null)).isNull();
        assertThat(transactionalCommitError(1, ids[1], null)).isNull();
        assertThat(transactionalCommitError(2, ids[0], null)).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(transactionalCommitError(0, ids[0], null)).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(transactionalCommitError(1, "nobody", null)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(transactionalCommitError(-1, "nobody", null)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        // No group metadata at all (TxnOffsetCommit before v3): the producer epoch fences, not the group.
        assertThat(transactionalCommitError(-1, "", null)).isNull();
        assertThat(transactionalCommitError(0, "", null)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        // A rebalance being prepared refuses a plain commit of the old generation only once it completes.
        harness.join("");
        assertThat(harness.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(transactionalCommitError(1, ids[0], null)).isNull();
        harness.join(ids[0]);
        harness.join(ids[1]);
        harness.completeRebalance();
        assertThat(harness.state()).isEqualTo(GroupState.COMPLETING_REBALANCE);
        assertThat(transactionalCommitError(2, ids[0], null)).as("refused to a plain commit, not to this one").isNull();
        assertThat(commitError(2, ids[0], null, 1)).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
    }

    @Test
    void shouldFenceATransactionalCommitOfAReplacedStaticMember() {
        String[] ids = twoStaticMembersStable();
        assertThat(transactionalCommitError(1, ids[1], "b")).isNull();
        String replacement = harness.joinResult(harness.joinStatic("", "b", RANGE)).memberId();
        assertThat(transactionalCommitError(1, ids[1], "b")).isEqualTo(ErrorCode.FENCED_INSTANCE_ID);
        assertThat(transactionalCommitError(1, replacement, "b")).isNull();
        assertThat(transactionalCommitError(1, "nobody", "no-such-instance")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    private ErrorCode transactionalCommitError(int generation, String memberId, String instanceId) {
        return harness.groups.transactionalCommitError(GROUP, generation, memberId, instanceId);
    }

    private ErrorCode syncError(String memberId, int generation, String protocolType, String protocolName) {
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.Sync(request, GROUP, generation, memberId, null, protocolType, protocolName,
                Map.of(), harness.nowMs));
        return harness.answered(request) ? harness.syncResult(request).error() : null;
    }

    @Test
    void shouldRefuseMetadataLongerThanTheLimit() {
        String tooLong = "x".repeat(4097);
        assertThat(harness.commitResult(harness.commit(-1, "", P0, 1, tooLong)).partitions().get(0).error())
                .isEqualTo(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        assertThat(harness.commitResult(harness.commit(-1, "", P0, 1, "x".repeat(4096))).partitions().get(0).error())
                .isNull();
    }

    @Test
    void shouldCountACommitAsASignOfLife() {
        String[] ids = twoMembersStable();
        long start = harness.nowMs;
        harness.nowMs = start + SESSION_MS - 1;
        harness.commit(1, ids[1], P0, 1, "");
        harness.heartbeat(ids[0], 1);
        harness.advanceTo(start + SESSION_MS + 1);
        assertThat(harness.state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldDeleteOffsetsOfTopicsNoMemberSubscribesTo() {
        GroupHarness h = new GroupHarness(GroupConfig.defaults()
                .withSubscriptions(new TopicsOnlyFormat(metadata -> Optional.of(Set.of(new String(metadata))))));
        long join = h.join(GROUP, "", false, "consumer", List.of(new Protocol("range", bytes("orders"))), SESSION_MS,
                REBALANCE_MS);
        h.advanceBy(3000);
        String member = h.joinResult(join).memberId();
        h.sync(member, 1, Map.of());
        PartitionRef other = new PartitionRef("payments", 0);
        h.commit(1, member, P0, 1, "");
        h.commit(1, member, other, 2, "");

        long id = h.nextRequest();
        h.apply(new GroupCommand.DeleteOffsets(id, GROUP, List.of(P0, other), h.nowMs));
        GroupResult.DeleteOffsetsResult result = (GroupResult.DeleteOffsetsResult) h.replies.get(id);
        assertThat(result.error()).isNull();
        assertThat(result.partitions()).extracting(GroupResult.PartitionOutcome::error)
                .containsExactly(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, null);
        assertThat(h.groups.fetchOffsets(GROUP, null)).containsOnlyKeys(P0);
        assertThat(h.records).last().isEqualTo(new GroupRecord.OffsetRemoved(GROUP, other));
    }

    @Test
    void shouldDeleteOnlyEmptyGroups() {
        String[] ids = twoMembersStable();
        harness.commit(1, ids[0], P0, 9, "");
        assertThat(deleteGroup()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        harness.leave(ids);
        assertThat(harness.state()).isEqualTo(GroupState.EMPTY);
        int before = harness.records.size();

        assertThat(deleteGroup()).isNull();
        assertThat(harness.groups.list()).isEmpty();
        assertThat(harness.groups.fetchOffsets(GROUP, null)).isEmpty();
        assertThat(harness.records.subList(before, harness.records.size()))
                .containsExactly(new GroupRecord.OffsetRemoved(GROUP, P0), new GroupRecord.GroupRemoved(GROUP));
        assertThat(deleteGroup()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    private ErrorCode deleteGroup() {
        long id = harness.nextRequest();
        harness.apply(new GroupCommand.DeleteGroup(id, GROUP, harness.nowMs));
        return ((GroupResult.DeleteGroupResult) harness.replies.get(id)).error();
    }

    @Test
    void shouldRestoreAStableGroupFromItsRecords() {
        String[] ids = twoMembersStable();
        harness.commit(1, ids[0], P0, 7, "m");
        Groups restored = new Groups(GroupConfig.defaults());
        for (GroupRecord record : harness.records) {
            restored.restore(record, 100_000);
        }
        ClassicGroup group = restored.group(GROUP);
        assertThat(group.state()).isEqualTo(GroupState.STABLE);
        assertThat(group.generationId()).isEqualTo(1);
        assertThat(group.leaderId()).isEqualTo(ids[0]);
        assertThat(restored.fetchOffsets(GROUP, null).get(P0).offset()).isEqualTo(7);

        // The members' clients carry on with the same generation after the restart.
        GroupOutcome heartbeat = restored.apply(new GroupCommand.Heartbeat(1, GROUP, 1, ids[1], null, 100_001));
        assertThat(((GroupResult.HeartbeatResult) heartbeat.replies().get(0).result()).error()).isNull();
        GroupOutcome sync = restored.apply(new GroupCommand.Sync(2, GROUP, 1, ids[1], null, null, null, Map.of(), 100_002));
        assertThat(((SyncResult) sync.replies().get(0).result()).assignment()).isEqualTo(bytes("B"));
        // Clients that do not come back time out.
        restored.apply(new GroupCommand.ExpireTimers(GROUP, 100_000 + SESSION_MS + 10));
        assertThat(group.hasMembers()).isFalse();
        assertThat(group.state()).isEqualTo(GroupState.EMPTY);
    }
}
