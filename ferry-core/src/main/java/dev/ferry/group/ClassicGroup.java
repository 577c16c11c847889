package dev.ferry.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.CommitOffsets;
import dev.ferry.group.GroupCommand.DeleteOffsets;
import dev.ferry.group.GroupCommand.Heartbeat;
import dev.ferry.group.GroupCommand.Join;
import dev.ferry.group.GroupCommand.Leave;
import dev.ferry.group.GroupCommand.LeavingMember;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupCommand.Sync;
import dev.ferry.group.GroupResult.CommitResult;
import dev.ferry.group.GroupResult.DeleteGroupResult;
import dev.ferry.group.GroupResult.DeleteOffsetsResult;
import dev.ferry.group.GroupResult.HeartbeatResult;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.JoinedMember;
import dev.ferry.group.GroupResult.LeaveResult;
import dev.ferry.group.GroupResult.MemberOutcome;
import dev.ferry.group.GroupResult.PartitionOutcome;
import dev.ferry.group.GroupResult.SyncResult;

/**
 * One consumer group under Kafka's classic protocol: its members, generation, chosen protocol,
 * leader, the assignment the leader handed out, and its committed offsets. A deterministic state
 * machine: each method applies one {@link GroupCommand} at the command's time and adds the replies
 * and records it produced to an {@link GroupOutcome.Builder}; nothing here reads a clock, starts a
 * timer or completes a future. Timers are deadlines the owner reads with {@link #nextDeadlineMs()}
 * and fires with {@link #expireTimers(long, GroupOutcome.Builder)}.
 *
 * <p>The rules are Kafka's, static members (KIP-345) included:
 * <ul>
 *   <li>A rebalance ({@code PreparingRebalance}) completes when every member has sent a JoinGroup
 *       and no member given an id by {@code MEMBER_ID_REQUIRED} is still expected, or when the
 *       largest rebalance timeout of the members has passed, dropping those that did not join.
 *       The first rebalance of an empty group instead waits {@code initialRebalanceDelayMs}, and as
 *       long again each time members arrived meanwhile, up to the rebalance timeout.</li>
 *   <li>Completing it starts a new generation: the protocol is the one every member supports that
 *       most members list first; the leader (the first member, kept while it stays) gets everyone's
 *       metadata; all parked joins are answered.</li>
 *   <li>The leader's SyncGroup makes the group Stable and answers every parked sync with its
 *       member's assignment; members that have not synced within the rebalance timeout are
 *       dropped and the group rebalances.</li>
 *   <li>A member whose session timeout passes without a heartbeat (or commit, join or sync) is
 *       dropped, except while its join or sync is parked.</li>
 *   <li>A member with a {@code group.instance.id} is static: it joins without MEMBER_ID_REQUIRED,
 *       and a join under the same instance id with no member id replaces it (a restarted
 *       process) without a rebalance when the group is stable and would keep its protocol;
 *       requests of the replaced member get FENCED_INSTANCE_ID.</li>
 * </ul>
 *
 * <p>Not thread-safe: its owner applies commands one at a time.
 */
final class ClassicGroup {
    static final long NO_DEADLINE = Long.MAX_VALUE;
    static final String CONSUMER_PROTOCOL_TYPE = "consumer";

    private final String groupId;
    private final GroupConfig config;
    private GroupState state = GroupState.EMPTY;
    private String protocolType;
    private String protocolName;
    private int generationId;
    private String leaderId;
    private final LinkedHashMap<String, GroupMember> members = new LinkedHashMap<>();
    /** Ids handed out with MEMBER_ID_REQUIRED, each with the time by which it must join. */
    private final LinkedHashMap<String, Long> pendingMembers = new LinkedHashMap<>();
    /** Members answered in the last rebalance that have not synced yet. */
    private final LinkedHashSet<String> pendingSyncMembers = new LinkedHashSet<>();
    private final TreeMap<PartitionRef, CommittedOffset> offsets = new TreeMap<>();
    /**
     * Set while the group is one of Kafka's consumer protocol (KIP-848): its members heartbeat
     * there and the classic fields above stay empty. The offsets are the group's either way.
     */
    private ConsumerGroupMembership consumer;

    /** While preparing a rebalance: when it completes even if members are missing. */
    private long joinDeadlineMs = NO_DEADLINE;
    /** The first rebalance of an empty group waits for more members rather than completing early. */
    private boolean initialDelayRunning;
    private long initialDelayRemainingMs;
    private boolean newMemberAddedDuringDelay;
    /** After a rebalance: when members that have not synced are dropped. */
    private long syncDeadlineMs = NO_DEADLINE;
    /**
     * When the group last became empty (its members all gone), the start of its offsets'
     * retention; {@link #NEVER_EMPTIED} while it never had members, whose offsets count from
     * their commits. A group restored empty counts from the restart: never earlier than Kafka.
     */
    private long emptySinceMs = NEVER_EMPTIED;
    private static final long NEVER_EMPTIED = Long.MIN_VALUE;

    ClassicGroup(String groupId, GroupConfig config) {
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.config = config;
    }

    String groupId() {
        return groupId;
    }

    GroupState state() {
        return state != GroupState.DEAD && consumer != null ? consumer.state() : state;
    }

    int generationId() {
        return generationId;
    }

    String leaderId() {
        return leaderId;
    }

    String protocolName() {
        return protocolName;
    }

    String protocolType() {
        return protocolType;
    }

    boolean hasMembers() {
        return (consumer != null && consumer.hasMembers()) || !members.isEmpty();
    }

    Collection<GroupMember> members() {
        return members.values();
    }

    Set<String> pendingSyncMemberIds() {
        return pendingSyncMembers;
    }

    Map<PartitionRef, CommittedOffset> offsets() {
        return offsets;
    }

    // ---------------------------------------------------------------- JoinGroup

    /**
     * JoinGroup. {@code assignmentIntervalMs} is the group's {@code consumer.assignment.interval.ms},
     * for a classic member joining a consumer-protocol group (which assigns it like its own members).
     */
    void join(Join command, int assignmentIntervalMs, GroupOutcome.Builder out) {
        long requestId = command.requestId();
        if (state == GroupState.DEAD) {
            out.reply(requestId, JoinResult.failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, command.memberId()));
            return;
        }
        if (consumer != null) {
            if (consumer.hasMembers()) {
                // KIP-848's online migration: the consumer-protocol group takes the classic member in.
                out.reply(requestId, consumer.classicJoin(command, config.subscriptions(), assignmentIntervalMs,
                        config.consumerMaxSize(), out::record));
                return;
            }
            consumer = null; // an empty group changes protocol with its next member, as in Kafka
            out.record(new GroupRecord.ConsumerGroupRemoved(groupId));
        }
        if (!acceptsJoiningMember(command.memberId())) {
            GroupMember refused = members.get(command.memberId());
            if (refused != null) {
                removeMemberAndUpdateGroup(refused, command.nowMs(), out);
            }
            out.reply(requestId, JoinResult.failed(ErrorCode.GROUP_MAX_SIZE_REACHED, ""));
            return;
        }
        if (!supportsProtocols(command.protocolType(), command.protocols())) {
            out.reply(requestId, JoinResult.failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, command.memberId()));
            return;
        }
        String instanceId = command.groupInstanceId();
        if (command.memberId().isEmpty() && instanceId != null) {
            // A static member (KIP-345) joins at once, and takes over its predecessor's place if any.
            GroupMember predecessor = staticMember(instanceId);
            if (predecessor == null) {
                addMemberAndRebalance(command, command.newMemberId(), out);
            } else {
                replaceStaticMember(predecessor, command, out);
            }
            return;
        }
        if (isFenced(instanceId, command.memberId())) {
            out.reply(requestId, JoinResult.failed(ErrorCode.FENCED_INSTANCE_ID, command.memberId()));
            return;
        }
        if (command.memberId().isEmpty()) {
            String memberId = command.newMemberId();
            if (command.requireKnownMemberId()) {
                // The member must come back with this id; until then a rebalance waits for it.
                pendingMembers.put(memberId, command.nowMs() + command.sessionTimeoutMs());
                out.reply(requestId, JoinResult.failed(ErrorCode.MEMBER_ID_REQUIRED, memberId));
            } else {
                addMemberAndRebalance(command, memberId, out);
            }
            return;
        }
        String memberId = command.memberId();
        if (pendingMembers.remove(memberId) != null) {
            addMemberAndRebalance(command, memberId, out);
            return;
        }
        GroupMember member = members.get(memberId);
        if (member == null) {
            out.reply(requestId, JoinResult.failed(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
            return;
        }
        member.lastHeartbeatMs = command.nowMs();
        switch (state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(member, command, out);
            case COMPLETING_REBALANCE -> {
                if (member.protocols.equals(command.protocols())) {
                    // A retried join of this generation: answer it as the rebalance did.
                    out.reply(requestId, currentJoinResult(member));
                } else {
                    updateMemberAndRebalance(member, command, out);
                }
            }
            case STABLE -> {
                if (memberId.equals(leaderId) || !member.protocols.equals(command.protocols())) {
                    // The leader rejoins to make the group assign again (a subscription changed).
                    updateMemberAndRebalance(member, command, out);
                } else {
                    out.reply(requestId, currentJoinResult(member));
                }
            }
            default -> out.reply(requestId, JoinResult.failed(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
        }
    }

    /**
     * Kafka's {@code group.max.size} rule for a JoinGroup naming {@code memberId} (empty for a new
     * member): while a rebalance gathers members, one already waiting in it is taken and others up
     * to the maximum of waiting members (so a group above a lowered maximum sheds the members that
     * rejoin last); otherwise members of the group are taken and new ones up to the maximum. Any
     * join of an empty group is taken.
     */
    private boolean acceptsJoiningMember(String memberId) {
        GroupMember member = members.get(memberId);
        return switch (state) {
            case PREPARING_REBALANCE -> (member != null && member.isAwaitingJoin())
                    || membersAwaitingJoin() < config.classicMaxSize();
            case COMPLETING_REBALANCE, STABLE -> member != null || members.size() < config.classicMaxSize();
            default -> true;
        };
    }

    private int membersAwaitingJoin() {
        int awaiting = 0;
        for (GroupMember member : members.values()) {
            if (member.isAwaitingJoin()) {
                awaiting++;
            }
        }
        return awaiting;
    }

    /** The member holding static {@code instanceId}, or null. */
    private GroupMember staticMember(String instanceId) {
        for (GroupMember member : members.values()) {
            if (instanceId.equals(member.groupInstanceId)) {
                return member;
            }
        }
        return null;
    }

    /**
     * Whether a request naming {@code instanceId} comes from a member that a newer one with the
     * same instance id replaced: Kafka's FENCED_INSTANCE_ID, so the old process stops.
     */
    private boolean isFenced(String instanceId, String memberId) {
        if (instanceId == null) {
            return false;
        }
        GroupMember holder = staticMember(instanceId);
        return holder != null && !holder.memberId.equals(memberId);
    }

    /**
     * A static member came back under a new member id (a restarted process): it takes its
     * predecessor's place, assignment included, and the predecessor's parked requests are answered
     * FENCED_INSTANCE_ID. In a stable group whose protocol would stay the same nothing is
     * rebalanced: the member gets the current generation (a leader gets the members but is told not to assign);
     * otherwise the group rebalances with it, as Kafka does.
     */
    private void replaceStaticMember(GroupMember predecessor, Join command, GroupOutcome.Builder out) {
        String memberId = command.newMemberId();
        if (predecessor.isAwaitingJoin()) {
            out.reply(predecessor.joinRequestId, JoinResult.failed(ErrorCode.FENCED_INSTANCE_ID, predecessor.memberId));
        }
        if (predecessor.isAwaitingSync()) {
            out.reply(predecessor.syncRequestId, SyncResult.failed(ErrorCode.FENCED_INSTANCE_ID));
        }
        GroupMember member = new GroupMember(memberId, predecessor.groupInstanceId, command.clientId(),
                command.clientHost(), command.sessionTimeoutMs(), command.rebalanceTimeoutMs(), predecessor.protocols,
                command.nowMs());
        member.assignment = predecessor.assignment;
        LinkedHashMap<String, GroupMember> reordered = new LinkedHashMap<>();
        for (Map.Entry<String, GroupMember> entry : members.entrySet()) {
            if (entry.getKey().equals(predecessor.memberId)) {
                reordered.put(memberId, member);
            } else {
                reordered.put(entry.getKey(), entry.getValue());
            }
        }
        members.clear();
        members.putAll(reordered);
        if (pendingSyncMembers.remove(predecessor.memberId)) {
            pendingSyncMembers.add(memberId);
        }
        if (predecessor.memberId.equals(leaderId)) {
            leaderId = memberId;
        }
        if (state == GroupState.STABLE && selectsSameProtocol(member, command.protocols())) {
            // Kafka's test: only a change of the group's protocol needs a rebalance. The metadata
            // differs anyway (a restarted consumer owns no partitions yet) and is taken as sent.
            member.protocols = command.protocols();
            out.record(metadataRecord());
            boolean leader = memberId.equals(leaderId);
            out.reply(command.requestId(), new JoinResult(null, generationId, protocolType, protocolName, leaderId,
                    memberId, leader ? joinedMembers() : List.of(), leader));
            return;
        }
        updateMemberAndRebalance(member, command, out);
    }

    /** Whether the group would still choose its current protocol with {@code member} listing {@code protocols}. */
    private boolean selectsSameProtocol(GroupMember member, List<Protocol> protocols) {
        List<Protocol> previous = member.protocols;
        member.protocols = protocols;
        try {
            return protocolName != null && protocolName.equals(selectProtocol());
        } finally {
            member.protocols = previous;
        }
    }

    private JoinResult currentJoinResult(GroupMember member) {
        List<JoinedMember> list = member.memberId.equals(leaderId) ? joinedMembers() : List.of();
        return new JoinResult(null, generationId, protocolType, protocolName, leaderId, member.memberId, list);
    }

    private List<JoinedMember> joinedMembers() {
        List<JoinedMember> list = new ArrayList<>(members.size());
        for (GroupMember member : members.values()) {
            list.add(new JoinedMember(member.memberId, member.groupInstanceId, member.metadata(protocolName)));
        }
        return list;
    }

    /**
     * Whether a member with these protocols may be in the group: any member may start an empty
     * group; afterwards the protocol type must be the group's and at least one of the protocols
     * must be supported by every member.
     */
    private boolean supportsProtocols(String memberProtocolType, List<Protocol> memberProtocols) {
        if (memberProtocolType == null || memberProtocolType.isEmpty() || memberProtocols.isEmpty()) {
            return false;
        }
        if (members.isEmpty()) {
            return true;
        }
        if (!memberProtocolType.equals(protocolType)) {
            return false;
        }
        for (Protocol protocol : memberProtocols) {
            boolean all = true;
            for (GroupMember member : members.values()) {
                if (!member.supports(protocol.name())) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    private void addMemberAndRebalance(Join command, String memberId, GroupOutcome.Builder out) {
        GroupMember member = new GroupMember(memberId, command.groupInstanceId(), command.clientId(),
                command.clientHost(), command.sessionTimeoutMs(), command.rebalanceTimeoutMs(), command.protocols(),
                command.nowMs());
        member.isNew = true;
        member.joinRequestId = command.requestId();
        if (members.isEmpty()) {
            protocolType = command.protocolType();
        }
        members.put(memberId, member);
        if (leaderId == null) {
            leaderId = memberId;
        }
        if (state == GroupState.PREPARING_REBALANCE && initialDelayRunning) {
            newMemberAddedDuringDelay = true;
        }
        maybePrepareRebalance(command.nowMs(), out);
        tryCompleteJoin(command.nowMs(), out);
    }

    private void updateMemberAndRebalance(GroupMember member, Join command, GroupOutcome.Builder out) {
        if (member.isAwaitingJoin()) {
            // A second join while the first is parked: the newer one is the one to answer.
            out.reply(member.joinRequestId, JoinResult.failed(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
        }
        member.protocols = command.protocols();
        member.sessionTimeoutMs = command.sessionTimeoutMs();
        member.rebalanceTimeoutMs = command.rebalanceTimeoutMs();
        member.joinRequestId = command.requestId();
        maybePrepareRebalance(command.nowMs(), out);
        tryCompleteJoin(command.nowMs(), out);
    }

    private void maybePrepareRebalance(long nowMs, GroupOutcome.Builder out) {
        if (state == GroupState.STABLE || state == GroupState.COMPLETING_REBALANCE || state == GroupState.EMPTY) {
            prepareRebalance(nowMs, out);
        }
    }

    private void prepareRebalance(long nowMs, GroupOutcome.Builder out) {
        if (state == GroupState.COMPLETING_REBALANCE) {
            // The assignment being made is void: members parked in sync must join again.
            for (GroupMember member : members.values()) {
                member.assignment = GroupMember.NO_ASSIGNMENT;
                if (member.isAwaitingSync()) {
                    out.reply(member.syncRequestId, SyncResult.failed(ErrorCode.REBALANCE_IN_PROGRESS));
                    member.syncRequestId = GroupMember.NO_REQUEST;
                }
            }
        }
        pendingSyncMembers.clear();
        syncDeadlineMs = NO_DEADLINE;
        boolean fromEmpty = state == GroupState.EMPTY;
        state = GroupState.PREPARING_REBALANCE;
        if (fromEmpty) {
            initialDelayRunning = true;
            newMemberAddedDuringDelay = false;
            int delayMs = config.initialRebalanceDelayMs();
            initialDelayRemainingMs = Math.max(rebalanceTimeoutMs() - delayMs, 0);
            joinDeadlineMs = nowMs + delayMs;
        } else {
            initialDelayRunning = false;
            joinDeadlineMs = nowMs + rebalanceTimeoutMs();
        }
    }

    /** The largest rebalance timeout of the members: how long a rebalance may wait for them. */
    private int rebalanceTimeoutMs() {
        int max = 0;
        for (GroupMember member : members.values()) {
            max = Math.max(max, member.rebalanceTimeoutMs);
        }
        return max;
    }

    private boolean allMembersJoined() {
        if (!pendingMembers.isEmpty()) {
            return false;
        }
        for (GroupMember member : members.values()) {
            if (!member.isAwaitingJoin()) {
                return false;
            }
        }
        return true;
    }

    private void tryCompleteJoin(long nowMs, GroupOutcome.Builder out) {
        if (state == GroupState.PREPARING_REBALANCE && !initialDelayRunning && allMembersJoined()) {
            completeJoin(nowMs, out);
        }
    }

    private void completeJoin(long nowMs, GroupOutcome.Builder out) {
        for (GroupMember member : new ArrayList<>(members.values())) {
            if (!member.isAwaitingJoin()) {
                removeMember(member, out);
            }
        }
        joinDeadlineMs = NO_DEADLINE;
        initialDelayRunning = false;
        generationId++;
        if (members.isEmpty()) {
            protocolName = null;
            leaderId = null;
            state = GroupState.EMPTY;
            emptySinceMs = nowMs;
            out.record(metadataRecord());
            return;
        }
        protocolName = selectProtocol();
        state = GroupState.COMPLETING_REBALANCE;
        for (GroupMember member : members.values()) {
            out.reply(member.joinRequestId, currentJoinResult(member));
            member.joinRequestId = GroupMember.NO_REQUEST;
            member.isNew = false;
            member.lastHeartbeatMs = nowMs;
            pendingSyncMembers.add(member.memberId);
        }
        syncDeadlineMs = nowMs + rebalanceTimeoutMs();
    }

    /**
     * The protocol every member supports that most members prefer (each votes for the first of
     * its own list that all support); a tie goes to the one the leader lists first.
     */
    private String selectProtocol() {
        Map<String, Integer> votes = new LinkedHashMap<>();
        GroupMember leader = members.get(leaderId);
        for (Protocol protocol : leader.protocols) {
            if (supportedByAll(protocol.name())) {
                votes.put(protocol.name(), 0);
            }
        }
        for (GroupMember member : members.values()) {
            for (Protocol protocol : member.protocols) {
                if (votes.containsKey(protocol.name())) {
                    votes.merge(protocol.name(), 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        int bestVotes = -1;
        for (Map.Entry<String, Integer> entry : votes.entrySet()) {
            if (entry.getValue() > bestVotes) {
                best = entry.getKey();
                bestVotes = entry.getValue();
            }
        }
        if (best == null) {
            throw new IllegalStateException("group " + groupId + " has no protocol all members support");
        }
        return best;
    }

    private boolean supportedByAll(String name) {
        for (GroupMember member : members.values()) {
            if (!member.supports(name)) {
                return false;
            }
        }
        return true;
    }

    private void removeMember(GroupMember member, GroupOutcome.Builder out) {
        members.remove(member.memberId);
        pendingSyncMembers.remove(member.memberId);
        if (member.isAwaitingJoin()) {
            out.reply(member.joinRequestId, JoinResult.failed(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
        }
        if (member.isAwaitingSync()) {
            out.reply(member.syncRequestId, SyncResult.failed(ErrorCode.UNKNOWN_MEMBER_ID));
        }
        if (member.memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    private void removeMemberAndUpdateGroup(GroupMember member, long nowMs, GroupOutcome.Builder out) {
        removeMember(member, out);
        if (state == GroupState.STABLE || state == GroupState.COMPLETING_REBALANCE) {
            prepareRebalance(nowMs, out);
        }
        tryCompleteJoin(nowMs, out);
    }

    // ---------------------------------------------------------------- SyncGroup

    void sync(Sync command, GroupOutcome.Builder out) {
        long requestId = command.requestId();
        if (state == GroupState.DEAD) {
            out.reply(requestId, SyncResult.failed(ErrorCode.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (consumer != null) {
            out.reply(requestId, consumer.hasMembers() ? consumer.classicSync(command, config.subscriptions())
                    : SyncResult.failed(ErrorCode.UNKNOWN_MEMBER_ID));
            return;
        }
        if (isFenced(command.groupInstanceId(), command.memberId())) {
            out.reply(requestId, SyncResult.failed(ErrorCode.FENCED_INSTANCE_ID));
            return;
        }
        GroupMember member = members.get(command.memberId());
        if (member == null) {
            out.reply(requestId, SyncResult.failed(ErrorCode.UNKNOWN_MEMBER_ID));
            return;
        }
        if (command.generationId() != generationId) {
            out.reply(requestId, SyncResult.failed(ErrorCode.ILLEGAL_GENERATION));
            return;
        }
        if ((command.protocolType() != null && !command.protocolType().equals(protocolType))
                || (command.protocolName() != null && !command.protocolName().equals(protocolName))) {
            out.reply(requestId, SyncResult.failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        member.lastHeartbeatMs = command.nowMs();
        switch (state) {
            case PREPARING_REBALANCE -> out.reply(requestId, SyncResult.failed(ErrorCode.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE -> {
                if (member.isAwaitingSync()) {
                    out.reply(member.syncRequestId, SyncResult.failed(ErrorCode.REBALANCE_IN_PROGRESS));
                }
                member.syncRequestId = requestId;
                syncDone(member.memberId);
                if (member.memberId.equals(leaderId)) {
                    for (GroupMember each : members.values()) {
                        byte[] assignment = command.assignments().get(each.memberId);
                        each.assignment = assignment != null ? assignment : GroupMember.NO_ASSIGNMENT;
                    }
                    state = GroupState.STABLE;
                    out.record(metadataRecord());
                    for (GroupMember each : members.values()) {
                        if (each.isAwaitingSync()) {
                            out.reply(each.syncRequestId,
                                    new SyncResult(null, protocolType, protocolName, each.assignment));
                            each.syncRequestId = GroupMember.NO_REQUEST;
                        }
                    }
                }
            }
            case STABLE -> {
                syncDone(member.memberId);
                out.reply(requestId, new SyncResult(null, protocolType, protocolName, member.assignment));
            }
            default -> out.reply(requestId, SyncResult.failed(ErrorCode.UNKNOWN_MEMBER_ID));
        }
    }

    private void syncDone(String memberId) {
        pendingSyncMembers.remove(memberId);
        if (pendingSyncMembers.isEmpty()) {
            syncDeadlineMs = NO_DEADLINE;
        }
    }

    // ---------------------------------------------------------------- Heartbeat, LeaveGroup

    void heartbeat(Heartbeat command, GroupOutcome.Builder out) {
        out.reply(command.requestId(), new HeartbeatResult(heartbeatError(command)));
    }

    private ErrorCode heartbeatError(Heartbeat command) {
        if (state == GroupState.DEAD) {
            return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        if (consumer != null) {
            return consumer.hasMembers() ? consumer.classicHeartbeat(command) : ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (isFenced(command.groupInstanceId(), command.memberId())) {
            return ErrorCode.FENCED_INSTANCE_ID;
        }
        GroupMember member = members.get(command.memberId());
        if (member == null) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (command.generationId() != generationId) {
            return ErrorCode.ILLEGAL_GENERATION;
        }
        member.lastHeartbeatMs = command.nowMs();
        return state == GroupState.PREPARING_REBALANCE ? ErrorCode.REBALANCE_IN_PROGRESS : null;
    }

    void leave(Leave command, GroupOutcome.Builder out) {
        if (state == GroupState.DEAD) {
            out.reply(command.requestId(), new LeaveResult(ErrorCode.COORDINATOR_NOT_AVAILABLE, List.of()));
            return;
        }
        if (consumer != null && consumer.hasMembers()) {
            int epochBefore = consumer.groupEpoch();
            List<MemberOutcome> outcomes = consumer.classicLeave(command, out::record);
            afterConsumerMembersLeft(command.nowMs(), epochBefore, out);
            out.reply(command.requestId(), new LeaveResult(null, outcomes));
            return;
        }
        List<MemberOutcome> outcomes = new ArrayList<>();
        for (LeavingMember leaving : command.members()) {
            // Each outcome names the member as the request did (Kafka echoes an empty member id
            // of a static member leaving by its instance id).
            if (isFencedLeave(leaving)) {
                outcomes.add(new MemberOutcome(leaving.memberId(), leaving.groupInstanceId(), ErrorCode.FENCED_INSTANCE_ID));
                continue;
            }
            GroupMember member = findLeaving(leaving);
            if (member != null) {
                removeMemberAndUpdateGroup(member, command.nowMs(), out);
                outcomes.add(new MemberOutcome(leaving.memberId(), leaving.groupInstanceId(), null));
            } else if (leaving.memberId() != null && pendingMembers.remove(leaving.memberId()) != null) {
                tryCompleteJoin(command.nowMs(), out);
                outcomes.add(new MemberOutcome(leaving.memberId(), leaving.groupInstanceId(), null));
            } else {
                outcomes.add(new MemberOutcome(leaving.memberId(), leaving.groupInstanceId(),
                        ErrorCode.UNKNOWN_MEMBER_ID));
            }
        }
        out.reply(command.requestId(), new LeaveResult(null, outcomes));
    }

    /** A static member named by its instance id but with another member's id: a stale instance, as heartbeats. */
    private boolean isFencedLeave(LeavingMember leaving) {
        return leaving.groupInstanceId() != null && leaving.memberId() != null && !leaving.memberId().isEmpty()
                && isFenced(leaving.groupInstanceId(), leaving.memberId());
    }

    private GroupMember findLeaving(LeavingMember leaving) {
        if (leaving.groupInstanceId() != null) {
            for (GroupMember member : members.values()) {
                if (leaving.groupInstanceId().equals(member.groupInstanceId)
                        && (leaving.memberId() == null || leaving.memberId().isEmpty()
                            || leaving.memberId().equals(member.memberId))) {
                    return member;
                }
            }
            return null;
        }
        return leaving.memberId() == null ? null : members.get(leaving.memberId());
    }

    // ---------------------------------------------------------------- timers

    /** The earliest time at which {@link #expireTimers} has something to do; {@link #NO_DEADLINE} if never. */
    long nextDeadlineMs() {
        long next = NO_DEADLINE;
        for (long deadline : pendingMembers.values()) {
            next = Math.min(next, deadline);
        }
        for (GroupMember member : members.values()) {
            next = Math.min(next, sessionDeadlineMs(member));
        }
        if (state == GroupState.PREPARING_REBALANCE) {
            next = Math.min(next, joinDeadlineMs);
        }
        if (!pendingSyncMembers.isEmpty()) {
            next = Math.min(next, syncDeadlineMs);
        }
        return next;
    }

    /**
     * When the member is dropped for silence: a parked join keeps an old member (the rebalance
     * timeout bounds the wait) and a new one for {@code newMemberJoinTimeoutMs}; a parked sync
     * keeps it (the sync deadline bounds the wait); otherwise its session timeout after the last
     * sign of life.
     */
    private long sessionDeadlineMs(GroupMember member) {
        if (member.isAwaitingJoin()) {
            return member.isNew ? member.lastHeartbeatMs + config.newMemberJoinTimeoutMs() : NO_DEADLINE;
        }
        if (member.isAwaitingSync()) {
            return NO_DEADLINE;
        }
        return member.lastHeartbeatMs + member.sessionTimeoutMs;
    }

    void expireTimers(long nowMs, GroupOutcome.Builder out) {
        boolean pendingExpired = pendingMembers.values().removeIf(deadline -> deadline <= nowMs);
        for (GroupMember member : new ArrayList<>(members.values())) {
            if (members.containsKey(member.memberId) && sessionDeadlineMs(member) <= nowMs) {
                removeMemberAndUpdateGroup(member, nowMs, out);
            }
        }
        if (state == GroupState.PREPARING_REBALANCE && joinDeadlineMs <= nowMs) {
            if (initialDelayRunning && newMemberAddedDuringDelay && initialDelayRemainingMs > 0) {
                // Members are still arriving: wait once more, within the rebalance timeout.
                newMemberAddedDuringDelay = false;
                long delayMs = Math.min(config.initialRebalanceDelayMs(), initialDelayRemainingMs);
                initialDelayRemainingMs = Math.max(initialDelayRemainingMs - config.initialRebalanceDelayMs(), 0);
                joinDeadlineMs = nowMs + delayMs;
            } else {
                completeJoin(nowMs, out);
            }
        }
        if ((state == GroupState.COMPLETING_REBALANCE || state == GroupState.STABLE)
                && !pendingSyncMembers.isEmpty() && syncDeadlineMs <= nowMs) {
            for (String memberId : new ArrayList<>(pendingSyncMembers)) {
                removeMember(members.get(memberId), out);
            }
            prepareRebalance(nowMs, out);
            tryCompleteJoin(nowMs, out);
        }
        if (pendingExpired) {
            tryCompleteJoin(nowMs, out);
        }
    }

    // ---------------------------------------------------------------- offsets

    void commitOffsets(CommitOffsets command, GroupOutcome.Builder out) {
        ErrorCode error = commitError(command);
        List<PartitionOutcome> outcomes = new ArrayList<>(command.offsets().size());
        for (OffsetToCommit offset : command.offsets()) {
            String metadata = offset.metadata() == null ? "" : offset.metadata();
            if (error != null) {
                outcomes.add(new PartitionOutcome(offset.partition(), error));
            } else if (metadata.length() > config.offsetMetadataMaxBytes()) {
                outcomes.add(new PartitionOutcome(offset.partition(), ErrorCode.OFFSET_METADATA_TOO_LARGE));
            } else {
                CommittedOffset committed = new CommittedOffset(offset.offset(), offset.leaderEpoch(), metadata,
                        command.nowMs());
                offsets.put(offset.partition(), committed);
                out.record(new GroupRecord.OffsetCommitted(groupId, offset.partition(), committed));
                outcomes.add(new PartitionOutcome(offset.partition(), null));
            }
        }
        out.reply(command.requestId(), new CommitResult(outcomes));
    }

    void commitTransactionalOffsets(GroupCommand.CommitTransactionalOffsets command, GroupOutcome.Builder out) {
        List<PartitionOutcome> outcomes = new ArrayList<>(command.offsets().size());
        for (OffsetToCommit offset : command.offsets()) {
            CommittedOffset committed = new CommittedOffset(offset.offset(), offset.leaderEpoch(),
                    offset.metadata() == null ? "" : offset.metadata(), command.nowMs());
            offsets.put(offset.partition(), committed);
            out.record(new GroupRecord.OffsetCommitted(groupId, offset.partition(), committed));
            outcomes.add(new PartitionOutcome(offset.partition(), null));
        }
        out.reply(command.requestId(), new CommitResult(outcomes));
    }

    private ErrorCode commitError(CommitOffsets command) {
        if (state == GroupState.DEAD) {
            return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        if (command.generationId() < 0 && acceptsCommitsFromOutside()) {
            // A generation of -1 is the admin client's or a consumer's without group management:
            // taken while no member could be consuming, whatever member id it names (as Kafka).
            return null;
        }
        if (consumer != null) {
            // The consumer protocol's commits carry the member epoch where the generation was.
            return consumer.commitError(command.memberId(), command.generationId(), command.memberEpochs());
        }
        // Outside group management ("" and no instance) while members could be consuming finds no member here.
        ErrorCode error = memberError(command.generationId(), command.memberId(), command.groupInstanceId());
        if (error != null) {
            return error;
        }
        if (state == GroupState.COMPLETING_REBALANCE) {
            return ErrorCode.REBALANCE_IN_PROGRESS;
        }
        members.get(command.memberId()).lastHeartbeatMs = command.nowMs();
        return null;
    }

    /** Whether {@code memberId} (and {@code instanceId}, if named) is a member at {@code generationId}: null when it is. */
    private ErrorCode memberError(int generationId, String memberId, String instanceId) {
        if (isFenced(instanceId, memberId)) {
            return ErrorCode.FENCED_INSTANCE_ID;
        }
        if (!members.containsKey(memberId)) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        return generationId == this.generationId ? null : ErrorCode.ILLEGAL_GENERATION;
    }

    /** Whether no member could be consuming: a commit from outside group management is taken. */
    private boolean acceptsCommitsFromOutside() {
        return consumer != null ? !consumer.hasMembers() : state == GroupState.EMPTY;
    }

    /**
     * The check of a TxnOffsetCommit's group metadata (KIP-447: a transactional producer sends the
     * consumer's generation and member id with its offsets, and a zombie whose member was replaced
     * is refused here): as {@link #commitError(CommitOffsets)}, as Kafka checks a transactional
     * commit, but one without a member may commit while the group has members (its producer epoch
     * fences it), the member's session is not refreshed, a rebalance in progress refuses nothing, a
     * consumer-protocol member may use any version and its wrong epoch is ILLEGAL_GENERATION.
     * Changes nothing; null when it passes.
     */
    ErrorCode transactionalCommitError(int generationId, String memberId, String groupInstanceId) {
        // No DEAD check as a command's: a deleted group leaves Groups with the command that deleted it.
        if (generationId < 0 && acceptsCommitsFromOutside()) {
            return null;
        }
        if (consumer != null) {
            ErrorCode error = consumer.commitError(memberId, generationId);
            // As Kafka: a transactional commit at another member epoch is ILLEGAL_GENERATION, which
            // the producer reports as CommitFailedException (it knows no STALE_MEMBER_EPOCH there).
            return error == ErrorCode.STALE_MEMBER_EPOCH ? ErrorCode.ILLEGAL_GENERATION : error;
        }
        if (generationId < 0 && memberId.isEmpty() && groupInstanceId == null) {
            return null;
        }
        return memberError(generationId, memberId, groupInstanceId);
    }

    void deleteOffsets(DeleteOffsets command, GroupOutcome.Builder out) {
        if (state == GroupState.DEAD) {
            out.reply(command.requestId(), new DeleteOffsetsResult(ErrorCode.GROUP_ID_NOT_FOUND, List.of()));
            return;
        }
        Set<String> subscribed;
        if (consumer != null && consumer.hasMembers()) {
            subscribed = consumer.subscribedTopics();
        } else if (state == GroupState.EMPTY) {
            subscribed = Set.of();
        } else if (CONSUMER_PROTOCOL_TYPE.equals(protocolType)) {
            subscribed = subscribedTopics();
        } else {
            out.reply(command.requestId(), new DeleteOffsetsResult(ErrorCode.NON_EMPTY_GROUP, List.of()));
            return;
        }
        List<PartitionOutcome> outcomes = new ArrayList<>();
        for (PartitionRef partition : command.partitions()) {
            if (subscribed.contains(partition.topic())) {
                outcomes.add(new PartitionOutcome(partition, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC));
            } else {
                if (offsets.remove(partition) != null) {
                    out.record(new GroupRecord.OffsetRemoved(groupId, partition));
                }
                outcomes.add(new PartitionOutcome(partition, null));
            }
        }
        out.reply(command.requestId(), new DeleteOffsetsResult(null, outcomes));
    }

    /** The topics the members of the current generation subscribe to, as far as they can be read. */
    private Set<String> subscribedTopics() {
        Set<String> topics = new HashSet<>();
        if (protocolName == null) {
            return topics;
        }
        for (GroupMember member : members.values()) {
            byte[] metadata = member.metadata(protocolName);
            if (metadata != null) {
                Optional<Set<String>> read = config.subscriptions().topics(metadata);
                read.ifPresent(topics::addAll);
            }
        }
        return topics;
    }

    /**
     * Kafka's offsets clean-up: an empty group loses the offsets older than {@code retentionMs},
     * counted from when it became empty (from their commit if it never had members); a stable
     * consumer group loses those of topics none of its members subscribes to any more, counted
     * from their commit (nothing when a subscription cannot be read). An empty group left with no
     * offsets is removed. Returns how many offsets went.
     */
    int expireOffsets(long nowMs, long retentionMs, GroupOutcome.Builder out) {
        Set<String> keepTopics;
        if (consumer != null && consumer.hasMembers()) {
            keepTopics = consumer.subscribedTopics();
        } else if (state == GroupState.EMPTY) {
            keepTopics = Set.of();
        } else if (state == GroupState.STABLE && CONSUMER_PROTOCOL_TYPE.equals(protocolType)) {
            keepTopics = readableSubscriptions();
            if (keepTopics == null) {
                return 0;
            }
        } else {
            return 0;
        }
        int expired = 0;
        for (var iterator = offsets.entrySet().iterator(); iterator.hasNext(); ) {
            Map.Entry<PartitionRef, CommittedOffset> entry = iterator.next();
            if (keepTopics.contains(entry.getKey().topic())) {
                continue;
            }
            long since = state == GroupState.EMPTY && emptySinceMs != NEVER_EMPTIED ? emptySinceMs
                    : entry.getValue().commitTimestampMs();
            if (nowMs - since >= retentionMs) {
                iterator.remove();
                out.record(new GroupRecord.OffsetRemoved(groupId, entry.getKey()));
                expired++;
            }
        }
        if (state == GroupState.EMPTY && offsets.isEmpty() && !hasMembers() && pendingMembers.isEmpty()) {
            state = GroupState.DEAD;
            removeConsumerRecord(out);
            out.record(new GroupRecord.GroupRemoved(groupId));
        }
        return expired;
    }

    /** Every topic the members subscribe to, or null when one member's subscription cannot be read. */
    private Set<String> readableSubscriptions() {
        Set<String> topics = new HashSet<>();
        for (GroupMember member : members.values()) {
            byte[] metadata = protocolName == null ? null : member.metadata(protocolName);
            Optional<Set<String>> read = metadata == null ? Optional.empty() : config.subscriptions().topics(metadata);
            if (read.isEmpty()) {
                return null;
            }
            topics.addAll(read.get());
        }
        return topics;
    }

    void delete(GroupCommand.DeleteGroup command, GroupOutcome.Builder out) {
        if (state == GroupState.DEAD) {
            out.reply(command.requestId(), new DeleteGroupResult(ErrorCode.GROUP_ID_NOT_FOUND));
            return;
        }
        if (state != GroupState.EMPTY || (consumer != null && consumer.hasMembers())) {
            out.reply(command.requestId(), new DeleteGroupResult(ErrorCode.NON_EMPTY_GROUP));
            return;
        }
        for (PartitionRef partition : offsets.keySet()) {
            out.record(new GroupRecord.OffsetRemoved(groupId, partition));
        }
        offsets.clear();
        pendingMembers.clear();
        state = GroupState.DEAD;
        removeConsumerRecord(out);
        out.record(new GroupRecord.GroupRemoved(groupId));
        out.reply(command.requestId(), new DeleteGroupResult(null));
    }

    // ---------------------------------------------------------------- records and views

    GroupRecord.GroupMetadata metadataRecord() {
        List<GroupRecord.StoredMember> stored = new ArrayList<>(members.size());
        for (GroupMember member : members.values()) {
            byte[] subscription = protocolName == null ? null : member.metadata(protocolName);
            stored.add(new GroupRecord.StoredMember(member.memberId, member.groupInstanceId, member.clientId,
                    member.clientHost, member.rebalanceTimeoutMs, member.sessionTimeoutMs,
                    subscription == null ? GroupMember.NO_ASSIGNMENT : subscription, member.assignment));
        }
        return new GroupRecord.GroupMetadata(groupId, protocolType, generationId, protocolName, leaderId, stored);
    }

    /**
     * Puts the group back as a record of its last completed rebalance left it: Stable with those
     * members (each counted alive from {@code nowMs}, so members whose clients do not come back
     * time out as usual), or Empty.
     */
    void restore(GroupRecord.GroupMetadata record, long nowMs) {
        members.clear();
        pendingMembers.clear();
        pendingSyncMembers.clear();
        protocolType = record.protocolType();
        protocolName = record.protocolName();
        generationId = record.generationId();
        leaderId = record.leaderId();
        for (GroupRecord.StoredMember stored : record.members()) {
            List<Protocol> protocols = protocolName == null ? List.of()
                    : List.of(new Protocol(protocolName, stored.subscription()));
            GroupMember member = new GroupMember(stored.memberId(), stored.groupInstanceId(), stored.clientId(),
                    stored.clientHost(), stored.sessionTimeoutMs(), stored.rebalanceTimeoutMs(), protocols, nowMs);
            member.assignment = stored.assignment();
            members.put(member.memberId, member);
        }
        if (members.isEmpty()) {
            leaderId = null;
            state = GroupState.EMPTY;
            emptySinceMs = protocolType == null ? NEVER_EMPTIED : nowMs;
        } else {
            if (leaderId == null || !members.containsKey(leaderId)) {
                leaderId = members.keySet().iterator().next();
            }
            state = GroupState.STABLE;
        }
        joinDeadlineMs = NO_DEADLINE;
        syncDeadlineMs = NO_DEADLINE;
        initialDelayRunning = false;
    }

    void restoreOffset(PartitionRef partition, CommittedOffset offset) {
        offsets.put(partition, offset);
    }

    void restoreOffsetRemoved(PartitionRef partition) {
        offsets.remove(partition);
    }

    /**
     * As Kafka 4.3.1 describes a classic group: subscriptions and the protocol only when stable,
     * but each member's latest assignment in every state (it stays in force until the next sync).
     */
    GroupDescription describe() {
        boolean stable = state == GroupState.STABLE;
        List<GroupDescription.MemberDescription> list = new ArrayList<>(members.size());
        for (GroupMember member : members.values()) {
            byte[] metadata = stable ? member.metadata(protocolName) : null;
            list.add(new GroupDescription.MemberDescription(member.memberId, member.groupInstanceId,
                    member.clientId, member.clientHost, metadata == null ? GroupMember.NO_ASSIGNMENT : metadata,
                    member.assignment));
        }
        return new GroupDescription(groupId, state, protocolType == null ? "" : protocolType,
                stable ? protocolName : "", list);
    }

    GroupListing listing() {
        if (consumer != null) {
            return new GroupListing(groupId, CONSUMER_PROTOCOL_TYPE, state(), GroupListing.CONSUMER);
        }
        return new GroupListing(groupId, protocolType == null ? "" : protocolType, state, GroupListing.CLASSIC);
    }

    // ---------------------------------------------------------------- the consumer protocol (KIP-848)

    boolean isConsumerGroup() {
        return consumer != null;
    }

    /**
     * ConsumerGroupHeartbeat. A group of the classic protocol turns into a consumer-protocol group
     * when a member joins it empty; while classic members are in it, the heartbeat is refused with
     * GROUP_ID_NOT_FOUND, as Kafka does when it may not migrate a group.
     */
    void consumerHeartbeat(GroupCommand.ConsumerHeartbeat command, int heartbeatIntervalMs, int assignmentIntervalMs,
                           GroupOutcome.Builder out) {
        if (state == GroupState.DEAD) {
            out.reply(command.requestId(), GroupResult.ConsumerHeartbeatResult.failed(
                    ErrorCode.COORDINATOR_NOT_AVAILABLE, null, command.memberId(), command.memberEpoch()));
            return;
        }
        if (consumer == null) {
            if (state != GroupState.EMPTY) {
                if (command.memberEpoch() == 0) {
                    upgrade(command, heartbeatIntervalMs, assignmentIntervalMs, out);
                    return;
                }
                out.reply(command.requestId(), GroupResult.ConsumerHeartbeatResult.failed(
                        ErrorCode.GROUP_ID_NOT_FOUND, "Group " + groupId + " is not a consumer group.",
                        command.memberId(), command.memberEpoch()));
                return;
            }
            if (command.memberEpoch() != 0) {
                out.reply(command.requestId(), GroupResult.ConsumerHeartbeatResult.failed(
                        ErrorCode.UNKNOWN_MEMBER_ID, "Member " + command.memberId() + " is not a member of group "
                                + groupId + ".", command.memberId(), command.memberEpoch()));
                return;
            }
            consumer = new ConsumerGroupMembership(groupId);
            protocolType = null;
            protocolName = null;
        }
        // What the heartbeat changed goes to the log (a plain one changes nothing): the records are
        // what a restart rebuilds the membership from.
        int epochBefore = consumer.groupEpoch();
        out.reply(command.requestId(), consumer.heartbeat(command, heartbeatIntervalMs, assignmentIntervalMs,
                config.consumerMaxSize(), out::record));
        if (command.memberEpoch() == ConsumerGroupMembership.LEAVE_EPOCH) {
            afterConsumerMembersLeft(command.nowMs(), epochBefore, out);
        } else if (!consumer.hasMembers()) {
            emptySinceMs = command.nowMs();
        }
    }

    // ---------------------------------------------------------------- online migration (KIP-848)

    /**
     * A consumer-protocol member joins a classic group that has members: with the policy's leave,
     * the group becomes a consumer-protocol group, each classic member keeping the partitions its
     * leader gave it (at its generation as its epoch) until it rejoins and the broker assigns it.
     * Refused, as Kafka refuses it, with GROUP_ID_NOT_FOUND and the reason.
     */
    private void upgrade(GroupCommand.ConsumerHeartbeat command, int heartbeatIntervalMs, int assignmentIntervalMs,
                         GroupOutcome.Builder out) {
        ConsumerGroupMembership upgraded = new ConsumerGroupMembership(groupId);
        String refusal = convertMembers(upgraded);
        if (refusal != null) {
            out.reply(command.requestId(), GroupResult.ConsumerHeartbeatResult.failed(ErrorCode.GROUP_ID_NOT_FOUND,
                    "Cannot upgrade classic group " + groupId + " to consumer group because " + refusal,
                    command.memberId(), command.memberEpoch()));
            return;
        }
        upgraded.takeSubscribedTopics(command.topicPartitionCounts());
        // The joining member's own checks come first: a refused join leaves the classic group as it was.
        GroupResult.ConsumerHeartbeatResult result = upgraded.heartbeat(command, heartbeatIntervalMs,
                assignmentIntervalMs, config.consumerMaxSize(), record -> { });
        if (result.error() != null) {
            out.reply(command.requestId(), result);
            return;
        }
        for (GroupMember member : members.values()) {
            if (member.isAwaitingJoin()) {
                out.reply(member.joinRequestId, JoinResult.failed(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
            }
            if (member.isAwaitingSync()) {
                out.reply(member.syncRequestId, SyncResult.failed(ErrorCode.REBALANCE_IN_PROGRESS));
            }
        }
        members.clear();
        pendingMembers.clear();
        pendingSyncMembers.clear();
        leaderId = null;
        protocolName = null;
        protocolType = null;
        state = GroupState.EMPTY;
        joinDeadlineMs = NO_DEADLINE;
        syncDeadlineMs = NO_DEADLINE;
        initialDelayRunning = false;
        out.record(metadataRecord()); // the classic members now live in the consumer group's records
        consumer = upgraded;
        consumer.recordAll(out::record);
        out.reply(command.requestId(), result);
    }

    /**
     * Takes the classic members into {@code into}, each with its subscription and assignment; or
     * why the group may not become a consumer-protocol group (Kafka's words), null when it may.
     */
    private String convertMembers(ConsumerGroupMembership into) {
        if (!config.migrationPolicy().allowsUpgrade()) {
            return "online upgrade is disabled.";
        }
        if (!CONSUMER_PROTOCOL_TYPE.equals(protocolType)) {
            return "the group does not use the consumer embedded protocol.";
        }
        if (members.size() > config.consumerMaxSize()) {
            return "the group size exceeds the consumer group maximum size.";
        }
        if (protocolName == null) {
            return "the embedded consumer protocol is malformed."; // no generation has chosen a protocol yet
        }
        ConsumerProtocolFormat format = config.subscriptions();
        for (GroupMember member : members.values()) {
            byte[] metadata = member.metadata(protocolName);
            Optional<ConsumerProtocolFormat.Subscription> subscription =
                    metadata == null ? Optional.empty() : format.subscription(metadata);
            Optional<ConsumerProtocolFormat.Assignment> assignment = format.assignment(member.assignment);
            if (subscription.isEmpty() || assignment.isEmpty()) {
                return "the embedded consumer protocol is malformed.";
            }
            if (assignment.get().hasUserData()) {
                return "an unsupported custom assignor is in use. Please refer to the documentation or switch to "
                        + "a default assignor before re-attempting the upgrade.";
            }
            ConsumerGroupMember converted = new ConsumerGroupMember(member.memberId, member.lastHeartbeatMs);
            converted.instanceId = member.groupInstanceId;
            converted.rackId = subscription.get().rackId();
            converted.clientId = member.clientId;
            converted.clientHost = member.clientHost;
            converted.rebalanceTimeoutMs = member.rebalanceTimeoutMs;
            converted.subscribedTopicNames = List.copyOf(new TreeSet<>(subscription.get().topics()));
            converted.classic = new ConsumerGroupMember.ClassicMetadata(member.sessionTimeoutMs, member.protocols);
            converted.assigned = new TreeSet<>(assignment.get().partitions());
            into.adoptClassicMember(converted, generationId);
        }
        return null;
    }

    /**
     * After members left a consumer-protocol group: one left with only classic members turns
     * classic again when the policy allows (Kafka's downgrade), else it just may have emptied.
     */
    private void afterConsumerMembersLeft(long nowMs, int epochBefore, GroupOutcome.Builder out) {
        if (consumer.onlyClassicMembers() && config.migrationPolicy().allowsDowngrade()
                && consumer.memberCount() <= config.classicMaxSize()) {
            downgrade(nowMs, epochBefore, out);
        } else if (!consumer.hasMembers()) {
            emptySinceMs = nowMs;
        }
    }

    /**
     * The consumer-protocol group becomes a classic one: its classic members keep their ids and
     * protocols, each given its part of the broker's last target as its assignment, at the group
     * epoch from before the leave as the generation (a member that had caught up is then sent to
     * rejoin with REBALANCE_IN_PROGRESS, not ILLEGAL_GENERATION, so a cooperative client keeps its
     * partitions, as on Kafka); then a rebalance, so that a leader of theirs assigns again.
     */
    private void downgrade(long nowMs, int generation, GroupOutcome.Builder out) {
        ConsumerGroupMembership from = consumer;
        members.clear();
        pendingMembers.clear();
        pendingSyncMembers.clear();
        for (ConsumerGroupMember member : from.members()) {
            GroupMember classic = new GroupMember(member.memberId, member.instanceId, member.clientId,
                    member.clientHost, member.classic.sessionTimeoutMs(), member.rebalanceTimeoutMs,
                    member.classic.protocols(), nowMs);
            members.put(classic.memberId, classic);
            out.record(new GroupRecord.ConsumerMemberRemoved(groupId, member.memberId));
        }
        out.record(new GroupRecord.ConsumerGroupRemoved(groupId));
        consumer = null;
        generationId = generation;
        protocolType = CONSUMER_PROTOCOL_TYPE;
        leaderId = members.keySet().iterator().next();
        protocolName = selectProtocol();
        for (GroupMember member : members.values()) {
            member.assignment = config.subscriptions().assignmentBytes(from.targetOf(member.memberId),
                    member.metadata(protocolName));
        }
        state = GroupState.STABLE;
        out.record(metadataRecord());
        prepareRebalance(nowMs, out);
    }

    /** The consumer protocol's session and revocation deadlines, for a consumer-protocol group. */
    long consumerDeadlineMs(int sessionTimeoutMs) {
        return consumer == null ? NO_DEADLINE : consumer.nextDeadlineMs(sessionTimeoutMs);
    }

    /** Fences consumer-protocol members whose session or revocation time ran out. */
    void expireConsumerMembers(long nowMs, int sessionTimeoutMs, GroupOutcome.Builder out) {
        if (consumer == null) {
            return;
        }
        int epochBefore = consumer.groupEpoch();
        if (consumer.expire(nowMs, sessionTimeoutMs, out::record) > 0) {
            afterConsumerMembersLeft(nowMs, epochBefore, out);
        }
    }

    /** The consumer-protocol membership as compaction keeps it (its own record, one per member); none for a classic group. */
    List<GroupRecord> consumerRecords() {
        return consumer == null ? List.of() : consumer.records();
    }

    /** A deleted group's consumer-protocol record goes too, or a restart would bring the group back. */
    private void removeConsumerRecord(GroupOutcome.Builder out) {
        if (consumer != null) {
            out.record(new GroupRecord.ConsumerGroupRemoved(groupId));
        }
    }

    /** Puts back a consumer-protocol group's own part (creating its membership if need be). */
    void restoreConsumer(GroupRecord.ConsumerGroupState record) {
        consumerForRestore().restore(record);
    }

    /** Puts back one consumer-protocol member, alive from {@code nowMs}. */
    void restoreConsumerMember(GroupRecord.ConsumerMemberState record, long nowMs) {
        consumerForRestore().restore(record, nowMs);
    }

    void restoreConsumerMemberRemoved(String memberId) {
        if (consumer != null) {
            consumer.restoreRemoved(memberId);
        }
    }

    /** The group is classic again, or gone: its consumer-protocol membership goes. */
    void dropConsumer() {
        consumer = null;
    }

    private ConsumerGroupMembership consumerForRestore() {
        if (consumer == null) {
            consumer = new ConsumerGroupMembership(groupId);
        }
        return consumer;
    }

    /** The consumer protocol's check of an OffsetFetch naming a member; null for a classic group. */
    ErrorCode consumerFetchError(String memberId, int memberEpoch) {
        if (consumer == null) {
            return null;
        }
        return memberId == null ? ErrorCode.UNKNOWN_MEMBER_ID : consumer.commitError(memberId, memberEpoch);
    }

    /** ConsumerGroupDescribe's view; null when the group is not of the consumer protocol. */
    ConsumerGroupDescription consumerDescription() {
        return consumer == null ? null : consumer.describe();
    }
}
