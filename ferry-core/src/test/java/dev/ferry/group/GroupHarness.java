package dev.ferry.group;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import dev.ferry.group.GroupCommand.LeavingMember;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupResult.CommitResult;
import dev.ferry.group.GroupResult.HeartbeatResult;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.LeaveResult;
import dev.ferry.group.GroupResult.SyncResult;

/**
 * Drives {@link Groups} by hand: numbers requests, keeps every reply and record, and lets a test
 * move time. Nothing here runs a thread or reads a clock.
 */
final class GroupHarness {
    static final String GROUP = "g";
    static final int SESSION_MS = 10_000;
    static final int REBALANCE_MS = 60_000;

    final Groups groups;
    long nowMs;
    private long nextRequestId = 1;
    private int nextMemberNumber = 1;
    final Map<Long, GroupResult> replies = new HashMap<>();
    final List<GroupRecord> records = new ArrayList<>();
    final List<Long> answeredTwice = new ArrayList<>();

    GroupHarness(GroupConfig config) {
        this.groups = new Groups(config);
    }

    GroupHarness() {
        this(GroupConfig.defaults());
    }

    static Protocol protocol(String name) {
        return new Protocol(name, name.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    GroupOutcome apply(GroupCommand command) {
        GroupOutcome outcome = groups.apply(command);
        for (GroupOutcome.Reply reply : outcome.replies()) {
            if (replies.put(reply.requestId(), reply.result()) != null) {
                answeredTwice.add(reply.requestId());
            }
        }
        records.addAll(outcome.records());
        return outcome;
    }

    long nextRequest() {
        return nextRequestId++;
    }

    /** A JoinGroup (v4+ unless {@code requireKnown} is false); returns its request id. */
    long join(String memberId, boolean requireKnown, List<Protocol> protocols) {
        return join(GROUP, memberId, requireKnown, "consumer", protocols, SESSION_MS, REBALANCE_MS);
    }

    long join(String groupId, String memberId, boolean requireKnown, String protocolType, List<Protocol> protocols,
              int sessionMs, int rebalanceMs) {
        long id = nextRequest();
        apply(new GroupCommand.Join(id, groupId, memberId, "m" + (nextMemberNumber++), null, "client", "/127.0.0.1",
                sessionMs, rebalanceMs, protocolType, protocols, requireKnown, nowMs));
        return id;
    }

    /** A JoinGroup v5+ of a static member: {@code instanceId} as its group.instance.id. */
    long joinStatic(String memberId, String instanceId, List<Protocol> protocols) {
        long id = nextRequest();
        apply(new GroupCommand.Join(id, GROUP, memberId, "m" + (nextMemberNumber++), instanceId, "client",
                "/127.0.0.1", SESSION_MS, REBALANCE_MS, "consumer", protocols, true, nowMs));
        return id;
    }

    long syncStatic(String memberId, String instanceId, int generation, Map<String, byte[]> assignments) {
        long id = nextRequest();
        apply(new GroupCommand.Sync(id, GROUP, generation, memberId, instanceId, "consumer", null, assignments, nowMs));
        return id;
    }

    long heartbeatStatic(String memberId, String instanceId, int generation) {
        long id = nextRequest();
        apply(new GroupCommand.Heartbeat(id, GROUP, generation, memberId, instanceId, nowMs));
        return id;
    }

    long join(String memberId) {
        return join(memberId, false, List.of(protocol("range")));
    }

    /** A v4+ member's first two joins: returns the second's request id; the member id is in the first's reply. */
    String newMember(List<Protocol> protocols) {
        long first = join("", true, protocols);
        JoinResult result = joinResult(first);
        join(result.memberId(), true, protocols);
        return result.memberId();
    }

    long sync(String memberId, int generation, Map<String, byte[]> assignments) {
        long id = nextRequest();
        apply(new GroupCommand.Sync(id, GROUP, generation, memberId, null, "consumer", null, assignments, nowMs));
        return id;
    }

    long heartbeat(String memberId, int generation) {
        long id = nextRequest();
        apply(new GroupCommand.Heartbeat(id, GROUP, generation, memberId, null, nowMs));
        return id;
    }

    long leave(String... memberIds) {
        long id = nextRequest();
        List<LeavingMember> leaving = new ArrayList<>();
        for (String memberId : memberIds) {
            leaving.add(new LeavingMember(memberId, null));
        }
        apply(new GroupCommand.Leave(id, GROUP, leaving, nowMs));
        return id;
    }

    long leaveStatic(String memberId, String instanceId) {
        long id = nextRequest();
        apply(new GroupCommand.Leave(id, GROUP, List.of(new LeavingMember(memberId, instanceId)), nowMs));
        return id;
    }

    long commit(int generation, String memberId, PartitionRef partition, long offset, String metadata) {
        long id = nextRequest();
        apply(new GroupCommand.CommitOffsets(id, GROUP, generation, memberId, null,
                List.of(new OffsetToCommit(partition, offset, -1, metadata)), nowMs));
        return id;
    }

    void advanceTo(long timeMs) {
        nowMs = timeMs;
        apply(new GroupCommand.ExpireTimers(GROUP, nowMs));
    }

    void advanceBy(long deltaMs) {
        advanceTo(nowMs + deltaMs);
    }

    /** Moves time to each next deadline of the group until its rebalance is no longer being prepared. */
    void completeRebalance() {
        for (int i = 0; i < 100 && state() == GroupState.PREPARING_REBALANCE; i++) {
            advanceTo(groups.nextDeadlineMs(GROUP));
        }
    }

    boolean answered(long requestId) {
        return replies.containsKey(requestId);
    }

    JoinResult joinResult(long requestId) {
        return (JoinResult) reply(requestId);
    }

    SyncResult syncResult(long requestId) {
        return (SyncResult) reply(requestId);
    }

    HeartbeatResult heartbeatResult(long requestId) {
        return (HeartbeatResult) reply(requestId);
    }

    LeaveResult leaveResult(long requestId) {
        return (LeaveResult) reply(requestId);
    }

    CommitResult commitResult(long requestId) {
        return (CommitResult) reply(requestId);
    }

    private GroupResult reply(long requestId) {
        GroupResult result = replies.get(requestId);
        if (result == null) {
            throw new AssertionError("request " + requestId + " has no answer");
        }
        return result;
    }

    ClassicGroup group() {
        return groups.group(GROUP);
    }

    GroupState state() {
        ClassicGroup group = group();
        return group == null ? null : group.state();
    }

    // ---------------------------------------------------------------- a consumer-protocol group's view

    /** ConsumerGroupDescribe of the group, which must be a consumer-protocol group. */
    ConsumerGroupDescription describeConsumerGroup() {
        Groups.ConsumerGroupLookup lookup = groups.describeConsumerGroup(GROUP);
        if (lookup.error() != null) {
            throw new AssertionError("not a consumer group: " + lookup.message());
        }
        return lookup.group();
    }

    ConsumerGroupDescription.Member consumerMember(String memberId) {
        return describeConsumerGroup().members().stream().filter(member -> member.memberId().equals(memberId))
                .findFirst().orElseThrow(() -> new AssertionError("no member " + memberId));
    }

    /** The listing of the one group there is. */
    GroupListing onlyListing() {
        List<GroupListing> listings = groups.list();
        if (listings.size() != 1) {
            throw new AssertionError("groups listed: " + listings);
        }
        return listings.get(0);
    }

    /** What the broker has members reading: no partition in two members' assignments at once. */
    void assertNoPartitionHeldTwice() {
        List<PartitionRef> held = new ArrayList<>();
        for (ConsumerGroupDescription.Member member : describeConsumerGroup().members()) {
            held.addAll(member.assignment());
        }
        if (held.size() != new HashSet<>(held).size()) {
            throw new AssertionError("a partition held twice: " + held);
        }
    }
}
