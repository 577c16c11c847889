package dev.ferry.group;

import static dev.ferry.group.GroupHarness.GROUP;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.ConsumerHeartbeat;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupResult.ConsumerHeartbeatResult;

/**
 * Kafka's consumer protocol (KIP-848) through {@link Groups#apply}: members join and heartbeat,
 * the broker assigns, and a partition moves only once the member losing it says it let go. Time
 * and the topics' partition counts travel in the commands, so every case is replayed exactly.
 */
class ConsumerGroupProtocolTest {
    private static final int REBALANCE_TIMEOUT_MS = 300_000;
    private static final int SESSION_MS = 45_000;
    private static final int INTERVAL_MS = 5_000;

    private final GroupHarness harness = new GroupHarness();
    /** What the broker's metadata says now; each heartbeat carries a copy. */
    private final SortedMap<String, Integer> topics = new TreeMap<>(Map.of("orders", 4));

    /**
     * Each change assigned in the heartbeat that made it, so that every step's answer shows it;
     * the batching of Kafka's default interval has tests of its own below.
     */
    @BeforeEach
    void assignAtOnce() {
        harness.apply(new GroupCommand.AlterConfigs(harness.nextRequest(), GROUP,
                Map.of("consumer.assignment.interval.ms", "0"), false, 0));
    }

    @Test
    void shouldWriteOnlyWhatAHeartbeatChanged() {
        join("a", "orders");
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        heartbeat("a", 1, orders(0, 1));
        heartbeat("b", 2, List.of());
        assertThat(describe().state()).isEqualTo(GroupState.STABLE);
        int before = harness.records.size();

        // A plain heartbeat changes nothing a restart needs: nothing is written.
        assertThat(heartbeat("b", 2, null).error()).isNull();
        assertThat(heartbeat("a", 2, orders(0, 1)).error()).isNull();
        assertThat(harness.records).hasSize(before);
        join("c", "orders");

        // A new target is every member's: the group's record and one per member.
        int atNewTarget = harness.records.size();
        join("d", "orders");
        assertThat(harness.records.subList(atNewTarget, harness.records.size()))
                .hasOnlyElementsOfTypes(GroupRecord.ConsumerGroupState.class, GroupRecord.ConsumerMemberState.class)
                .hasSize(1 + 4);

        // One member revoking writes that member alone.
        int atRevocation = harness.records.size();
        heartbeat("a", 2, null);
        assertThat(harness.records.subList(atRevocation, harness.records.size())).singleElement()
                .isInstanceOfSatisfying(GroupRecord.ConsumerMemberState.class,
                        record -> assertThat(record.member().memberId()).isEqualTo("a"));

        // A member leaving: its tombstone and the group's new epoch.
        int atLeave = harness.records.size();
        leave("d");
        assertThat(harness.records.subList(atLeave, harness.records.size())).containsExactlyInAnyOrder(
                new GroupRecord.ConsumerMemberRemoved(GROUP, "d"), describeRecord());
    }

    /** The group's own record as it stands. */
    private GroupRecord.ConsumerGroupState describeRecord() {
        ConsumerGroupDescription group = describe();
        return new GroupRecord.ConsumerGroupState(GROUP, group.groupEpoch(), group.assignmentEpoch(),
                group.assignorName(), topics);
    }

    @Test
    void shouldBatchTargetsOfChangesWithinTheAssignmentInterval() {
        harness.apply(new GroupCommand.AlterConfigs(harness.nextRequest(), GROUP,
                Map.of("consumer.assignment.interval.ms", "1000"), false, 0));
        // The first change after a quiet spell is assigned at once.
        assertThat(join("a", "orders").assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));

        harness.nowMs = 400;
        ConsumerHeartbeatResult b = join("b", "orders");
        assertThat(b.assignment()).as("within a second of the last target: none for b yet").isEmpty();
        assertThat(describe().state()).isEqualTo(GroupState.ASSIGNING);
        harness.nowMs = 700;
        join("c", "orders");
        assertThat(describe().groupEpoch()).isEqualTo(3);
        assertThat(describe().assignmentEpoch()).isEqualTo(1);

        // A second after the last one, a heartbeat computes one target for both joins.
        harness.nowMs = 1000;
        ConsumerHeartbeatResult revoke = heartbeat("a", 1, orders(0, 1, 2, 3));
        assertThat(describe().assignmentEpoch()).isEqualTo(3);
        assertThat(revoke.assignment()).hasSize(2);
        assertThat(member("b").targetAssignment()).hasSize(1);
        assertThat(member("c").targetAssignment()).hasSize(1);
    }

    // ---------------------------------------------------------------- joining and reconciling

    @Test
    void shouldGiveTheFirstMemberEveryPartitionAtEpochOne() {
        ConsumerHeartbeatResult joined = join("a", "orders");

        assertThat(joined.error()).isNull();
        assertThat(joined.memberId()).isEqualTo("a");
        assertThat(joined.memberEpoch()).isEqualTo(1);
        assertThat(joined.heartbeatIntervalMs()).isEqualTo(INTERVAL_MS);
        assertThat(joined.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
        ConsumerGroupDescription group = describe();
        assertThat(group.groupEpoch()).isEqualTo(1);
        assertThat(group.assignmentEpoch()).isEqualTo(1);
        assertThat(group.state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldMovePartitionsToANewMemberOnlyAfterTheirOwnerGaveThemUp() {
        join("a", "orders");

        ConsumerHeartbeatResult b = join("b", "orders");
        // b is at the new epoch at once, but what it is meant to get is still a's.
        assertThat(b.memberEpoch()).isEqualTo(2);
        assertThat(b.assignment()).isEmpty();
        assertThat(member("b").targetAssignment()).containsExactlyElementsOf(orders(2, 3));
        assertThat(describe().state()).isEqualTo(GroupState.RECONCILING);

        ConsumerHeartbeatResult revoke = heartbeat("a", 1, orders(0, 1, 2, 3));
        assertThat(revoke.error()).isNull();
        assertThat(revoke.memberEpoch()).as("a keeps its epoch until it revoked").isEqualTo(1);
        assertThat(revoke.assignment()).containsExactlyElementsOf(orders(0, 1));

        // A heartbeat that does not say what a owns, or says it still owns a revoked partition,
        // proves nothing: b must keep waiting.
        ConsumerHeartbeatResult silent = heartbeat("a", 1, null);
        assertThat(silent.memberEpoch()).isEqualTo(1);
        assertThat(silent.assignment()).as("nothing changed, nothing sent").isNull();
        assertThat(heartbeat("a", 1, orders(0, 1, 3)).memberEpoch()).isEqualTo(1);
        assertThat(heartbeat("b", 2, List.of()).assignment()).isEmpty();
        assertThat(member("b").assignment()).isEmpty();

        ConsumerHeartbeatResult revoked = heartbeat("a", 1, orders(0, 1));
        assertThat(revoked.memberEpoch()).isEqualTo(2);
        assertThat(revoked.assignment()).containsExactlyElementsOf(orders(0, 1));

        ConsumerHeartbeatResult taken = heartbeat("b", 2, List.of());
        assertThat(taken.memberEpoch()).isEqualTo(2);
        assertThat(taken.assignment()).containsExactlyElementsOf(orders(2, 3));
        assertThat(describe().state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldHandPartitionsPendingRevocationToNoOneEvenWhenTheirNewOwnerIsSomeoneElse() {
        join("a", "orders");
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3)); // a is told to give up 2 and 3, meant for b
        leave("b");

        // c inherits b's share, but a has not said it let go of it yet.
        ConsumerHeartbeatResult c = join("c", "orders");
        assertThat(member("c").targetAssignment()).containsExactlyElementsOf(orders(2, 3));
        assertThat(c.memberEpoch()).isEqualTo(4);
        assertThat(c.assignment()).isEmpty();
        assertThat(heartbeat("c", 4, List.of()).assignment()).isEmpty();

        assertThat(heartbeat("a", 1, orders(0, 1)).memberEpoch()).isEqualTo(4);
        assertThat(heartbeat("c", 4, List.of()).assignment()).containsExactlyElementsOf(orders(2, 3));
        assertNoPartitionHeldTwice();
    }

    @Test
    void shouldSendTheWholeAssignmentWhenTheMemberSaysWhatItOwnsAndNothingWhenItDoesNotAndNothingChanged() {
        join("a", "orders");
        assertThat(heartbeat("a", 1, orders(0, 1, 2, 3)).assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
        assertThat(heartbeat("a", 1, null).assignment()).isNull();
    }

    @Test
    void shouldRefuseAJoinWithoutSubscription() {
        ConsumerHeartbeatResult result = send("a", 0, null, null, null, List.of(), REBALANCE_TIMEOUT_MS);

        assertThat(result.error()).isEqualTo(ErrorCode.INVALID_GROUP_REQUEST);
        assertThat(result.errorMessage()).isEqualTo(
                "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.");
        assertThat(harness.groups.list()).as("no group came of the refused join").isEmpty();
    }

    @Test
    void shouldBumpTheGroupEpochWhenASubscriptionChangesAndOnlyThen() {
        topics.put("payments", 2);
        join("a", "orders");

        ConsumerHeartbeatResult same = send("a", 1, List.of("orders", "orders"), null, null, null, -1);
        assertThat(same.memberEpoch()).isEqualTo(1);
        assertThat(describe().groupEpoch()).isEqualTo(1);

        ConsumerHeartbeatResult wider = send("a", 1, List.of("payments", "orders"), null, null, null, -1);
        assertThat(wider.memberEpoch()).isEqualTo(2);
        assertThat(wider.assignment()).containsExactly(new PartitionRef("orders", 0), new PartitionRef("orders", 1),
                new PartitionRef("orders", 2), new PartitionRef("orders", 3), new PartitionRef("payments", 0),
                new PartitionRef("payments", 1));
        assertThat(member("a").subscribedTopicNames()).containsExactly("orders", "payments");

        // Narrowing the subscription takes partitions away: they are revoked first, as any.
        ConsumerHeartbeatResult narrower = send("a", 2, List.of("payments"), null, null, null, -1);
        assertThat(narrower.memberEpoch()).isEqualTo(2);
        assertThat(narrower.assignment()).containsExactly(new PartitionRef("payments", 0),
                new PartitionRef("payments", 1));
        assertThat(describe().groupEpoch()).isEqualTo(3);
    }

    @Test
    void shouldKeepWhatAMemberToldAboutItselfAndShowItInTheDescription() {
        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, "a", 0, "instance-1", "rack-1", REBALANCE_TIMEOUT_MS,
                List.of("orders"), null, null, List.of(), "app", "/10.0.0.7", topics, harness.nowMs));
        // Fields left out later (null) keep what the member said before.
        heartbeat("a", 1, null);

        ConsumerGroupDescription.Member a = member("a");
        assertThat(a.instanceId()).isEqualTo("instance-1");
        assertThat(a.rackId()).isEqualTo("rack-1");
        assertThat(a.clientHost()).isEqualTo("/10.0.0.1");
        assertThat(a.clientId()).isEqualTo("client-a");
        assertThat(a.subscribedTopicRegex()).isNull();
    }

    // ---------------------------------------------------------------- epochs and fencing

    @Test
    void shouldFenceAMemberThatClaimsAnEpochAheadOfItsOwn() {
        join("a", "orders");

        ConsumerHeartbeatResult ahead = heartbeat("a", 2, orders(0, 1, 2, 3));

        assertThat(ahead.error()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(ahead.memberEpoch()).isEqualTo(2);
        assertThat(ahead.errorMessage()).contains("(2)").contains("(1)");
    }

    @Test
    void shouldTakeThePreviousEpochOnlyFromAMemberThatOwnsNoMoreThanItsAssignment() {
        join("a", "orders");
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        assertThat(heartbeat("a", 1, orders(0, 1)).memberEpoch()).isEqualTo(2);

        // The answer that moved a to epoch 2 may have been lost: a comes back at 1.
        ConsumerHeartbeatResult lostAnswer = heartbeat("a", 1, orders(0, 1));
        assertThat(lostAnswer.error()).isNull();
        assertThat(lostAnswer.memberEpoch()).isEqualTo(2);
        assertThat(lostAnswer.assignment()).containsExactlyElementsOf(orders(0, 1));
        assertThat(heartbeat("a", 1, orders(0)).error()).as("a subset is fine").isNull();

        assertThat(heartbeat("a", 1, orders(0, 1, 2)).error()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(heartbeat("a", 1, null).error()).as("without owned partitions nothing vouches for it")
                .isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        // A refused heartbeat changes nothing.
        assertThat(member("a").memberEpoch()).isEqualTo(2);
        assertThat(member("a").assignment()).containsExactlyElementsOf(orders(0, 1));
    }

    @Test
    void shouldFenceAnEpochOlderThanThePreviousOne() {
        membersAAtEpochTwoAndB();
        heartbeat("b", 2, List.of()); // b takes 2 and 3
        join("c", "orders"); // epoch 3
        heartbeat("a", 2, orders(0, 1)); // a must give one up
        assertThat(heartbeat("a", 2, orders(0)).memberEpoch()).isEqualTo(3);

        assertThat(heartbeat("a", 1, orders(0)).error()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(heartbeat("a", 2, orders(0)).error()).isNull();
    }

    @Test
    void shouldNotKnowAMemberThatNeverJoined() {
        ConsumerHeartbeatResult noGroup = heartbeat("ghost", 3, null);
        assertThat(noGroup.error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(noGroup.errorMessage()).isEqualTo("Consumer group g not found.");
        assertThat(leave("ghost").error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(harness.groups.list()).isEmpty();

        join("a", "orders");
        ConsumerHeartbeatResult stranger = heartbeat("ghost", 1, null);
        assertThat(stranger.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(stranger.errorMessage()).isEqualTo("Member ghost is not a member of group g.");
        assertThat(stranger.memberId()).isEqualTo("ghost");
        assertThat(stranger.memberEpoch()).isEqualTo(1);
        assertThat(leave("ghost").error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(describe().groupEpoch()).as("a stranger moves nothing").isEqualTo(1);
    }

    @Test
    void shouldLetAMemberLeaveAndFreeItsPartitionsForTheOthers() {
        join("a", "orders");
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        heartbeat("a", 1, orders(0, 1));
        heartbeat("b", 2, List.of());

        ConsumerHeartbeatResult left = leave("b");
        assertThat(left.error()).isNull();
        assertThat(left.memberEpoch()).isEqualTo(-1);
        assertThat(left.memberId()).isEqualTo("b");
        assertThat(left.assignment()).isNull();
        // The group moved on; the target follows with the next heartbeat.
        assertThat(describe().groupEpoch()).isEqualTo(3);
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).containsExactly("a");
        assertThat(describe().state()).isEqualTo(GroupState.ASSIGNING);

        ConsumerHeartbeatResult all = heartbeat("a", 2, orders(0, 1));
        assertThat(all.memberEpoch()).isEqualTo(3);
        assertThat(all.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
        assertThat(heartbeat("b", 2, List.of()).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void shouldFreeThePartitionsOfAMemberThatLeavesWhileRevoking() {
        join("a", "orders");
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));

        assertThat(leave("a").error()).isNull();

        ConsumerHeartbeatResult b = heartbeat("b", 2, List.of());
        assertThat(b.memberEpoch()).isEqualTo(3);
        assertThat(b.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
    }

    @Test
    void shouldAnswerAStaticLeaveWithItsOwnEpoch() {
        join("a", "orders");

        ConsumerHeartbeatResult left = send("a", -2, null, null, null, null, -1);

        assertThat(left.error()).isNull();
        assertThat(left.memberEpoch()).isEqualTo(-2);
        assertThat(left.heartbeatIntervalMs()).isZero();
    }

    @Test
    void shouldKeepAStaticMembersPartitionsWhileItIsAwayAndGiveThemBackToItsSuccessor() {
        staticSend("a", "host-1", 0, List.of("orders"), List.of());
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        heartbeat("a", 1, orders(0, 1));
        heartbeat("b", 2, List.of());
        assertThat(describe().state()).isEqualTo(GroupState.STABLE);
        int groupEpoch = describe().groupEpoch();

        // The static member stops (a rolling restart): its partitions wait for it, nobody else gets them.
        assertThat(staticSend("a", "host-1", -2, null, null).memberEpoch()).isEqualTo(-2);
        assertThat(member("a").memberEpoch()).isEqualTo(-2);
        assertThat(member("a").assignment()).containsExactlyElementsOf(orders(0, 1));
        assertThat(heartbeat("b", 2, orders(2, 3)).assignment()).containsExactlyElementsOf(orders(2, 3));
        assertThat(describe().groupEpoch()).isEqualTo(groupEpoch);
        assertThat(describe().state()).as("a member away is not one still reconciling").isEqualTo(GroupState.STABLE);

        // The restarted process, under a new member id, takes a's place: same partitions, same epoch.
        ConsumerHeartbeatResult back = staticSend("a-restarted", "host-1", 0, List.of("orders"), List.of());
        assertThat(back.error()).isNull();
        assertThat(back.memberEpoch()).isEqualTo(2);
        assertThat(back.assignment()).containsExactlyElementsOf(orders(0, 1));
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId)
                .doesNotContain("a").contains("a-restarted");
        // Its place in the target is its successor's, so the next rebalance starts from there.
        assertThat(member("a-restarted").targetAssignment()).containsExactlyElementsOf(orders(0, 1));
        assertThat(describe().groupEpoch()).isEqualTo(groupEpoch);
    }

    @Test
    void shouldNameAFencedEpochSmallerWhenItIsBehindTheBrokers() {
        join("a", "orders");
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        heartbeat("a", 1, orders(0, 1));
        assertThat(member("a").memberEpoch()).isEqualTo(2);
        heartbeat("a", 2, orders(0, 1));

        ConsumerHeartbeatResult ahead = heartbeat("a", 3, orders(0, 1));
        assertThat(ahead.errorMessage()).startsWith("The consumer group member has a greater member epoch (3) "
                + "than the one known by the group coordinator (2).");
        // Epoch 1 is a's previous one, but a partition it names is not a's any more: fenced.
        ConsumerHeartbeatResult behind = heartbeat("a", 1, orders(0, 2));

        assertThat(behind.error()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(behind.errorMessage()).startsWith("The consumer group member has a smaller member epoch (1) "
                + "than the one known by the group coordinator (2).");
    }

    @Test
    void shouldMoveTheGroupEpochForAMemberJoiningWithNoTopics() {
        join("a", "orders");

        ConsumerHeartbeatResult idle = send("b", 0, List.of(), null, null, List.of(), REBALANCE_TIMEOUT_MS);

        assertThat(idle.error()).isNull();
        assertThat(idle.memberEpoch()).isEqualTo(2);
        assertThat(describe().groupEpoch()).isEqualTo(2);
        assertThat(idle.assignment()).isEmpty();
    }

    @Test
    void shouldLeaveAStaticMemberInItsPlaceWhenItsSuccessorsJoinIsRefused() {
        staticSend("a", "host-1", 0, List.of("orders"), List.of());
        staticSend("a", "host-1", -2, null, null);
        int recordsBefore = harness.records.size();

        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, "a-restarted", 0, "host-1", null, REBALANCE_TIMEOUT_MS,
                List.of("orders"), null, "sticky", List.of(), "client", "/10.0.0.1", topics, harness.nowMs));

        assertThat(((ConsumerHeartbeatResult) harness.replies.get(request)).error())
                .isEqualTo(ErrorCode.UNSUPPORTED_ASSIGNOR);
        assertThat(describe().members()).singleElement().satisfies(member -> {
            assertThat(member.memberId()).isEqualTo("a");
            assertThat(member.memberEpoch()).isEqualTo(-2);
            assertThat(member.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
        });
        assertThat(harness.records).hasSize(recordsBefore);
        // A join that is taken still finds the place kept.
        assertThat(staticSend("a-restarted", "host-1", 0, List.of("orders"), List.of()).assignment())
                .containsExactlyElementsOf(orders(0, 1, 2, 3));
    }

    @Test
    void shouldRefuseAnInstanceIdALiveMemberHolds() {
        staticSend("a", "host-1", 0, List.of("orders"), List.of());

        ConsumerHeartbeatResult clash = staticSend("a2", "host-1", 0, List.of("orders"), List.of());

        assertThat(clash.error()).isEqualTo(ErrorCode.UNRELEASED_INSTANCE_ID);
        assertThat(clash.errorMessage()).isEqualTo("Static member a2 with instance id host-1 cannot join the group"
                + " because the instance id is owned by a member.");
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).containsExactly("a");
        assertThat(describe().groupEpoch()).isEqualTo(1);
    }

    @Test
    void shouldLetOnlyTheMemberHoldingAnInstanceIdLeaveInItsName() {
        staticSend("a", "host-1", 0, List.of("orders"), List.of());
        join("b", "orders");

        for (int epoch : new int[] {-2, -1}) {
            ConsumerHeartbeatResult zombie = staticSend("a-old", "host-1", epoch, null, null);
            assertThat(zombie.error()).isEqualTo(ErrorCode.FENCED_INSTANCE_ID);
            assertThat(zombie.errorMessage()).isEqualTo("Static member a-old with instance id host-1 was fenced by member a.");
            // Another member's id with an instance id: the instance decides, and it is not b's.
            assertThat(staticSend("b", "host-1", epoch, null, null).error()).isEqualTo(ErrorCode.FENCED_INSTANCE_ID);
            ConsumerHeartbeatResult unknown = staticSend("a", "host-9", epoch, null, null);
            assertThat(unknown.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
            assertThat(unknown.errorMessage()).isEqualTo("Instance id host-9 is unknown.");
        }
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId)
                .containsExactlyInAnyOrder("a", "b");
        assertThat(describe().groupEpoch()).isEqualTo(2);

        // The holder leaves for good by its instance id.
        ConsumerHeartbeatResult left = staticSend("a", "host-1", -1, null, null);
        assertThat(left.error()).isNull();
        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).containsExactly("b");
    }

    @Test
    void shouldHandAwayAStaticMembersPartitionsOnceItsSessionRunsOut() {
        staticSend("a", "host-1", 0, List.of("orders"), List.of());
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        heartbeat("a", 1, orders(0, 1));
        heartbeat("b", 2, List.of());
        staticSend("a", "host-1", -2, null, null);

        harness.nowMs = SESSION_MS - 1;
        heartbeat("b", 2, orders(2, 3));
        expireAt(SESSION_MS);

        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).containsExactly("b");
        ConsumerHeartbeatResult b = heartbeat("b", 2, orders(2, 3));
        assertThat(b.memberEpoch()).isEqualTo(3);
        assertThat(b.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
    }

    // ---------------------------------------------------------------- timers

    @Test
    void shouldFenceAMemberWhoseSessionRanOut() {
        join("a", "orders");
        assertThat(harness.groups.nextDeadlineMs(GROUP)).isEqualTo(SESSION_MS);

        expireAt(SESSION_MS - 1);
        assertThat(describe().members()).hasSize(1);

        expireAt(SESSION_MS);
        assertThat(describe().members()).isEmpty();
        assertThat(describe().state()).isEqualTo(GroupState.EMPTY);
        assertThat(describe().groupEpoch()).isEqualTo(2);
        assertThat(harness.groups.nextDeadlineMs(GROUP)).isEqualTo(ClassicGroup.NO_DEADLINE);
        assertThat(heartbeat("a", 1, null).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void shouldCountTheSessionFromTheLastHeartbeat() {
        join("a", "orders");
        harness.nowMs = 10_000;
        heartbeat("a", 1, null);
        assertThat(harness.groups.nextDeadlineMs(GROUP)).isEqualTo(10_000 + SESSION_MS);

        expireAt(SESSION_MS);
        assertThat(describe().members()).hasSize(1);
        assertThat(describe().groupEpoch()).as("an expiry that fences no one moves nothing").isEqualTo(1);
        expireAt(10_000 + SESSION_MS);
        assertThat(describe().members()).isEmpty();
    }

    @Test
    void shouldGiveTheSilentMembersPartitionsToTheOneStillHeartbeating() {
        join("a", "orders");
        harness.nowMs = 1_000;
        join("b", "orders");
        harness.nowMs = 40_000;
        heartbeat("b", 2, List.of());

        expireAt(SESSION_MS);

        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).containsExactly("b");
        ConsumerHeartbeatResult b = heartbeat("b", 2, List.of());
        assertThat(b.memberEpoch()).isEqualTo(3);
        assertThat(b.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
    }

    @Test
    void shouldFenceAMemberThatDoesNotRevokeWithinItsRebalanceTimeout() {
        send("a", 0, List.of("orders"), null, null, List.of(), 10_000);
        harness.nowMs = 1_000;
        join("b", "orders");
        harness.nowMs = 2_000;
        heartbeat("a", 1, orders(0, 1, 2, 3)); // told to revoke: it has until 12 000
        assertThat(harness.groups.nextDeadlineMs(GROUP)).isEqualTo(12_000);
        harness.nowMs = 8_000;
        heartbeat("a", 1, orders(0, 1, 2, 3)); // heartbeating does not buy time; revoking does
        heartbeat("b", 2, List.of());

        expireAt(11_999);
        assertThat(describe().members()).hasSize(2);
        expireAt(12_000);

        assertThat(describe().members()).extracting(ConsumerGroupDescription.Member::memberId).containsExactly("b");
        assertThat(heartbeat("a", 1, orders(0, 1)).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        ConsumerHeartbeatResult b = heartbeat("b", 2, List.of());
        assertThat(b.memberEpoch()).isEqualTo(3);
        assertThat(b.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
    }

    @Test
    void shouldDropTheRevocationDeadlineOnceTheMemberRevoked() {
        send("a", 0, List.of("orders"), null, null, List.of(), 10_000);
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        harness.nowMs = 5_000;
        heartbeat("a", 1, orders(0, 1));
        heartbeat("b", 2, List.of());

        assertThat(harness.groups.nextDeadlineMs(GROUP)).isEqualTo(5_000 + SESSION_MS);
        expireAt(20_000);
        assertThat(describe().members()).hasSize(2);
    }

    @Test
    void shouldTakeTheBrokersDefaultsWhereTheGroupHasNoOverride() {
        GroupHarness configured = new GroupHarness(GroupConfig.defaults().withGroupConfigDefaults(GroupConfigDefaults.of(
                Map.of("group.consumer.min.heartbeat.interval.ms", "1000", "group.consumer.heartbeat.interval.ms", "2000",
                        "group.consumer.min.session.timeout.ms", "10000", "group.consumer.session.timeout.ms", "12000"))));
        long request = configured.nextRequest();
        configured.apply(new ConsumerHeartbeat(request, GROUP, "a", 0, null, null, REBALANCE_TIMEOUT_MS, List.of("orders"),
                null, null, List.of(), "client-a", "/10.0.0.1", topics, configured.nowMs));
        ConsumerHeartbeatResult joined = (ConsumerHeartbeatResult) configured.replies.get(request);
        assertThat(joined.heartbeatIntervalMs()).isEqualTo(2_000);
        assertThat(configured.groups.nextDeadlineMs(GROUP)).isEqualTo(12_000);

        // An override may go down to the broker's bounds, not to Kafka's built-in ones.
        long alter = configured.nextRequest();
        configured.apply(new GroupCommand.AlterConfigs(alter, GROUP, Map.of("consumer.heartbeat.interval.ms", "1000"),
                false, 0));
        assertThat(((GroupResult.AlterConfigsResult) configured.replies.get(alter)).error()).isNull();
        long refused = harness.nextRequest();
        harness.apply(new GroupCommand.AlterConfigs(refused, GROUP, Map.of("consumer.heartbeat.interval.ms", "1000"),
                false, 0));
        assertThat(((GroupResult.AlterConfigsResult) harness.replies.get(refused)).error()).isNotNull();
    }

    @Test
    void shouldTakeTheGroupsOwnSessionTimeoutAndHeartbeatInterval() {
        long alter = harness.nextRequest();
        harness.apply(new GroupCommand.AlterConfigs(alter, GROUP, Map.of("consumer.session.timeout.ms", "50000",
                "consumer.heartbeat.interval.ms", "8000"), false, 0));
        assertThat(((GroupResult.AlterConfigsResult) harness.replies.get(alter)).error()).isNull();

        ConsumerHeartbeatResult joined = join("a", "orders");
        assertThat(joined.heartbeatIntervalMs()).isEqualTo(8_000);
        assertThat(harness.groups.nextDeadlineMs(GROUP)).isEqualTo(50_000);

        expireAt(SESSION_MS);
        assertThat(describe().members()).as("the broker's 45 s no longer apply").hasSize(1);
        expireAt(50_000);
        assertThat(describe().members()).isEmpty();
    }

    @Test
    void shouldCountTheOffsetsRetentionOfAGroupEmptiedBySessionTimeoutFromThen() {
        join("a", "orders");
        assertThat(commit(1, "a")).isNull(); // committed at 0
        expireAt(SESSION_MS); // empty from here

        long retentionMs = harness.groups.config().offsetsRetentionMs();
        harness.apply(new GroupCommand.ExpireOffsets(retentionMs + 1_000));
        assertThat(harness.groups.fetchOffsets(GROUP, null)).as("kept: not empty for long enough").hasSize(1);
        harness.apply(new GroupCommand.ExpireOffsets(SESSION_MS + retentionMs));
        assertThat(harness.groups.fetchOffsets(GROUP, null)).isEmpty();
    }

    // ---------------------------------------------------------------- a restart

    @Test
    void shouldBringBackARevokingMemberWithItsRebalanceTimeoutCountedFromTheRestart() {
        send("a", 0, List.of("orders"), null, "range", List.of(), 10_000);
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3)); // a is revoking 2 and 3

        Groups restarted = new Groups(GroupConfig.defaults());
        for (GroupRecord record : harness.records) {
            restarted.restore(record, 100_000);
        }

        ConsumerGroupDescription group = restarted.describeConsumerGroup(GROUP).group();
        assertThat(group).isEqualTo(describe());
        assertThat(group.assignorName()).isEqualTo("range");
        assertThat(group.members().get(1).targetAssignment()).containsExactlyElementsOf(orders(2, 3));
        assertThat(restarted.nextDeadlineMs(GROUP)).isEqualTo(100_000 + 10_000);
        // It carries on where it was: its revocation still holds b back until it says it is done.
        long stillRevoking = 1;
        restarted.apply(new ConsumerHeartbeat(stillRevoking, GROUP, "b", 2, null, null, -1, null, null, null,
                List.of(), "client-b", "/10.0.0.1", topics, 100_000));
        long revoked = 2;
        restarted.apply(new ConsumerHeartbeat(revoked, GROUP, "a", 1, null, null, -1, null, null, null,
                orders(0, 1), "client-a", "/10.0.0.1", topics, 100_000));
        GroupOutcome taken = restarted.apply(new ConsumerHeartbeat(3, GROUP, "b", 2, null, null, -1, null, null, null,
                List.of(), "client-b", "/10.0.0.1", topics, 100_000));
        assertThat(((ConsumerHeartbeatResult) taken.replies().get(0).result()).assignment())
                .containsExactlyElementsOf(orders(2, 3));
        assertThat(restarted.describeConsumerGroup(GROUP).group().state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldBringBackAMemberSubscribedByRegexThatStillMatchesNewTopics() {
        topics.clear();
        topics.put("orders.eu", 1);
        send("a", 0, null, "orders\\..*", null, List.of(), REBALANCE_TIMEOUT_MS);

        Groups restarted = new Groups(GroupConfig.defaults());
        for (GroupRecord record : harness.groups.snapshot()) {
            restarted.restore(record, 0);
        }
        topics.put("orders.us", 1);
        GroupOutcome later = restarted.apply(new ConsumerHeartbeat(1, GROUP, "a", 1, null, null, -1, null, null,
                null, null, "client-a", "/10.0.0.1", topics, 0));

        assertThat(((ConsumerHeartbeatResult) later.replies().get(0).result()).assignment())
                .containsExactly(new PartitionRef("orders.eu", 0), new PartitionRef("orders.us", 0));
    }

    @Test
    void shouldFallBackToTheDefaultAssignorForARecordNamingOneTheBrokerNoLongerHas() {
        Groups restarted = new Groups(GroupConfig.defaults());
        // The member's record may come first: compaction keeps records in the order they were written.
        restarted.restore(new GroupRecord.ConsumerMemberState(GROUP, new GroupRecord.StoredConsumerMember("a", null,
                null, "client-a", "/10.0.0.1", 1_000, List.of("orders"), null, null, 3, 2, "STABLE",
                orders(0, 1, 2, 3), List.of(), null), orders(0, 1, 2, 3)), 0);
        restarted.restore(new GroupRecord.ConsumerGroupState(GROUP, 3, 3, "sticky", Map.of("orders", 4)), 0);

        ConsumerGroupDescription group = restarted.describeConsumerGroup(GROUP).group();
        assertThat(group.assignorName()).isEqualTo("uniform");
        assertThat(group.state()).isEqualTo(GroupState.STABLE);
        assertThat(group.members()).singleElement().satisfies(member ->
                assertThat(member.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3)));
    }

    // ---------------------------------------------------------------- offset commits

    @Test
    void shouldTakeCommitsAtTheMembersEpochOnly() {
        membersAAtEpochTwoAndB();

        assertThat(commit(2, "a")).isNull();
        assertThat(harness.groups.fetchOffsets(GROUP, null)).containsKey(new PartitionRef("orders", 0));
        assertThat(commit(1, "a")).isEqualTo(ErrorCode.STALE_MEMBER_EPOCH);
        assertThat(commit(3, "a")).as("newer is stale too, as Kafka 4.3.1 answers").isEqualTo(ErrorCode.STALE_MEMBER_EPOCH);
        assertThat(commit(2, "stranger")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void shouldTakeCommitsFromOutsideTheGroupOnlyWhenItIsEmpty() {
        join("a", "orders");
        assertThat(commit(-1, "")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        assertThat(commit(-1, "a")).isEqualTo(ErrorCode.STALE_MEMBER_EPOCH);
        assertThat(commit(-1, "stranger")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        leave("a");
        assertThat(commit(-1, "")).isNull();
        assertThat(harness.groups.fetchOffsets(GROUP, null)).containsKey(new PartitionRef("orders", 0));
        // A consumer of the new protocol assigning its own partitions names the member id it made up.
        assertThat(commit(-1, "made-up")).isNull();
        assertThat(commit(-1, "a")).isNull();
    }

    @Test
    void shouldCheckATransactionalCommitAgainstTheMembersEpoch() {
        membersAAtEpochTwoAndB();

        assertThat(transactionalCommitError(2, "a")).isNull();
        // Kafka answers a transactional commit at another epoch as one of another generation.
        assertThat(transactionalCommitError(1, "a")).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(transactionalCommitError(3, "a")).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(transactionalCommitError(2, "stranger")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        // Unlike a classic group's, a consumer group refuses a commit without a member while it has members.
        assertThat(transactionalCommitError(-1, "")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        leave("a");
        leave("b");
        assertThat(transactionalCommitError(-1, "")).isNull();
        assertThat(transactionalCommitError(-1, "a")).isNull();
        assertThat(transactionalCommitError(2, "a")).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    /** Members "a" and "b" of "orders"; "a" has given up partitions 2 and 3 for "b" and is at epoch 2. */
    private void membersAAtEpochTwoAndB() {
        join("a", "orders");
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        heartbeat("a", 1, orders(0, 1));
    }

    private ErrorCode transactionalCommitError(int epoch, String memberId) {
        return harness.groups.transactionalCommitError(GROUP, epoch, memberId, null);
    }

    // ---------------------------------------------------------------- the classic protocol next door

    @Test
    void shouldRefuseAClassicJoinWhoseSubscriptionTheConsumerGroupCannotRead() {
        join("a", "orders");
        // The harness knows no consumer protocol format: the broker cannot assign such a member.

        long classic = harness.join("", false, List.of(GroupHarness.protocol("range")));

        assertThat(harness.joinResult(classic).error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(describe().members()).hasSize(1);
    }

    @Test
    void shouldRefuseAConsumerHeartbeatOnAClassicGroupWithMembers() {
        harness.join("", false, List.of(GroupHarness.protocol("range")));

        // Still in its first rebalance, no protocol chosen: nothing to migrate from.
        ConsumerHeartbeatResult refused = join("a", "orders");
        assertThat(refused.error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(refused.errorMessage()).isEqualTo(
                "Cannot upgrade classic group g to consumer group because the embedded consumer protocol is malformed.");
        refused = heartbeat("a", 1, null);
        assertThat(refused.error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(refused.errorMessage()).isEqualTo("Group g is not a consumer group.");
        Groups.ConsumerGroupLookup lookup = harness.groups.describeConsumerGroup(GROUP);
        assertThat(lookup.error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(lookup.message()).isEqualTo("Group g is not a consumer group.");
        assertThat(harness.groups.list()).singleElement().satisfies(listing ->
                assertThat(listing.type()).isEqualTo(GroupListing.CLASSIC));
    }

    @Test
    void shouldTurnAnEmptyConsumerGroupClassicOnAJoinGroup() {
        join("a", "orders");
        leave("a");
        assertThat(harness.groups.list()).singleElement().satisfies(listing -> {
            assertThat(listing.type()).isEqualTo(GroupListing.CONSUMER);
            assertThat(listing.state()).isEqualTo(GroupState.EMPTY);
        });

        long classic = harness.join("", false, List.of(GroupHarness.protocol("range")));
        harness.completeRebalance();

        assertThat(harness.joinResult(classic).error()).isNull();
        assertThat(harness.groups.list()).singleElement().satisfies(listing ->
                assertThat(listing.type()).isEqualTo(GroupListing.CLASSIC));
        assertThat(harness.groups.describeConsumerGroup(GROUP).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void shouldTurnAnEmptyClassicGroupIntoAConsumerGroup() {
        assertThat(commit(-1, "")).isNull(); // a group with offsets only

        ConsumerHeartbeatResult joined = join("a", "orders");

        assertThat(joined.error()).isNull();
        assertThat(harness.groups.list()).singleElement().satisfies(listing ->
                assertThat(listing.type()).isEqualTo(GroupListing.CONSUMER));
        assertThat(harness.groups.fetchOffsets(GROUP, null)).as("offsets stay").hasSize(1);
    }

    @Test
    void shouldRefuseAnEmptyClassicGroupAHeartbeatOfAMemberItNeverHad() {
        assertThat(commit(-1, "")).isNull();

        ConsumerHeartbeatResult result = heartbeat("a", 4, null);

        assertThat(result.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.groups.list()).singleElement().satisfies(listing ->
                assertThat(listing.type()).isEqualTo(GroupListing.CLASSIC));
    }

    // ---------------------------------------------------------------- topics

    @Test
    void shouldAssignANewPartitionOfASubscribedTopic() {
        join("a", "orders");

        topics.put("orders", 5);
        ConsumerHeartbeatResult grown = heartbeat("a", 1, null);

        assertThat(grown.memberEpoch()).isEqualTo(2);
        assertThat(grown.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3, 4));
        assertThat(describe().groupEpoch()).isEqualTo(2);
    }

    @Test
    void shouldNotMoveTheEpochForTopicsNoMemberSubscribesTo() {
        join("a", "orders");

        topics.put("payments", 8);
        ConsumerHeartbeatResult result = heartbeat("a", 1, null);

        assertThat(result.memberEpoch()).isEqualTo(1);
        assertThat(describe().groupEpoch()).isEqualTo(1);
    }

    @Test
    void shouldSplitANewPartitionWithoutGivingItTwice() {
        join("a", "orders");
        join("b", "orders");
        heartbeat("a", 1, orders(0, 1, 2, 3));
        heartbeat("a", 1, orders(0, 1));
        heartbeat("b", 2, List.of());

        topics.put("orders", 6);
        ConsumerHeartbeatResult a = heartbeat("a", 2, orders(0, 1));
        ConsumerHeartbeatResult b = heartbeat("b", 2, orders(2, 3));

        assertThat(a.memberEpoch()).isEqualTo(3);
        assertThat(b.memberEpoch()).isEqualTo(3);
        List<PartitionRef> all = new ArrayList<>(a.assignment());
        all.addAll(b.assignment());
        assertThat(all).containsExactlyInAnyOrderElementsOf(orders(0, 1, 2, 3, 4, 5));
        assertThat(a.assignment()).hasSize(3);
        assertThat(describe().state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldPickUpATopicThatAppearsLaterAndMatchesTheRegex() {
        topics.clear();
        topics.put("orders.eu", 2);
        topics.put("payments", 3);
        ConsumerHeartbeatResult joined = send("a", 0, null, "orders\\..*", null, List.of(), REBALANCE_TIMEOUT_MS);
        assertThat(joined.assignment()).containsExactly(new PartitionRef("orders.eu", 0),
                new PartitionRef("orders.eu", 1));

        topics.put("orders.us", 1);
        topics.put("xorders.us", 1); // the pattern must match the whole name
        ConsumerHeartbeatResult later = heartbeat("a", 1, null);

        assertThat(later.memberEpoch()).isEqualTo(2);
        assertThat(later.assignment()).containsExactly(new PartitionRef("orders.eu", 0),
                new PartitionRef("orders.eu", 1), new PartitionRef("orders.us", 0));
        assertThat(member("a").subscribedTopicRegex()).isEqualTo("orders\\..*");
    }

    @Test
    void shouldDropARegexSubscriptionWhenTheMemberSendsAnEmptyOne() {
        topics.put("payments", 1);
        send("a", 0, List.of("payments"), "orders", null, List.of(), REBALANCE_TIMEOUT_MS);
        assertThat(member("a").assignment()).hasSize(5);

        ConsumerHeartbeatResult result = send("a", 1, null, "", null, null, -1);

        assertThat(result.memberEpoch()).isEqualTo(1);
        assertThat(result.assignment()).containsExactly(new PartitionRef("payments", 0));
        assertThat(member("a").subscribedTopicRegex()).isNull();
        assertThat(describe().groupEpoch()).isEqualTo(2);
    }

    @Test
    void shouldRefuseAnInvalidRegex() {
        ConsumerHeartbeatResult joined = send("a", 0, null, "orders[", null, List.of(), REBALANCE_TIMEOUT_MS);
        assertThat(joined.error()).isEqualTo(ErrorCode.INVALID_REGULAR_EXPRESSION);
        assertThat(joined.errorMessage()).startsWith("SubscribedTopicRegex `orders[` is not a valid regular expression");
        assertThat(harness.groups.list()).isEmpty();

        join("a", "orders");
        ConsumerHeartbeatResult changed = send("a", 1, List.of("payments"), "(", null, null, -1);
        assertThat(changed.error()).isEqualTo(ErrorCode.INVALID_REGULAR_EXPRESSION);
        // Refused as a whole: the names that came with it were not taken either.
        assertThat(member("a").subscribedTopicNames()).containsExactly("orders");
        assertThat(member("a").subscribedTopicRegex()).isNull();
        assertThat(describe().groupEpoch()).isEqualTo(1);
    }

    @Test
    void shouldRefuseAnAssignorTheBrokerDoesNotHave() {
        ConsumerHeartbeatResult joined = send("a", 0, List.of("orders"), null, "sticky", List.of(),
                REBALANCE_TIMEOUT_MS);

        assertThat(joined.error()).isEqualTo(ErrorCode.UNSUPPORTED_ASSIGNOR);
        assertThat(joined.errorMessage()).isEqualTo(
                "ServerAssignor sticky is not supported. Supported assignors: uniform, range.");
        assertThat(harness.groups.list()).isEmpty();

        join("a", "orders");
        assertThat(send("a", 1, List.of("payments"), null, "sticky", null, -1).error())
                .isEqualTo(ErrorCode.UNSUPPORTED_ASSIGNOR);
        assertThat(member("a").subscribedTopicNames()).containsExactly("orders");
    }

    // ---------------------------------------------------------------- assignors

    @Test
    void shouldRunTheAssignorMostMembersAskFor() {
        topics.put("orders", 6);
        send("a", 0, List.of("orders"), null, "range", List.of(), REBALANCE_TIMEOUT_MS);
        assertThat(describe().assignorName()).isEqualTo("range");
        send("b", 0, List.of("orders"), null, "range", List.of(), REBALANCE_TIMEOUT_MS);
        send("c", 0, List.of("orders"), null, "uniform", List.of(), REBALANCE_TIMEOUT_MS);

        ConsumerGroupDescription group = describe();
        assertThat(group.assignorName()).isEqualTo("range");
        // Range's shape, not the sticky one: each member its slice in member order.
        assertThat(member("a").targetAssignment()).containsExactlyElementsOf(orders(0, 1));
        assertThat(member("b").targetAssignment()).containsExactlyElementsOf(orders(2, 3));
        assertThat(member("c").targetAssignment()).containsExactlyElementsOf(orders(4, 5));

        // A change of assignor is a change of the member: the group epoch moves.
        send("a", 1, null, null, "uniform", null, -1);
        assertThat(describe().groupEpoch()).isEqualTo(4);
        assertThat(describe().assignorName()).isEqualTo("uniform");
    }

    @Test
    void shouldSettleATieBetweenAssignorsOnTheDefault() {
        // Kafka leaves a tie to a hash map's order; here it must be the same on every replay.
        send("a", 0, List.of("orders"), null, "range", List.of(), REBALANCE_TIMEOUT_MS);
        send("b", 0, List.of("orders"), null, "uniform", List.of(), REBALANCE_TIMEOUT_MS);

        assertThat(describe().assignorName()).isEqualTo("uniform");
    }

    @Test
    void shouldRunUniformWhenNoMemberAsks() {
        join("a", "orders");

        assertThat(describe().assignorName()).isEqualTo("uniform");
    }

    // ---------------------------------------------------------------- describe, list, delete

    @Test
    void shouldDescribeEpochsAssignorAndEveryMembersAssignmentAndTarget() {
        send("a", 0, List.of("orders"), null, "range", List.of(), REBALANCE_TIMEOUT_MS);
        harness.nowMs = 100;
        send("b", 0, List.of("orders"), null, "range", List.of(), REBALANCE_TIMEOUT_MS);

        Groups.ConsumerGroupLookup lookup = harness.groups.describeConsumerGroup(GROUP);
        assertThat(lookup.error()).isNull();
        assertThat(lookup.message()).isNull();
        ConsumerGroupDescription group = lookup.group();
        assertThat(group.groupId()).isEqualTo(GROUP);
        assertThat(group.state()).isEqualTo(GroupState.RECONCILING);
        assertThat(group.groupEpoch()).isEqualTo(2);
        assertThat(group.assignmentEpoch()).isEqualTo(2);
        assertThat(group.assignorName()).isEqualTo("range");
        assertThat(group.members()).extracting(ConsumerGroupDescription.Member::memberId).containsExactly("a", "b");

        ConsumerGroupDescription.Member a = group.members().get(0);
        assertThat(a.memberEpoch()).isEqualTo(1);
        assertThat(a.assignment()).containsExactlyElementsOf(orders(0, 1, 2, 3));
        assertThat(a.targetAssignment()).containsExactlyElementsOf(orders(0, 1));
        assertThat(a.subscribedTopicNames()).containsExactly("orders");
        assertThat(a.clientId()).isEqualTo("client-a");
        ConsumerGroupDescription.Member b = group.members().get(1);
        assertThat(b.memberEpoch()).isEqualTo(2);
        assertThat(b.assignment()).isEmpty();
        assertThat(b.targetAssignment()).containsExactlyElementsOf(orders(2, 3));
    }

    @Test
    void shouldNotDescribeAGroupThatIsNotThere() {
        Groups.ConsumerGroupLookup lookup = harness.groups.describeConsumerGroup("nowhere");

        assertThat(lookup.error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(lookup.message()).isEqualTo("Group nowhere not found.");
        assertThat(lookup.group()).isNull();
    }

    @Test
    void shouldListTheGroupAsAConsumerGroupInTheStateItIsIn() {
        join("a", "orders");
        assertThat(listing().state()).isEqualTo(GroupState.STABLE);
        assertThat(listing().type()).isEqualTo(GroupListing.CONSUMER);
        assertThat(listing().protocolType()).isEqualTo("consumer");

        join("b", "orders");
        assertThat(listing().state()).isEqualTo(GroupState.RECONCILING);
        heartbeat("a", 1, orders(0, 1, 2, 3));
        assertThat(listing().state()).isEqualTo(GroupState.RECONCILING);
        heartbeat("a", 1, orders(0, 1));
        assertThat(listing().state()).as("b still waits for 2 and 3").isEqualTo(GroupState.RECONCILING);
        heartbeat("b", 2, List.of());
        assertThat(listing().state()).isEqualTo(GroupState.STABLE);

        leave("a");
        assertThat(listing().state()).isEqualTo(GroupState.ASSIGNING);
        leave("b");
        assertThat(listing().state()).isEqualTo(GroupState.EMPTY);
        assertThat(listing().type()).isEqualTo(GroupListing.CONSUMER);
    }

    @Test
    void shouldDeleteAConsumerGroupOnlyWhenEmpty() {
        join("a", "orders");

        assertThat(deleteGroup()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        assertThat(harness.groups.list()).hasSize(1);

        leave("a");
        assertThat(deleteGroup()).isNull();
        assertThat(harness.groups.list()).isEmpty();
        assertThat(harness.groups.describeConsumerGroup(GROUP).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void shouldKeepTheOffsetsOfASubscribedTopic() {
        topics.put("payments", 1);
        join("a", "orders");
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.CommitOffsets(request, GROUP, 1, "a", null, List.of(
                new OffsetToCommit(new PartitionRef("orders", 0), 5, -1, ""),
                new OffsetToCommit(new PartitionRef("payments", 0), 6, -1, "")), 0));

        long delete = harness.nextRequest();
        harness.apply(new GroupCommand.DeleteOffsets(delete, GROUP,
                List.of(new PartitionRef("orders", 0), new PartitionRef("payments", 0)), 0));

        GroupResult.DeleteOffsetsResult result = (GroupResult.DeleteOffsetsResult) harness.replies.get(delete);
        assertThat(result.error()).isNull();
        assertThat(result.partitions()).containsExactly(
                new GroupResult.PartitionOutcome(new PartitionRef("orders", 0), ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC),
                new GroupResult.PartitionOutcome(new PartitionRef("payments", 0), null));
        assertThat(harness.groups.fetchOffsets(GROUP, null)).containsOnlyKeys(new PartitionRef("orders", 0));
    }

    @Test
    void shouldCountATopicMatchedByTheRegexAsSubscribedForOffsetDelete() {
        topics.put("payments", 1);
        send("a", 0, null, "pay.*", null, List.of(), REBALANCE_TIMEOUT_MS);
        harness.apply(new GroupCommand.CommitOffsets(harness.nextRequest(), GROUP, 1, "a", null, List.of(
                new OffsetToCommit(new PartitionRef("payments", 0), 6, -1, "")), 0));

        long delete = harness.nextRequest();
        harness.apply(new GroupCommand.DeleteOffsets(delete, GROUP, List.of(new PartitionRef("payments", 0)), 0));

        assertThat(((GroupResult.DeleteOffsetsResult) harness.replies.get(delete)).partitions())
                .extracting(GroupResult.PartitionOutcome::error).containsExactly(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    }

    // ---------------------------------------------------------------- helpers

    private ConsumerHeartbeatResult join(String memberId, String... subscribed) {
        return send(memberId, 0, List.of(subscribed), null, null, List.of(), REBALANCE_TIMEOUT_MS);
    }

    private ConsumerHeartbeatResult heartbeat(String memberId, int epoch, List<PartitionRef> owned) {
        return send(memberId, epoch, null, null, null, owned, -1);
    }

    private ConsumerHeartbeatResult leave(String memberId) {
        return send(memberId, -1, null, null, null, null, -1);
    }

    private ConsumerHeartbeatResult send(String memberId, int epoch, List<String> names, String regex,
                                         String assignor, List<PartitionRef> owned, int rebalanceTimeoutMs) {
        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, memberId, epoch, null, null, rebalanceTimeoutMs, names,
                regex, assignor, owned, "client-" + memberId, "/10.0.0.1", topics, harness.nowMs));
        ConsumerHeartbeatResult result = (ConsumerHeartbeatResult) harness.replies.get(request);
        assertThat(result).as("heartbeat %d answered at once", request).isNotNull();
        return result;
    }

    /** A heartbeat of a static member (one with a {@code group.instance.id}). */
    private ConsumerHeartbeatResult staticSend(String memberId, String instanceId, int epoch, List<String> names,
                                               List<PartitionRef> owned) {
        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, memberId, epoch, instanceId, null,
                epoch == 0 ? REBALANCE_TIMEOUT_MS : -1, names, null, null, owned, "client-" + memberId, "/10.0.0.1",
                topics, harness.nowMs));
        return (ConsumerHeartbeatResult) harness.replies.get(request);
    }

    private void expireAt(long nowMs) {
        harness.nowMs = nowMs;
        harness.apply(new GroupCommand.ExpireTimers(GROUP, nowMs));
    }

    private ErrorCode commit(int epoch, String memberId) {
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.CommitOffsets(request, GROUP, epoch, memberId, null,
                List.of(new OffsetToCommit(new PartitionRef("orders", 0), 42, -1, "")), harness.nowMs));
        return ((GroupResult.CommitResult) harness.replies.get(request)).partitions().get(0).error();
    }

    private ErrorCode deleteGroup() {
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.DeleteGroup(request, GROUP, harness.nowMs));
        return ((GroupResult.DeleteGroupResult) harness.replies.get(request)).error();
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

    private static List<PartitionRef> orders(int... partitions) {
        List<PartitionRef> refs = new ArrayList<>();
        for (int partition : partitions) {
            refs.add(new PartitionRef("orders", partition));
        }
        return refs;
    }
}
