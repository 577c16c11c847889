package dev.ferry.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.CommitOffsets;
import dev.ferry.group.GroupCommand.DeleteGroup;
import dev.ferry.group.GroupCommand.DeleteOffsets;
import dev.ferry.group.GroupCommand.ExpireTimers;
import dev.ferry.group.GroupCommand.Heartbeat;
import dev.ferry.group.GroupCommand.Join;
import dev.ferry.group.GroupCommand.Leave;
import dev.ferry.group.GroupCommand.Sync;
import dev.ferry.group.GroupResult.AlterConfigsResult;
import dev.ferry.group.GroupResult.CommitResult;
import dev.ferry.group.GroupResult.DeleteGroupResult;
import dev.ferry.group.GroupResult.DeleteOffsetsResult;
import dev.ferry.group.GroupResult.HeartbeatResult;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.LeaveResult;
import dev.ferry.group.GroupResult.MemberOutcome;
import dev.ferry.group.GroupResult.PartitionOutcome;
import dev.ferry.group.GroupResult.SyncResult;

/**
 * Every consumer group of the broker, as one deterministic state machine: {@link #apply} takes a
 * {@link GroupCommand}, finds (or creates) its group and returns the {@link GroupOutcome}. Groups
 * come into being with a first JoinGroup or a commit from outside group management, and go with
 * DeleteGroups. Queries ({@link #fetchOffsets}, {@link #describe}, {@link #list}) change nothing.
 *
 * <p>Not thread-safe: the {@link GroupCoordinator} applies commands on its one thread.
 */
public final class Groups {
    private final GroupConfig config;
    private final Map<String, ClassicGroup> groups = new LinkedHashMap<>();
    /** Each group's config overrides ({@link DynamicGroupConfig}); apart from {@link #groups}, as they outlive them. */
    private final Map<String, Map<String, String>> configs = new TreeMap<>();

    public Groups(GroupConfig config) {
        this.config = config;
    }

    public GroupConfig config() {
        return config;
    }

    public GroupOutcome apply(GroupCommand command) {
        GroupOutcome.Builder out = new GroupOutcome.Builder();
        if (command instanceof Join join) {
            join(join, out);
        } else if (command instanceof Sync sync) {
            ClassicGroup group = groups.get(sync.groupId());
            if (group == null) {
                out.reply(sync.requestId(), SyncResult.failed(ErrorCode.UNKNOWN_MEMBER_ID));
            } else {
                group.sync(sync, out);
            }
        } else if (command instanceof Heartbeat heartbeat) {
            ClassicGroup group = groups.get(heartbeat.groupId());
            if (group == null) {
                out.reply(heartbeat.requestId(), new HeartbeatResult(ErrorCode.UNKNOWN_MEMBER_ID));
            } else {
                group.heartbeat(heartbeat, out);
            }
        } else if (command instanceof Leave leave) {
            ClassicGroup group = groups.get(leave.groupId());
            if (group == null) {
                List<MemberOutcome> unknown = new ArrayList<>();
                for (GroupCommand.LeavingMember member : leave.members()) {
                    unknown.add(new MemberOutcome(member.memberId(), member.groupInstanceId(),
                            ErrorCode.UNKNOWN_MEMBER_ID));
                }
                out.reply(leave.requestId(), new LeaveResult(null, unknown));
            } else {
                group.leave(leave, out);
            }
        } else if (command instanceof CommitOffsets commit) {
            commit(commit, out);
        } else if (command instanceof GroupCommand.CommitTransactionalOffsets commit) {
            groups.computeIfAbsent(commit.groupId(), id -> new ClassicGroup(id, config)).commitTransactionalOffsets(
                    commit, out);
        } else if (command instanceof DeleteOffsets delete) {
            ClassicGroup group = groups.get(delete.groupId());
            if (group == null) {
                out.reply(delete.requestId(), new DeleteOffsetsResult(ErrorCode.GROUP_ID_NOT_FOUND, List.of()));
            } else {
                group.deleteOffsets(delete, out);
            }
        } else if (command instanceof DeleteGroup delete) {
            ClassicGroup group = groups.get(delete.groupId());
            if (group == null) {
                out.reply(delete.requestId(), new DeleteGroupResult(ErrorCode.GROUP_ID_NOT_FOUND));
            } else {
                group.delete(delete, out);
                if (group.state() == GroupState.DEAD) {
                    groups.remove(delete.groupId());
                }
            }
        } else if (command instanceof GroupCommand.ExpireOffsets expire) {
            for (var iterator = groups.values().iterator(); iterator.hasNext(); ) {
                ClassicGroup group = iterator.next();
                group.expireOffsets(expire.nowMs(), config.offsetsRetentionMs(), out);
                if (group.state() == GroupState.DEAD) {
                    iterator.remove();
                }
            }
        } else if (command instanceof GroupCommand.AlterConfigs alter) {
            alterConfigs(alter, out);
        } else if (command instanceof ExpireTimers expire) {
            ClassicGroup group = groups.get(expire.groupId());
            if (group != null) {
                group.expireTimers(expire.nowMs(), out);
                group.expireConsumerMembers(expire.nowMs(), consumerSessionTimeoutMs(expire.groupId()), out);
            }
        } else if (command instanceof GroupCommand.ConsumerHeartbeat heartbeat) {
            consumerHeartbeat(heartbeat, out);
        }
        return out.build();
    }

    private void join(Join join, GroupOutcome.Builder out) {
        if (join.groupId() == null || join.groupId().isEmpty()) {
            out.reply(join.requestId(), JoinResult.failed(ErrorCode.INVALID_GROUP_ID, join.memberId()));
            return;
        }
        if (join.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || join.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            out.reply(join.requestId(), JoinResult.failed(ErrorCode.INVALID_SESSION_TIMEOUT, join.memberId()));
            return;
        }
        ClassicGroup group = groups.get(join.groupId());
        if (group == null) {
            if (!join.memberId().isEmpty()) {
                out.reply(join.requestId(), JoinResult.failed(ErrorCode.UNKNOWN_MEMBER_ID, join.memberId()));
                return;
            }
            group = new ClassicGroup(join.groupId(), config);
            groups.put(join.groupId(), group);
        }
        group.join(join, consumerIntConfig(join.groupId(), "consumer.assignment.interval.ms"), out);
    }

    private void consumerHeartbeat(GroupCommand.ConsumerHeartbeat heartbeat, GroupOutcome.Builder out) {
        ClassicGroup group = groups.get(heartbeat.groupId());
        boolean created = false;
        if (group == null) {
            if (heartbeat.memberEpoch() != 0) {
                // As Kafka 4.3.1. Membership is durable, so a restart loses no group its members knew.
                out.reply(heartbeat.requestId(), GroupResult.ConsumerHeartbeatResult.failed(
                        ErrorCode.GROUP_ID_NOT_FOUND, "Consumer group " + heartbeat.groupId() + " not found.",
                        heartbeat.memberId(), heartbeat.memberEpoch()));
                return;
            }
            group = new ClassicGroup(heartbeat.groupId(), config);
            groups.put(heartbeat.groupId(), group);
            created = true;
        }
        group.consumerHeartbeat(heartbeat, consumerIntConfig(heartbeat.groupId(), "consumer.heartbeat.interval.ms"),
                consumerIntConfig(heartbeat.groupId(), "consumer.assignment.interval.ms"), out);
        if (created && !group.hasMembers()) {
            groups.remove(heartbeat.groupId()); // the join was refused: no group came of it
        }
    }

    /** The group's {@code consumer.session.timeout.ms}: its override, else the broker's default. */
    int consumerSessionTimeoutMs(String groupId) {
        return consumerIntConfig(groupId, "consumer.session.timeout.ms");
    }

    private int consumerIntConfig(String groupId, String name) {
        String value = configs.getOrDefault(groupId, Map.of()).get(name);
        return Integer.parseInt(value != null ? value
                : config.groupConfigDefaults().defaultValue(DynamicGroupConfig.definition(name)));
    }

    private void alterConfigs(GroupCommand.AlterConfigs alter, GroupOutcome.Builder out) {
        Map<String, String> current = configs.getOrDefault(alter.groupId(), Map.of());
        Map<String, String> next = new TreeMap<>(current);
        for (Map.Entry<String, String> change : alter.changes().entrySet()) {
            if (change.getValue() == null) {
                next.remove(change.getKey());
            } else {
                next.put(change.getKey(), change.getValue());
            }
        }
        try {
            next = DynamicGroupConfig.validated(next, config.groupConfigDefaults());
        } catch (BrokerException e) {
            out.reply(alter.requestId(), new AlterConfigsResult(e.errorCode(), e.getMessage()));
            return;
        }
        if (!alter.validateOnly() && !next.equals(current)) {
            out.record(new GroupRecord.ConfigsChanged(alter.groupId(), next));
            setConfigs(alter.groupId(), next);
        }
        out.reply(alter.requestId(), new AlterConfigsResult(null, null));
    }

    private void setConfigs(String groupId, Map<String, String> overrides) {
        if (overrides.isEmpty()) {
            configs.remove(groupId);
        } else {
            configs.put(groupId, Map.copyOf(overrides));
        }
    }

    /** The groups that have config overrides, by name; whether they exist as groups or not. */
    public List<String> groupsWithConfigs() {
        return new ArrayList<>(configs.keySet());
    }

    /** The group's config overrides (name -> value); empty when it has none, whether or not the group exists. */
    public Map<String, String> configs(String groupId) {
        return new TreeMap<>(configs.getOrDefault(groupId, Map.of()));
    }

    private void commit(CommitOffsets commit, GroupOutcome.Builder out) {
        ClassicGroup group = groups.get(commit.groupId());
        if (group == null) {
            if (commit.generationId() >= 0) {
                // A member of a generation of a group that does not exist: as Kafka 4's coordinator,
                // GROUP_ID_NOT_FOUND (its classic coordinator said ILLEGAL_GENERATION). The empty
                // group id is a group like any other here, as in Kafka, which keeps offsets
                // committed without a group under it.
                List<PartitionOutcome> outcomes = new ArrayList<>();
                for (GroupCommand.OffsetToCommit offset : commit.offsets()) {
                    outcomes.add(new PartitionOutcome(offset.partition(), ErrorCode.GROUP_ID_NOT_FOUND));
                }
                out.reply(commit.requestId(), new CommitResult(outcomes));
                return;
            }
            group = new ClassicGroup(commit.groupId(), config);
            groups.put(commit.groupId(), group);
        }
        group.commitOffsets(commit, out);
    }

    /** When {@code groupId}'s timers next have something to do; {@link Long#MAX_VALUE} if never or no such group. */
    public long nextDeadlineMs(String groupId) {
        ClassicGroup group = groups.get(groupId);
        return group == null ? ClassicGroup.NO_DEADLINE
                : Math.min(group.nextDeadlineMs(), group.consumerDeadlineMs(consumerSessionTimeoutMs(groupId)));
    }

    /**
     * The group's committed offsets for {@code partitions} (all of them when null); a partition
     * without one is absent from the map.
     */
    public Map<PartitionRef, CommittedOffset> fetchOffsets(String groupId, Collection<PartitionRef> partitions) {
        ClassicGroup group = groups.get(groupId);
        Map<PartitionRef, CommittedOffset> found = new TreeMap<>();
        if (group == null) {
            return found;
        }
        if (partitions == null) {
            found.putAll(group.offsets());
        } else {
            for (PartitionRef partition : partitions) {
                CommittedOffset offset = group.offsets().get(partition);
                if (offset != null) {
                    found.put(partition, offset);
                }
            }
        }
        return found;
    }

    /**
     * Whether a member of a consumer-protocol group may fetch the group's offsets at
     * {@code memberEpoch} (OffsetFetch v9 names the member): null when it may, or when the request
     * names no member ({@code memberId} null and a negative epoch: an admin tool) or the group is
     * classic; else UNKNOWN_MEMBER_ID, or STALE_MEMBER_EPOCH for any other epoch, as Kafka checks.
     */
    public ErrorCode offsetFetchError(String groupId, String memberId, int memberEpoch) {
        ClassicGroup group = groups.get(groupId);
        if (group == null || (memberId == null && memberEpoch < 0)) {
            return null;
        }
        return group.consumerFetchError(memberId, memberEpoch);
    }

    /**
     * TxnOffsetCommit's check of the group metadata it carries (see
     * {@link ClassicGroup#transactionalCommitError}); null when it passes. A group that does not
     * exist takes a commit from outside group management (generation -1) and refuses one naming a
     * generation with ILLEGAL_GENERATION, as Kafka. {@code memberId} is "" for none, as on the wire.
     */
    public ErrorCode transactionalCommitError(String groupId, int generationId, String memberId,
                                              String groupInstanceId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return generationId < 0 ? null : ErrorCode.ILLEGAL_GENERATION;
        }
        return group.transactionalCommitError(generationId, memberId, groupInstanceId);
    }

    /** The group as DescribeGroups shows it; empty when there is no such group. */
    public Optional<GroupDescription> describe(String groupId) {
        ClassicGroup group = groups.get(groupId);
        // A consumer-protocol group is not one DescribeGroups knows: Kafka answers GROUP_ID_NOT_FOUND.
        return group == null || group.isConsumerGroup() ? Optional.empty() : Optional.of(group.describe());
    }

    /**
     * ConsumerGroupDescribe: the group if it is of Kafka's consumer protocol, else why not (Kafka's
     * GROUP_ID_NOT_FOUND, with its texts).
     */
    public ConsumerGroupLookup describeConsumerGroup(String groupId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null || group.state() == GroupState.DEAD) {
            return new ConsumerGroupLookup(ErrorCode.GROUP_ID_NOT_FOUND, "Group " + groupId + " not found.", null);
        }
        ConsumerGroupDescription description = group.consumerDescription();
        if (description == null) {
            return new ConsumerGroupLookup(ErrorCode.GROUP_ID_NOT_FOUND,
                    "Group " + groupId + " is not a consumer group.", null);
        }
        return new ConsumerGroupLookup(null, null, description);
    }

    /** What {@link #describeConsumerGroup} found: the description, or an error and its message. */
    public record ConsumerGroupLookup(ErrorCode error, String message, ConsumerGroupDescription group) {
    }

    public List<GroupListing> list() {
        List<GroupListing> listings = new ArrayList<>(groups.size());
        for (ClassicGroup group : groups.values()) {
            listings.add(group.listing());
        }
        return listings;
    }

    /** The group's state machine, for tests and invariant checks in this package. */
    ClassicGroup group(String groupId) {
        return groups.get(groupId);
    }

    Collection<ClassicGroup> all() {
        return groups.values();
    }

    /**
     * Applies one record read back from the groups' log at start. Offsets of a group that has no
     * metadata record create it Empty (a group only committed to).
     */
    public void restore(GroupRecord record, long nowMs) {
        if (record instanceof GroupRecord.OffsetCommitted committed) {
            groups.computeIfAbsent(committed.groupId(), id -> new ClassicGroup(id, config))
                    .restoreOffset(committed.partition(), committed.offset());
        } else if (record instanceof GroupRecord.OffsetRemoved removed) {
            ClassicGroup group = groups.get(removed.groupId());
            if (group != null) {
                group.restoreOffsetRemoved(removed.partition());
            }
        } else if (record instanceof GroupRecord.GroupMetadata metadata) {
            groups.computeIfAbsent(metadata.groupId(), id -> new ClassicGroup(id, config)).restore(metadata, nowMs);
        } else if (record instanceof GroupRecord.GroupRemoved removed) {
            groups.remove(removed.groupId());
        } else if (record instanceof GroupRecord.ConfigsChanged changed) {
            setConfigs(changed.groupId(), changed.overrides());
        } else if (record instanceof GroupRecord.ConsumerGroupState state) {
            groups.computeIfAbsent(state.groupId(), id -> new ClassicGroup(id, config)).restoreConsumer(state);
        } else if (record instanceof GroupRecord.ConsumerMemberState member) {
            groups.computeIfAbsent(member.groupId(), id -> new ClassicGroup(id, config))
                    .restoreConsumerMember(member, nowMs);
        } else if (record instanceof GroupRecord.ConsumerMemberRemoved removed) {
            ClassicGroup group = groups.get(removed.groupId());
            if (group != null) {
                group.restoreConsumerMemberRemoved(removed.memberId());
            }
        } else if (record instanceof GroupRecord.ConsumerGroupRemoved removed) {
            ClassicGroup group = groups.get(removed.groupId());
            if (group != null) {
                group.dropConsumer();
            }
        }
    }

    /**
     * The records that say everything standing now: per group its metadata (if it ever completed a
     * rebalance or has members) and its offsets. What compaction writes.
     */
    public List<GroupRecord> snapshot() {
        List<GroupRecord> records = new ArrayList<>();
        for (ClassicGroup group : groups.values()) {
            List<GroupRecord> consumer = group.consumerRecords();
            if (!consumer.isEmpty()) {
                records.addAll(consumer);
            } else if (group.generationId() > 0 || group.hasMembers()) {
                records.add(group.metadataRecord());
            }
            for (Map.Entry<PartitionRef, CommittedOffset> offset : group.offsets().entrySet()) {
                records.add(new GroupRecord.OffsetCommitted(group.groupId(), offset.getKey(), offset.getValue()));
            }
        }
        for (Map.Entry<String, Map<String, String>> overrides : configs.entrySet()) {
            records.add(new GroupRecord.ConfigsChanged(overrides.getKey(), overrides.getValue()));
        }
        return records;
    }
}
