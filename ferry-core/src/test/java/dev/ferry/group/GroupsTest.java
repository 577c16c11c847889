package dev.ferry.group;

import static dev.ferry.group.GroupHarness.REBALANCE_MS;
import static dev.ferry.group.GroupHarness.protocol;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.Heartbeat;
import dev.ferry.group.GroupCommand.Join;
import dev.ferry.group.GroupCommand.Leave;
import dev.ferry.group.GroupCommand.LeavingMember;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupResult.CommitResult;
import dev.ferry.group.GroupResult.HeartbeatResult;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.LeaveResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link Groups} answers before any group is involved: the checks of a request against the
 * coordinator's settings, and requests for groups that do not exist (Kafka 4.3.1's answers).
 */
class GroupsTest {
    private static final GroupConfig CONFIG = GroupConfig.defaults();
    private static final PartitionRef P0 = new PartitionRef("orders", 0);

    private final GroupHarness harness = new GroupHarness(CONFIG);

    @Test
    void shouldTakeSessionTimeoutsWithinTheConfiguredBoundsInclusive() {
        assertThat(join("low", CONFIG.minSessionTimeoutMs() - 1).error()).isEqualTo(ErrorCode.INVALID_SESSION_TIMEOUT);
        assertThat(join("high", CONFIG.maxSessionTimeoutMs() + 1).error()).isEqualTo(ErrorCode.INVALID_SESSION_TIMEOUT);
        // At either bound a new member is asked for its member id: the request itself was taken.
        assertThat(join("at-min", CONFIG.minSessionTimeoutMs()).error()).isEqualTo(ErrorCode.MEMBER_ID_REQUIRED);
        assertThat(join("at-max", CONFIG.maxSessionTimeoutMs()).error()).isEqualTo(ErrorCode.MEMBER_ID_REQUIRED);
        assertThat(harness.groups.list()).extracting(GroupListing::groupId).containsExactlyInAnyOrder("at-min", "at-max");
    }

    @Test
    void shouldRefuseAnEmptyGroupIdAndAKnownMemberOfAGroupThatDoesNotExist() {
        assertThat(join("", CONFIG.minSessionTimeoutMs()).error()).isEqualTo(ErrorCode.INVALID_GROUP_ID);
        long request = harness.nextRequest();
        harness.apply(new Join(request, "nowhere", "m-1", "unused", null, "client", "/127.0.0.1",
                CONFIG.minSessionTimeoutMs(), REBALANCE_MS, "consumer", List.of(protocol("range")), true, 0));
        assertThat(((JoinResult) harness.replies.get(request)).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(harness.groups.list()).isEmpty();
    }

    @Test
    void shouldAnswerCommitsForGroupsThatDoNotExistAsKafkaFour() {
        // Generation 0 is a generation: its group should exist.
        assertThat(commit("gone", 0)).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(commit("", 3)).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(harness.groups.list()).isEmpty();
        // Without a generation it is a simple commit, which makes the group; the empty group id
        // too (which no member can join), as Kafka keeps offsets committed without a group.
        assertThat(commit("simple", -1)).isNull();
        assertThat(harness.groups.fetchOffsets("simple", null)).containsKey(P0);
        assertThat(commit("", -1)).isNull();
        assertThat(harness.groups.fetchOffsets("", null)).containsKey(P0);
        assertThat(harness.groups.list()).extracting(GroupListing::groupId).containsExactlyInAnyOrder("simple", "");
    }

    @Test
    void shouldCallMembersOfGroupsThatDoNotExistUnknown() {
        long heartbeat = harness.nextRequest();
        harness.apply(new Heartbeat(heartbeat, "nowhere", 1, "m-1", null, 0));
        assertThat(((HeartbeatResult) harness.replies.get(heartbeat)).error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        long leave = harness.nextRequest();
        harness.apply(new Leave(leave, "nowhere", List.of(new LeavingMember("m-1", null)), 0));
        LeaveResult left = (LeaveResult) harness.replies.get(leave);
        assertThat(left.members()).singleElement().satisfies(member ->
                assertThat(member.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID));
    }

    private JoinResult join(String groupId, int sessionTimeoutMs) {
        long request = harness.nextRequest();
        harness.apply(new Join(request, groupId, "", "member-of-" + groupId, null, "client", "/127.0.0.1",
                sessionTimeoutMs, REBALANCE_MS, "consumer", List.of(protocol("range")), true, 0));
        return (JoinResult) harness.replies.get(request);
    }

    private ErrorCode commit(String groupId, int generation) {
        long request = harness.nextRequest();
        harness.apply(new GroupCommand.CommitOffsets(request, groupId, generation, generation < 0 ? "" : "m-1", null,
                List.of(new OffsetToCommit(P0, 7, -1, "")), 0));
        return ((CommitResult) harness.replies.get(request)).partitions().get(0).error();
    }
}
