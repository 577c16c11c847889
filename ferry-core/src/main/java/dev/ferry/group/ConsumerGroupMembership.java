package dev.ferry.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import dev.ferry.error.ErrorCode;
import dev.ferry.group.ConsumerGroupMember.Reconciliation;
import dev.ferry.group.GroupCommand.ConsumerHeartbeat;
import dev.ferry.group.GroupResult.ConsumerHeartbeatResult;

/**
 * The members of a group that speaks Kafka's consumer protocol (KIP-848), where the broker
 * assigns partitions and members only heartbeat: no JoinGroup round, no leader, no stop-the-world
 * rebalance.
 *
 * <p>The epochs: the <em>group epoch</em> moves whenever membership, a subscription or a
 * subscribed topic's partition count changes; the <em>target assignment</em> is computed by the
 * {@link ServerAssignor} for a group epoch (its assignment epoch). Each member then reconciles
 * towards its part of the target on its heartbeats: it first gives up the partitions it must lose
 * (keeping its old epoch until a heartbeat says it no longer owns them), then takes the new ones
 * as soon as no other member still holds them, and reaches the assignment epoch. A partition is
 * never given to a member while another may still be reading it.
 *
 * <p>Deterministic, as {@link Groups}: everything comes from the command (the time, the topics'
 * partition counts), so replaying commands gives the same epochs and assignments.
 */
final class ConsumerGroupMembership {
    /** The epoch a leaving member sends, and the one its answer carries. */
    static final int LEAVE_EPOCH = -1;
    /** The epoch a static member sends when it leaves for a while (it gets -2 back). */
    static final int STATIC_LEAVE_EPOCH = -2;

    private final String groupId;
    private final TreeMap<String, ConsumerGroupMember> members = new TreeMap<>();
    private int groupEpoch;
    private int assignmentEpoch;
    private TreeMap<String, TreeSet<PartitionRef>> target = new TreeMap<>();
    /** The partition count of every topic some member subscribes to, as the last heartbeat saw them. */
    private SortedMap<String, Integer> subscribedPartitionCounts = new TreeMap<>();
    private ServerAssignor assignor = ServerAssignor.DEFAULT;

    ConsumerGroupMembership(String groupId) {
        this.groupId = groupId;
    }

    boolean hasMembers() {
        return !members.isEmpty();
    }

    /** Kafka's consumer group state, from the epochs. */
    GroupState state() {
        if (members.isEmpty()) {
            return GroupState.EMPTY;
        }
        if (groupEpoch > assignmentEpoch) {
            return GroupState.ASSIGNING;
        }
        for (ConsumerGroupMember member : members.values()) {
            if (member.memberEpoch == STATIC_LEAVE_EPOCH) {
                continue; // away for a while, its partitions kept for it
            }
            if (member.memberEpoch != assignmentEpoch || member.reconciliation != Reconciliation.STABLE) {
                return GroupState.RECONCILING;
            }
        }
        return GroupState.STABLE;
    }

    /** Every topic the members subscribe to, by name or by a pattern that matched when last evaluated. */
    Set<String> subscribedTopics() {
        Set<String> topics = new HashSet<>(subscribedPartitionCounts.keySet());
        for (ConsumerGroupMember member : members.values()) {
            topics.addAll(member.subscribedTopicNames);
        }
        return topics;
    }

    /**
     * One heartbeat; the answer. {@code sessionTimeoutMs} and {@code heartbeatIntervalMs} are the
     * group's (its configs, else the broker's).
     */
    ConsumerHeartbeatResult heartbeat(ConsumerHeartbeat command, int heartbeatIntervalMs, int assignmentIntervalMs,
                                      int maxSize, Consumer<GroupRecord> records) {
        this.assignmentIntervalMs = assignmentIntervalMs;
        this.maxSize = maxSize;
        // What a heartbeat can change: the group's own record (epochs, assignor, subscribed topics),
        // the member set, the heartbeating member, and with a new target every member's part in it.
        // Only what changed is written: a plain heartbeat writes nothing, one member's change one record.
        GroupRecord.ConsumerGroupState groupBefore = groupRecord();
        GroupRecord.ConsumerMemberState memberBefore = memberRecord(members.get(command.memberId()));
        ConsumerHeartbeatResult result = apply(command, heartbeatIntervalMs);
        recordChanges(groupBefore, command.memberId(), memberBefore, records);
        return result;
    }

    private void recordChanges(GroupRecord.ConsumerGroupState groupBefore, String memberId,
                               GroupRecord.ConsumerMemberState memberBefore, Consumer<GroupRecord> records) {
        GroupRecord.ConsumerGroupState groupAfter = groupRecord();
        if (!groupAfter.equals(groupBefore)) {
            records.accept(groupAfter);
        }
        for (String id : removedByHeartbeat) {
            records.accept(new GroupRecord.ConsumerMemberRemoved(groupId, id));
        }
        removedByHeartbeat.clear();
        if (groupAfter.assignmentEpoch() != groupBefore.assignmentEpoch()) {
            for (ConsumerGroupMember member : members.values()) {
                records.accept(memberRecord(member));
            }
            return;
        }
        GroupRecord.ConsumerMemberState memberAfter = memberRecord(members.get(memberId));
        if (memberAfter != null && !memberAfter.equals(memberBefore)) {
            records.accept(memberAfter);
        }
    }
    /**
     * {@code consumer.assignment.interval.ms}: a target is computed at most this often, so members
     * joining in a burst get one target for all of them instead of chasing one per join (Kafka's
     * default, 1 s). The first change after a quiet spell is assigned at once. Not kept on disk:
     * after a restart the next change is assigned at once.
     */
    private int assignmentIntervalMs;
    private long lastTargetMs = Long.MIN_VALUE / 2;
    /** {@code group.consumer.max.size}, as of the command being applied. */
    private int maxSize = Integer.MAX_VALUE;

    /** Whether a member {@code memberId} (empty: not named yet) would be one too many (Kafka's check). */
    private boolean isFullFor(String memberId) {
        return members.size() >= maxSize && (memberId.isEmpty() || !members.containsKey(memberId));
    }

    private String fullMessage() {
        return "The consumer group has reached its maximum capacity of " + maxSize + " members.";
    }

    private ConsumerHeartbeatResult apply(ConsumerHeartbeat command, int heartbeatIntervalMs) {
        long nowMs = command.nowMs();
        if (command.memberEpoch() == LEAVE_EPOCH || command.memberEpoch() == STATIC_LEAVE_EPOCH) {
            return leave(command);
        }
        if (isFullFor(command.memberId())) {
            return failed(ErrorCode.GROUP_MAX_SIZE_REACHED, fullMessage(), command);
        }
        ConsumerGroupMember member = members.get(command.memberId());
        boolean joined = false;
        ConsumerGroupMember replaced = null;
        if (command.memberEpoch() == 0) {
            if (command.subscribedTopicNames() == null && command.subscribedTopicRegex() == null) {
                return failed(ErrorCode.INVALID_GROUP_REQUEST,
                        "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.",
                        command);
            }
            ConsumerGroupMember predecessor = command.instanceId() == null ? null : staticMember(command.instanceId());
            if (predecessor != null && !predecessor.memberId.equals(command.memberId())) {
                if (predecessor.memberEpoch != STATIC_LEAVE_EPOCH && !predecessor.usesClassicProtocol()) {
                    return failed(ErrorCode.UNRELEASED_INSTANCE_ID, "Static member " + command.memberId()
                            + " with instance id " + command.instanceId()
                            + " cannot join the group because the instance id is owned by " + predecessor.memberId
                            + " member.", command);
                }
                // A static member back after a restart takes its place again: same partitions, same
                // epoch, no rebalance (KIP-345's promise, kept by the consumer protocol too). A classic
                // one (it does not leave when it closes) is replaced at once, as Kafka does: that is a
                // static consumer restarted with the new protocol in a rolling upgrade.
                member = successor(predecessor, command.memberId(), nowMs);
                member.classic = null; // it speaks the consumer protocol now, whatever its predecessor did
                replaced = predecessor;
            } else {
                // A member joining again (it lost its state) starts afresh: what it held goes back to the pool.
                member = new ConsumerGroupMember(command.memberId(), nowMs);
            }
            joined = true;
        } else {
            if (member == null) {
                return failed(ErrorCode.UNKNOWN_MEMBER_ID, "Member " + command.memberId()
                        + " is not a member of group " + groupId + ".", command);
            }
            if (!acceptsEpoch(member, command)) {
                return failed(ErrorCode.FENCED_MEMBER_EPOCH, "The consumer group member has a "
                        + (command.memberEpoch() > member.memberEpoch ? "greater" : "smaller") + " member epoch ("
                        + command.memberEpoch() + ") than the one known by the group coordinator ("
                        + member.memberEpoch + "). The member must abandon all its partitions and rejoin.", command);
            }
        }
        subscriptionChanged = false;
        ConsumerHeartbeatResult invalid = update(member, command);
        if (invalid != null) {
            return invalid;
        }
        if (joined) {
            if (replaced != null) {
                // Only now that the join is taken: a refused one leaves the static member in its place.
                takePlace(replaced, member);
            }
            members.put(member.memberId, member);
        }
        moveGroupOn((joined && member.memberEpoch == 0) || subscriptionChanged, command.topicPartitionCounts(), nowMs);
        subscriptionChanged = false;
        member.lastHeartbeatMs = nowMs;
        TreeSet<PartitionRef> before = new TreeSet<>(member.assigned);
        int epochBefore = member.memberEpoch;
        Set<PartitionRef> owned = command.ownedPartitions() == null ? null : new HashSet<>(command.ownedPartitions());
        reconcile(member, owned, nowMs);
        boolean assignmentChanged = !before.equals(member.assigned) || epochBefore != member.memberEpoch;
        boolean full = command.memberEpoch() == 0 || command.ownedPartitions() != null;
        List<PartitionRef> assignment = assignmentChanged || full ? new ArrayList<>(member.assigned) : null;
        return new ConsumerHeartbeatResult(null, null, member.memberId, member.memberEpoch, heartbeatIntervalMs,
                assignment);
    }

    /** {@code successor} takes {@code replaced}'s place: the replaced one's tombstone, its part of the target. */
    private void takePlace(ConsumerGroupMember replaced, ConsumerGroupMember successor) {
        members.remove(replaced.memberId);
        removedByHeartbeat.add(replaced.memberId);
        TreeSet<PartitionRef> targeted = target.remove(replaced.memberId);
        if (targeted != null) {
            target.put(successor.memberId, targeted);
        }
    }

    /**
     * After a join or a heartbeat changed the group: the group epoch moves if {@code changed} or a
     * subscribed topic's partition count did, and a new target is computed if one is due.
     */
    private void moveGroupOn(boolean changed, SortedMap<String, Integer> topicPartitionCounts, long nowMs) {
        if (refreshSubscribedTopics(topicPartitionCounts) || changed) {
            groupEpoch++;
        }
        if (groupEpoch > assignmentEpoch && nowMs - lastTargetMs >= assignmentIntervalMs) {
            computeTarget();
            lastTargetMs = nowMs;
        }
    }

    // Set by update() when the member's subscription or assignor changed.
    private boolean subscriptionChanged;
    // Members the heartbeat being applied removed (a leave, a static member's place taken): their tombstones.
    private final List<String> removedByHeartbeat = new ArrayList<>();

    /**
     * Kafka's epoch check: a member may heartbeat at its current epoch, or at its previous one if
     * what it says it owns is within its current assignment (the answer that moved it was lost).
     */
    private static boolean acceptsEpoch(ConsumerGroupMember member, ConsumerHeartbeat command) {
        return command.memberEpoch() == member.memberEpoch
                || (command.memberEpoch() == member.previousMemberEpoch && command.ownedPartitions() != null
                        && member.assigned.containsAll(command.ownedPartitions()));
    }

    /** Takes what the heartbeat changed into the member; an answer when a field is refused. */
    private ConsumerHeartbeatResult update(ConsumerGroupMember member, ConsumerHeartbeat command) {
        if (command.serverAssignor() != null && ServerAssignor.named(command.serverAssignor()) == null) {
            return failed(ErrorCode.UNSUPPORTED_ASSIGNOR, "ServerAssignor " + command.serverAssignor()
                    + " is not supported. Supported assignors: " + ServerAssignor.names() + ".", command);
        }
        Pattern regex = member.compiledRegex;
        if (command.subscribedTopicRegex() != null && !command.subscribedTopicRegex().isEmpty()
                && !command.subscribedTopicRegex().equals(member.subscribedTopicRegex)) {
            try {
                regex = Pattern.compile(command.subscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                return failed(ErrorCode.INVALID_REGULAR_EXPRESSION, "SubscribedTopicRegex `"
                        + command.subscribedTopicRegex() + "` is not a valid regular expression: "
                        + e.getDescription() + ".", command);
            }
        }
        if (command.subscribedTopicRegex() != null) {
            String next = command.subscribedTopicRegex().isEmpty() ? null : command.subscribedTopicRegex();
            if (!java.util.Objects.equals(next, member.subscribedTopicRegex)) {
                member.subscribedTopicRegex = next;
                member.compiledRegex = next == null ? null : regex;
                subscriptionChanged = true;
            }
        }
        if (command.subscribedTopicNames() != null) {
            List<String> names = new ArrayList<>(new TreeSet<>(command.subscribedTopicNames()));
            if (!names.equals(member.subscribedTopicNames)) {
                member.subscribedTopicNames = List.copyOf(names);
                subscriptionChanged = true;
            }
        }
        if (command.serverAssignor() != null && !command.serverAssignor().equals(member.serverAssignor)) {
            member.serverAssignor = command.serverAssignor();
            subscriptionChanged = true;
        }
        if (command.instanceId() != null) {
            member.instanceId = command.instanceId();
        }
        if (command.rackId() != null) {
            member.rackId = command.rackId();
        }
        if (command.rebalanceTimeoutMs() >= 0) {
            member.rebalanceTimeoutMs = command.rebalanceTimeoutMs();
        }
        member.clientId = command.clientId();
        member.clientHost = command.clientHost();
        return null;
    }

    private ConsumerHeartbeatResult leave(ConsumerHeartbeat command) {
        ConsumerGroupMember member;
        if (command.instanceId() == null) {
            member = members.get(command.memberId());
            if (member == null) {
                return failed(ErrorCode.UNKNOWN_MEMBER_ID, "Member " + command.memberId()
                        + " is not a member of group " + groupId + ".", command);
            }
        } else {
            // A static member leaves by its instance id, and only the member holding it may: another
            // member id is a zombie of an earlier incarnation (Kafka's checks and texts, 4.3.1).
            member = staticMember(command.instanceId());
            if (member == null) {
                return failed(ErrorCode.UNKNOWN_MEMBER_ID, "Instance id " + command.instanceId() + " is unknown.",
                        command);
            }
            if (!member.memberId.equals(command.memberId())) {
                return failed(ErrorCode.FENCED_INSTANCE_ID, "Static member " + command.memberId()
                        + " with instance id " + command.instanceId() + " was fenced by member " + member.memberId
                        + ".", command);
            }
        }
        if (command.memberEpoch() == STATIC_LEAVE_EPOCH && member.instanceId != null) {
            // A static member leaving for a while keeps its partitions until its session runs out,
            // so that it can come back (under a new member id) to the same ones.
            if (member.memberEpoch != STATIC_LEAVE_EPOCH) {
                member.previousMemberEpoch = member.memberEpoch;
                member.memberEpoch = STATIC_LEAVE_EPOCH;
            }
            return new ConsumerHeartbeatResult(null, null, member.memberId, STATIC_LEAVE_EPOCH, 0, null);
        }
        members.remove(command.memberId());
        target.remove(command.memberId());
        removedByHeartbeat.add(command.memberId());
        groupEpoch++;
        return new ConsumerHeartbeatResult(null, null, member.memberId, command.memberEpoch(), 0, null);
    }

    /** The member holding static {@code instanceId}, or null. */
    private ConsumerGroupMember staticMember(String instanceId) {
        for (ConsumerGroupMember member : members.values()) {
            if (instanceId.equals(member.instanceId)) {
                return member;
            }
        }
        return null;
    }

    /** A new member id for the place of a static member that left with epoch -2: everything else is kept. */
    private static ConsumerGroupMember successor(ConsumerGroupMember predecessor, String memberId, long nowMs) {
        ConsumerGroupMember member = new ConsumerGroupMember(memberId, nowMs);
        member.instanceId = predecessor.instanceId;
        member.rackId = predecessor.rackId;
        member.clientId = predecessor.clientId;
        member.clientHost = predecessor.clientHost;
        member.rebalanceTimeoutMs = predecessor.rebalanceTimeoutMs;
        member.subscribedTopicNames = predecessor.subscribedTopicNames;
        member.subscribedTopicRegex = predecessor.subscribedTopicRegex;
        member.compiledRegex = predecessor.compiledRegex;
        member.serverAssignor = predecessor.serverAssignor;
        // One away with -2 kept its real epoch as the previous one; a live (classic) one is at its epoch.
        member.memberEpoch = predecessor.memberEpoch == STATIC_LEAVE_EPOCH ? predecessor.previousMemberEpoch
                : predecessor.memberEpoch;
        member.previousMemberEpoch = predecessor.previousMemberEpoch;
        member.reconciliation = predecessor.reconciliation;
        member.assigned = predecessor.assigned;
        member.pendingRevocation = predecessor.pendingRevocation;
        member.revocationDeadlineMs = predecessor.revocationDeadlineMs;
        member.classic = predecessor.classic;
        return member;
    }

    private ConsumerHeartbeatResult failed(ErrorCode error, String message, ConsumerHeartbeat command) {
        subscriptionChanged = false;
        return ConsumerHeartbeatResult.failed(error, message, command.memberId(), command.memberEpoch());
    }

    /**
     * The partition counts of the topics the members subscribe to now, from the command's view of
     * every topic; whether they differ from the last ones (then the target must be computed anew).
     */
    private boolean refreshSubscribedTopics(SortedMap<String, Integer> allTopics) {
        SortedMap<String, Integer> now = new TreeMap<>();
        for (Map.Entry<String, Integer> topic : allTopics.entrySet()) {
            for (ConsumerGroupMember member : members.values()) {
                if (member.subscribes(topic.getKey())) {
                    now.put(topic.getKey(), topic.getValue());
                    break;
                }
            }
        }
        if (now.equals(subscribedPartitionCounts)) {
            return false;
        }
        subscribedPartitionCounts = now;
        return true;
    }

    /** The assignor most members ask for (the default when none does), as Kafka picks one. */
    private ServerAssignor preferredAssignor() {
        Map<ServerAssignor, Integer> votes = new TreeMap<>();
        for (ConsumerGroupMember member : members.values()) {
            ServerAssignor asked = member.serverAssignor == null ? null : ServerAssignor.named(member.serverAssignor);
            if (asked != null) {
                votes.merge(asked, 1, Integer::sum);
            }
        }
        ServerAssignor best = ServerAssignor.DEFAULT;
        int most = 0;
        for (Map.Entry<ServerAssignor, Integer> vote : votes.entrySet()) {
            if (vote.getValue() > most) {
                best = vote.getKey();
                most = vote.getValue();
            }
        }
        return best;
    }

    private void computeTarget() {
        TreeMap<String, Set<String>> subscriptions = new TreeMap<>();
        for (ConsumerGroupMember member : members.values()) {
            Set<String> topics = new TreeSet<>();
            for (String topic : subscribedPartitionCounts.keySet()) {
                if (member.subscribes(topic)) {
                    topics.add(topic);
                }
            }
            subscriptions.put(member.memberId, topics);
        }
        assignor = preferredAssignor();
        target = new TreeMap<>(assignor.assign(subscriptions, new TreeMap<>(subscribedPartitionCounts), target));
        assignmentEpoch = groupEpoch;
    }

    /**
     * Moves the member towards its target: Kafka's reconciliation. {@code owned} is what the
     * member says it owns (null when it did not say).
     */
    private void reconcile(ConsumerGroupMember member, Set<PartitionRef> owned, long nowMs) {
        switch (member.reconciliation) {
            case STABLE -> {
                if (member.memberEpoch != assignmentEpoch) {
                    nextAssignment(member, owned, nowMs);
                }
            }
            case UNREVOKED_PARTITIONS -> {
                if (owned != null && member.pendingRevocation.stream().noneMatch(owned::contains)) {
                    member.pendingRevocation.clear();
                    member.revocationDeadlineMs = ClassicGroup.NO_DEADLINE;
                    nextAssignment(member, owned, nowMs);
                }
            }
            case UNRELEASED_PARTITIONS -> nextAssignment(member, owned, nowMs);
        }
    }

    /**
     * The member's next step towards its target. Partitions it must lose are revoked first, unless
     * {@code owned} (what it says it owns; null when it did not say) shows it has already let them
     * go, as a classic member does before it rejoins.
     */
    private void nextAssignment(ConsumerGroupMember member, Set<PartitionRef> owned, long nowMs) {
        TreeSet<PartitionRef> wanted = target.getOrDefault(member.memberId, new TreeSet<>());
        TreeSet<PartitionRef> keep = new TreeSet<>();
        TreeSet<PartitionRef> revoke = new TreeSet<>();
        for (PartitionRef partition : member.assigned) {
            (wanted.contains(partition) ? keep : revoke).add(partition);
        }
        if (!revoke.isEmpty() && (owned == null || revoke.stream().anyMatch(owned::contains))) {
            member.assigned = keep;
            member.pendingRevocation = revoke;
            member.reconciliation = Reconciliation.UNREVOKED_PARTITIONS;
            member.revocationDeadlineMs = nowMs + Math.max(member.rebalanceTimeoutMs, 0);
            return;
        }
        boolean unreleased = false;
        for (PartitionRef partition : wanted) {
            if (keep.contains(partition)) {
                continue;
            }
            if (heldByOther(member, partition)) {
                unreleased = true;
            } else {
                keep.add(partition);
            }
        }
        member.assigned = keep;
        member.previousMemberEpoch = member.memberEpoch;
        member.memberEpoch = assignmentEpoch;
        member.reconciliation = unreleased ? Reconciliation.UNRELEASED_PARTITIONS : Reconciliation.STABLE;
    }

    private boolean heldByOther(ConsumerGroupMember member, PartitionRef partition) {
        for (ConsumerGroupMember other : members.values()) {
            if (other != member && other.holds(partition)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- classic members (online migration)

    /**
     * JoinGroup from a member of the classic protocol (KIP-848's online migration). The broker
     * assigns it like any member, from the subscription in its first protocol's metadata; the
     * answer comes at once, with the member's epoch as the generation and no leader (so the client
     * does not assign), and SyncGroup then hands it its partitions. Partitions it must lose are
     * taken from it at this join unless its metadata says it still owns them (a cooperative
     * client), which then drops them after its sync and joins again.
     */
    GroupResult.JoinResult classicJoin(GroupCommand.Join command, ConsumerProtocolFormat format,
                                       int assignmentIntervalMs, int maxSize, Consumer<GroupRecord> records) {
        this.assignmentIntervalMs = assignmentIntervalMs;
        this.maxSize = maxSize;
        if (isFullFor(command.memberId())) {
            return GroupResult.JoinResult.failed(ErrorCode.GROUP_MAX_SIZE_REACHED, command.memberId());
        }
        long nowMs = command.nowMs();
        if (!ClassicGroup.CONSUMER_PROTOCOL_TYPE.equals(command.protocolType()) || command.protocols().isEmpty()
                || !supportedByClassicMembers(command.protocols())) {
            return GroupResult.JoinResult.failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, command.memberId());
        }
        ConsumerProtocolFormat.Subscription subscription =
                format.subscription(command.protocols().get(0).metadata()).orElse(null);
        if (subscription == null) {
            return GroupResult.JoinResult.failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, command.memberId());
        }
        String instanceId = command.groupInstanceId();
        ConsumerGroupMember member;
        ConsumerGroupMember replaced = null;
        if (command.memberId().isEmpty()) {
            ConsumerGroupMember predecessor = instanceId == null ? null : staticMember(instanceId);
            if (predecessor == null && instanceId == null && command.requireKnownMemberId()) {
                return GroupResult.JoinResult.failed(ErrorCode.MEMBER_ID_REQUIRED, command.newMemberId());
            }
            if (predecessor != null) {
                // A restarted static member takes its predecessor's place, partitions and epoch:
                // nothing moves in the group.
                member = successor(predecessor, command.newMemberId(), nowMs);
                replaced = predecessor;
            } else {
                member = new ConsumerGroupMember(command.newMemberId(), nowMs);
            }
        } else {
            if (instanceId != null) {
                ConsumerGroupMember holder = staticMember(instanceId);
                if (holder == null) {
                    return GroupResult.JoinResult.failed(ErrorCode.UNKNOWN_MEMBER_ID, command.memberId());
                }
                if (!holder.memberId.equals(command.memberId())) {
                    return GroupResult.JoinResult.failed(ErrorCode.FENCED_INSTANCE_ID, command.memberId());
                }
            }
            member = members.get(command.memberId());
            if (member != null && !member.usesClassicProtocol()) {
                return GroupResult.JoinResult.failed(ErrorCode.UNKNOWN_MEMBER_ID, command.memberId());
            }
            if (member == null) {
                // An id handed out with MEMBER_ID_REQUIRED: nothing was kept of it, as in Kafka.
                member = new ConsumerGroupMember(command.memberId(), nowMs);
            }
        }
        GroupRecord.ConsumerGroupState groupBefore = groupRecord();
        GroupRecord.ConsumerMemberState memberBefore = memberRecord(members.get(member.memberId));
        if (replaced != null) {
            takePlace(replaced, member);
        }
        boolean joined = !members.containsKey(member.memberId);
        List<String> topics = new ArrayList<>(new TreeSet<>(subscription.topics()));
        boolean topicsChanged = !topics.equals(member.subscribedTopicNames) || member.subscribedTopicRegex != null;
        member.subscribedTopicNames = List.copyOf(topics);
        member.subscribedTopicRegex = null;
        member.compiledRegex = null;
        member.instanceId = instanceId;
        member.rackId = subscription.rackId();
        member.clientId = command.clientId();
        member.clientHost = command.clientHost();
        member.rebalanceTimeoutMs = command.rebalanceTimeoutMs();
        member.classic = new ConsumerGroupMember.ClassicMetadata(command.sessionTimeoutMs(), command.protocols());
        members.put(member.memberId, member);
        moveGroupOn((joined && member.memberEpoch == 0) || topicsChanged, command.topicPartitionCounts(), nowMs);
        member.lastHeartbeatMs = nowMs;
        reconcile(member, new HashSet<>(subscription.ownedPartitions()), nowMs);
        // It must sync within its rebalance timeout.
        member.revocationDeadlineMs = nowMs + Math.max(member.rebalanceTimeoutMs, 0);
        recordChanges(groupBefore, member.memberId, memberBefore, records);
        return new GroupResult.JoinResult(null, member.memberEpoch, ClassicGroup.CONSUMER_PROTOCOL_TYPE,
                member.classic.protocolName(), "", member.memberId, List.of(), false);
    }

    /** Whether some protocol of {@code protocols} is one every classic member already in the group lists too. */
    private boolean supportedByClassicMembers(List<Protocol> protocols) {
        for (Protocol protocol : protocols) {
            boolean all = true;
            for (ConsumerGroupMember member : members.values()) {
                if (member.usesClassicProtocol() && member.classic.metadata(protocol.name()) == null) {
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

    /** The classic member a request names, or why not (Kafka's checks: instance id, then member id, then protocol). */
    private Object classicMember(String memberId, String instanceId) {
        if (instanceId != null) {
            ConsumerGroupMember holder = staticMember(instanceId);
            if (holder == null) {
                return ErrorCode.UNKNOWN_MEMBER_ID;
            }
            if (!holder.memberId.equals(memberId)) {
                return ErrorCode.FENCED_INSTANCE_ID;
            }
        }
        ConsumerGroupMember member = members.get(memberId);
        if (member == null || !member.usesClassicProtocol()) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        return member;
    }

    /** SyncGroup from a classic member: its assigned partitions (not those it must still give up or wait for). */
    GroupResult.SyncResult classicSync(GroupCommand.Sync command, ConsumerProtocolFormat format) {
        Object found = classicMember(command.memberId(), command.groupInstanceId());
        if (found instanceof ErrorCode error) {
            return GroupResult.SyncResult.failed(error);
        }
        ConsumerGroupMember member = (ConsumerGroupMember) found;
        if (command.generationId() != member.memberEpoch) {
            return GroupResult.SyncResult.failed(ErrorCode.ILLEGAL_GENERATION);
        }
        if ((command.protocolType() != null && !command.protocolType().equals(ClassicGroup.CONSUMER_PROTOCOL_TYPE))
                || (command.protocolName() != null && !command.protocolName().equals(member.classic.protocolName()))) {
            return GroupResult.SyncResult.failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        }
        member.lastHeartbeatMs = command.nowMs();
        if (groupEpoch > member.memberEpoch && member.reconciliation != Reconciliation.UNREVOKED_PARTITIONS) {
            armRejoinDeadline(member, command.nowMs());
            return GroupResult.SyncResult.failed(ErrorCode.REBALANCE_IN_PROGRESS);
        }
        member.revocationDeadlineMs = ClassicGroup.NO_DEADLINE;
        String protocolName = member.classic.protocolName();
        byte[] assignment = format.assignmentBytes(new ArrayList<>(member.assigned),
                member.classic.metadata(protocolName));
        return new GroupResult.SyncResult(null, command.protocolType(), command.protocolName(), assignment);
    }

    /**
     * Heartbeat from a classic member. REBALANCE_IN_PROGRESS sends it to JoinGroup again when the
     * group moved past its epoch, when it must give partitions up, or when every partition it waits
     * for is free; from then it has its rebalance timeout to come.
     */
    ErrorCode classicHeartbeat(GroupCommand.Heartbeat command) {
        Object found = classicMember(command.memberId(), command.groupInstanceId());
        if (found instanceof ErrorCode error) {
            return error;
        }
        ConsumerGroupMember member = (ConsumerGroupMember) found;
        if (command.generationId() != member.memberEpoch) {
            return ErrorCode.ILLEGAL_GENERATION;
        }
        member.lastHeartbeatMs = command.nowMs();
        boolean rejoin = member.memberEpoch < groupEpoch
                || member.reconciliation == Reconciliation.UNREVOKED_PARTITIONS
                || (member.reconciliation == Reconciliation.UNRELEASED_PARTITIONS && !waitsForHeldPartition(member));
        if (rejoin) {
            armRejoinDeadline(member, command.nowMs());
            return ErrorCode.REBALANCE_IN_PROGRESS;
        }
        return null;
    }

    private static void armRejoinDeadline(ConsumerGroupMember member, long nowMs) {
        if (member.revocationDeadlineMs == ClassicGroup.NO_DEADLINE) {
            member.revocationDeadlineMs = nowMs + Math.max(member.rebalanceTimeoutMs, 0);
        }
    }

    private boolean waitsForHeldPartition(ConsumerGroupMember member) {
        for (PartitionRef partition : target.getOrDefault(member.memberId, new TreeSet<>())) {
            if (!member.assigned.contains(partition) && heldByOther(member, partition)) {
                return true;
            }
        }
        return false;
    }

    /**
     * LeaveGroup in a consumer-protocol group: any member may be named (an admin removes
     * consumer-protocol members this way too); static ones by their instance id.
     */
    List<GroupResult.MemberOutcome> classicLeave(GroupCommand.Leave command, Consumer<GroupRecord> records) {
        List<GroupResult.MemberOutcome> outcomes = new ArrayList<>();
        boolean left = false;
        for (GroupCommand.LeavingMember leaving : command.members()) {
            ConsumerGroupMember member;
            if (leaving.groupInstanceId() != null) {
                member = staticMember(leaving.groupInstanceId());
                if (member != null && leaving.memberId() != null && !leaving.memberId().isEmpty()
                        && !leaving.memberId().equals(member.memberId)) {
                    outcomes.add(new GroupResult.MemberOutcome(leaving.memberId(), leaving.groupInstanceId(),
                            ErrorCode.FENCED_INSTANCE_ID));
                    continue;
                }
            } else {
                member = leaving.memberId() == null ? null : members.get(leaving.memberId());
            }
            if (member == null) {
                outcomes.add(new GroupResult.MemberOutcome(leaving.memberId(), leaving.groupInstanceId(),
                        ErrorCode.UNKNOWN_MEMBER_ID));
                continue;
            }
            members.remove(member.memberId);
            target.remove(member.memberId);
            records.accept(new GroupRecord.ConsumerMemberRemoved(groupId, member.memberId));
            left = true;
            outcomes.add(new GroupResult.MemberOutcome(leaving.memberId(), leaving.groupInstanceId(), null));
        }
        if (left) {
            groupEpoch++;
            records.accept(groupRecord());
        }
        return outcomes;
    }

    int memberCount() {
        return members.size();
    }

    /** Whether every member speaks the classic protocol: the group may turn classic again. */
    boolean onlyClassicMembers() {
        for (ConsumerGroupMember member : members.values()) {
            if (!member.usesClassicProtocol()) {
                return false;
            }
        }
        return !members.isEmpty();
    }

    int groupEpoch() {
        return groupEpoch;
    }

    /** The members in id order, for turning the group classic again. */
    Collection<ConsumerGroupMember> members() {
        return members.values();
    }

    /** The member's part of the target assignment. */
    List<PartitionRef> targetOf(String memberId) {
        return new ArrayList<>(target.getOrDefault(memberId, new TreeSet<>()));
    }

    /**
     * Takes in a member of a classic group that turns into a consumer-protocol group: it keeps
     * the partitions its leader gave it, at the classic generation as its epoch.
     */
    void adoptClassicMember(ConsumerGroupMember member, int generationId) {
        member.memberEpoch = generationId;
        member.previousMemberEpoch = generationId;
        member.reconciliation = Reconciliation.STABLE;
        members.put(member.memberId, member);
        target.put(member.memberId, new TreeSet<>(member.assigned));
        groupEpoch = generationId;
        assignmentEpoch = generationId;
    }

    /**
     * The subscribed topics' partition counts of members just taken in from a classic group, so that
     * the join that turned the group bumps its epoch only if it changes something itself.
     */
    void takeSubscribedTopics(SortedMap<String, Integer> topicPartitionCounts) {
        refreshSubscribedTopics(topicPartitionCounts);
    }

    /** The group's records and every member's: what a change of protocol writes at once. */
    void recordAll(Consumer<GroupRecord> records) {
        for (GroupRecord record : records()) {
            records.accept(record);
        }
    }


    // ---------------------------------------------------------------- timers

    /** The earliest session or revocation deadline of a member; {@link ClassicGroup#NO_DEADLINE} if none. */
    long nextDeadlineMs(int sessionTimeoutMs) {
        long next = ClassicGroup.NO_DEADLINE;
        for (ConsumerGroupMember member : members.values()) {
            next = Math.min(next, member.sessionDeadlineMs(sessionTimeoutMs));
            next = Math.min(next, member.revocationDeadlineMs);
        }
        return next;
    }

    /**
     * Fences every member whose session ran out, or that did not give up partitions within its
     * rebalance timeout: it leaves the group and what it held is free. Returns how many went.
     */
    int expire(long nowMs, int sessionTimeoutMs, Consumer<GroupRecord> records) {
        int fenced = 0;
        for (var iterator = members.values().iterator(); iterator.hasNext(); ) {
            ConsumerGroupMember member = iterator.next();
            if (member.sessionDeadlineMs(sessionTimeoutMs) <= nowMs || member.revocationDeadlineMs <= nowMs) {
                iterator.remove();
                target.remove(member.memberId);
                records.accept(new GroupRecord.ConsumerMemberRemoved(groupId, member.memberId));
                fenced++;
            }
        }
        if (fenced > 0) {
            groupEpoch++;
            records.accept(groupRecord());
        }
        return fenced;
    }

    /** Whether {@code memberId} is a member at exactly {@code memberEpoch}: the check of its offset commits. */
    ErrorCode commitError(String memberId, int memberEpoch) {
        return commitError(memberId, memberEpoch, true);
    }

    /**
     * As {@link #commitError(String, int)}, for a commit whose request version carries a member epoch
     * ({@code memberEpochs}) or not: a consumer-protocol member must use one that does (Kafka's
     * OffsetCommit v9+), checked, as Kafka checks it, once the member is known and before its epoch.
     */
    ErrorCode commitError(String memberId, int memberEpoch, boolean memberEpochs) {
        ConsumerGroupMember member = members.get(memberId);
        if (member == null) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (!memberEpochs && !member.usesClassicProtocol()) {
            return ErrorCode.UNSUPPORTED_COMMIT_VERSION;
        }
        if (memberEpoch == member.memberEpoch) {
            return null;
        }
        // A classic client knows the generation, not the member epoch's errors. Older or newer, an
        // epoch that is not the member's is stale here (Kafka 4.3.1 answers a commit at a newer
        // epoch so too); FENCED_MEMBER_EPOCH is the heartbeat's answer.
        return member.usesClassicProtocol() ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.STALE_MEMBER_EPOCH;
    }

    /** One member as the record keeps it; null for none. */
    private static GroupRecord.StoredConsumerMember stored(ConsumerGroupMember member) {
        if (member == null) {
            return null;
        }
        return new GroupRecord.StoredConsumerMember(member.memberId, member.instanceId, member.rackId,
                member.clientId, member.clientHost, member.rebalanceTimeoutMs, member.subscribedTopicNames,
                member.subscribedTopicRegex, member.serverAssignor, member.memberEpoch, member.previousMemberEpoch,
                member.reconciliation.name(), new ArrayList<>(member.assigned), new ArrayList<>(member.pendingRevocation),
                member.classic);
    }

    /** The group's own record. */
    GroupRecord.ConsumerGroupState groupRecord() {
        return new GroupRecord.ConsumerGroupState(groupId, groupEpoch, assignmentEpoch, assignor.assignorName(),
                subscribedPartitionCounts);
    }

    /** A member's record with its part of the target; null for none. */
    private GroupRecord.ConsumerMemberState memberRecord(ConsumerGroupMember member) {
        if (member == null) {
            return null;
        }
        return new GroupRecord.ConsumerMemberState(groupId, stored(member),
                new ArrayList<>(target.getOrDefault(member.memberId, new TreeSet<>())));
    }

    /** Everything standing, as compaction keeps it: the group's record and one per member. */
    List<GroupRecord> records() {
        List<GroupRecord> records = new ArrayList<>(members.size() + 1);
        records.add(groupRecord());
        for (ConsumerGroupMember member : members.values()) {
            records.add(memberRecord(member));
        }
        return records;
    }

    /** Puts back the group's own part from its record. */
    void restore(GroupRecord.ConsumerGroupState record) {
        groupEpoch = record.groupEpoch();
        assignmentEpoch = record.assignmentEpoch();
        ServerAssignor named = ServerAssignor.named(record.assignorName());
        assignor = named == null ? ServerAssignor.DEFAULT : named;
        subscribedPartitionCounts = new TreeMap<>(record.subscribedPartitionCounts());
    }

    /**
     * Puts back one member and its part of the target. It counts as alive from {@code nowMs} (it
     * times out as usual if its client does not come back), and if it was revoking, its rebalance
     * timeout runs from then.
     */
    void restore(GroupRecord.ConsumerMemberState record, long nowMs) {
        GroupRecord.StoredConsumerMember stored = record.member();
        ConsumerGroupMember member = new ConsumerGroupMember(stored.memberId(), nowMs);
        member.instanceId = stored.instanceId();
        member.rackId = stored.rackId();
        member.clientId = stored.clientId();
        member.clientHost = stored.clientHost();
        member.rebalanceTimeoutMs = stored.rebalanceTimeoutMs();
        member.subscribedTopicNames = stored.subscribedTopicNames();
        member.subscribedTopicRegex = stored.subscribedTopicRegex();
        if (stored.subscribedTopicRegex() != null) {
            try {
                member.compiledRegex = Pattern.compile(stored.subscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                member.subscribedTopicRegex = null; // it compiled when it was taken; never expected
            }
        }
        member.serverAssignor = stored.serverAssignor();
        member.memberEpoch = stored.memberEpoch();
        member.previousMemberEpoch = stored.previousMemberEpoch();
        member.reconciliation = Reconciliation.valueOf(stored.reconciliation());
        member.assigned = new TreeSet<>(stored.assigned());
        member.pendingRevocation = new TreeSet<>(stored.pendingRevocation());
        member.classic = stored.classic();
        if (member.reconciliation == Reconciliation.UNREVOKED_PARTITIONS && member.classic == null) {
            member.revocationDeadlineMs = nowMs + Math.max(member.rebalanceTimeoutMs, 0);
        }
        members.put(member.memberId, member);
        target.put(member.memberId, new TreeSet<>(record.target()));
    }

    /** Drops a member a tombstone says left. */
    void restoreRemoved(String memberId) {
        members.remove(memberId);
        target.remove(memberId);
    }

    ConsumerGroupDescription describe() {
        List<ConsumerGroupDescription.Member> described = new ArrayList<>();
        for (ConsumerGroupMember member : members.values()) {
            described.add(new ConsumerGroupDescription.Member(member.memberId, member.instanceId, member.rackId,
                    member.memberEpoch, member.clientId, member.clientHost, member.subscribedTopicNames,
                    member.subscribedTopicRegex, new ArrayList<>(member.assigned),
                    new ArrayList<>(target.getOrDefault(member.memberId, new TreeSet<>())), member.usesClassicProtocol()));
        }
        return new ConsumerGroupDescription(groupId, state(), groupEpoch, assignmentEpoch, assignor.assignorName(),
                described);
    }
}
