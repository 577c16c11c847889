package dev.ferry.group;

import static dev.ferry.group.GroupHarness.GROUP;
import static dev.ferry.group.GroupHarness.bytes;
import static dev.ferry.group.GroupHarness.protocol;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.ConsumerHeartbeat;
import dev.ferry.group.GroupResult.ConsumerHeartbeatResult;

/**
 * Kafka's {@code group.max.size} (classic groups) and {@code group.consumer.max.size}
 * (consumer-protocol groups) through {@link Groups#apply}: a member beyond the maximum gets
 * GROUP_MAX_SIZE_REACHED, members already in the group carry on. The online migration's size
 * rules are in {@link GroupMigrationTest}.
 */
class GroupMaxSizeTest {
    private static final List<Protocol> RANGE = List.of(protocol("range"));

    private final GroupHarness classic = new GroupHarness(GroupConfig.defaults().withInitialRebalanceDelayMs(0)
            .withMaxSizes(2, Integer.MAX_VALUE));

    /** Members a (the leader) and b of a stable classic group. */
    private String[] twoClassicMembersStable() {
        String a = classic.newMember(RANGE);
        String b = classic.newMember(RANGE);
        classic.completeRebalance();
        String leader = classic.group().leaderId();
        classic.sync(leader, 1, Map.of(a, bytes("A"), b, bytes("B")));
        classic.sync(leader.equals(a) ? b : a, 1, Map.of());
        assertThat(classic.state()).isEqualTo(GroupState.STABLE);
        return leader.equals(a) ? new String[] {a, b} : new String[] {b, a};
    }

    @Test
    void shouldRefuseANewClassicMemberOfAFullGroupAndKeepTheOthers() {
        String[] ids = twoClassicMembersStable();

        long refused = classic.join("", true, RANGE);
        assertThat(classic.joinResult(refused).error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        assertThat(classic.joinResult(refused).memberId()).as("no member id for it, as Kafka").isEmpty();
        long dynamic = classic.join("", false, RANGE);
        assertThat(classic.joinResult(dynamic).error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        long staticJoin = classic.joinStatic("", "instance-c", RANGE);
        assertThat(classic.joinResult(staticJoin).error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        assertThat(classic.state()).isEqualTo(GroupState.STABLE);
        assertThat(classic.group().members()).hasSize(2);

        // A member of the group is taken: the leader rejoins to assign again.
        long rejoin = classic.join(ids[0], true, RANGE);
        assertThat(classic.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(classic.answered(rejoin)).isFalse();

        // Once one leaves there is room for one.
        classic.leave(ids[1]);
        assertThat(classic.joinResult(rejoin).generationId()).as("the leader alone").isEqualTo(2);
        long third = classic.join("", false, RANGE);
        classic.join(ids[0], true, RANGE);
        classic.completeRebalance();
        assertThat(classic.joinResult(third).error()).isNull();
        assertThat(classic.group().members()).hasSize(2);
        assertThat(classic.group().generationId()).isEqualTo(3);
    }

    @Test
    void shouldShedTheMemberThatRejoinsAfterTheRebalanceIsFull() {
        String[] ids = twoClassicMembersStable();
        classic.join(ids[0], true, RANGE); // a rebalance: the leader waits in it
        long newcomer = classic.join("", false, RANGE); // one waiting: room for one more
        assertThat(classic.answered(newcomer)).isFalse();
        // The rebalance is full, but a member waiting in it may join again (a retried request).
        long retried = classic.join(ids[0], true, RANGE);
        assertThat(classic.answered(retried)).as("waiting, not refused").isFalse();

        long late = classic.join(ids[1], true, RANGE);

        assertThat(classic.joinResult(late).error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        // Shed at once, so everyone left is waiting: the rebalance completes without waiting out b.
        assertThat(classic.state()).isEqualTo(GroupState.COMPLETING_REBALANCE);
        assertThat(classic.joinResult(newcomer).error()).isNull();
        assertThat(classic.group().members()).extracting(member -> member.memberId)
                .containsExactlyInAnyOrder(ids[0], classic.joinResult(newcomer).memberId());
        assertThat(classic.group().generationId()).isEqualTo(2);
    }

    @Test
    void shouldAcceptAnyJoinOfAnEmptyClassicGroup() {
        GroupHarness one = new GroupHarness(GroupConfig.defaults().withInitialRebalanceDelayMs(0).withMaxSizes(1, 1));
        long first = one.join("", false, RANGE);
        one.completeRebalance();
        assertThat(one.joinResult(first).error()).isNull();
        long second = one.join("", false, RANGE);
        assertThat(one.joinResult(second).error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
    }

    @Test
    void shouldRefuseANewConsumerProtocolMemberOfAFullGroupWithKafkasText() {
        GroupHarness consumer = new GroupHarness(GroupConfig.defaults().withMaxSizes(Integer.MAX_VALUE, 2));
        assertThat(consumerJoin(consumer, "a").error()).isNull();
        assertThat(consumerJoin(consumer, "b").error()).isNull();

        ConsumerHeartbeatResult refused = consumerJoin(consumer, "c");
        assertThat(refused.error()).isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        assertThat(refused.errorMessage()).isEqualTo("The consumer group has reached its maximum capacity of 2 members.");
        // A member of the group carries on, even one joining again at epoch 0.
        assertThat(consumerJoin(consumer, "a").error()).isNull();
        assertThat(consumer.describeConsumerGroup().members()).hasSize(2);
        // Leaving makes room.
        long leave = consumer.nextRequest();
        consumer.apply(new ConsumerHeartbeat(leave, GROUP, "b", -1, null, null, -1, null, null, null, null,
                "client-b", "/10.0.0.1", new TreeMap<>(Map.of("orders", 4)), consumer.nowMs));
        assertThat(consumerJoin(consumer, "c").error()).isNull();
    }

    private static ConsumerHeartbeatResult consumerJoin(GroupHarness harness, String memberId) {
        long request = harness.nextRequest();
        harness.apply(new ConsumerHeartbeat(request, GROUP, memberId, 0, null, null, 60_000, List.of("orders"), null,
                null, List.of(), "client-" + memberId, "/10.0.0.1", new TreeMap<>(Map.of("orders", 4)), harness.nowMs));
        return (ConsumerHeartbeatResult) harness.replies.get(request);
    }
}
