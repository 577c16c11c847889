package dev.ferry.group;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.coordinator.CoordinatorThread;
import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.LeavingMember;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupResult.CommitResult;
import dev.ferry.group.GroupResult.DeleteGroupResult;
import dev.ferry.group.GroupResult.DeleteOffsetsResult;
import dev.ferry.group.GroupResult.HeartbeatResult;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.LeaveResult;
import dev.ferry.group.GroupResult.PartitionOutcome;
import dev.ferry.group.GroupResult.SyncResult;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.LogCleaner;
import dev.ferry.log.LogFlusher;
import dev.ferry.text.LogSafe;

/**
 * The broker's group coordinator: owns {@link Groups} on one thread ({@code ferry-groups}), turns
 * each request into a {@link GroupCommand} stamped with a request id and the time, applies it, and
 * does what the {@link GroupOutcome} says: writes its records to the {@link GroupLog} and, once
 * they are durable, completes the futures of the requests it answers (a JoinGroup may be answered
 * by another member's join, or by a timer). Timers are {@link GroupCommand.ExpireTimers} commands
 * scheduled on the same thread for each group's next deadline.
 *
 * <p>Every method may be called from any thread and returns at once; futures complete on the
 * coordinator's thread and what is chained to them must not block.
 *
 * <p>Design note: replies wait for the records of the command that produced them, not for
 * every earlier write, so a heartbeat is never held behind another group's offset commit; the
 * records themselves go to the log in command order.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final Groups groups;
    private final GroupLog log;
    private final LongSupplier clockMs;
    private final CoordinatorThread thread = new CoordinatorThread("ferry-groups", "Group coordinator",
            () -> new IllegalStateException("the group coordinator is closed"));
    // Owner thread only.
    private long nextRequestId = 1;
    private final Map<Long, CompletableFuture<GroupResult>> waiting = new HashMap<>();
    private final Map<String, ScheduledTimer> timers = new HashMap<>();

    private record ScheduledTimer(long deadlineMs, ScheduledFuture<?> future) {
    }

    private GroupCoordinator(Groups groups, GroupLog log, LongSupplier clockMs) {
        this.groups = groups;
        this.log = log;
        this.clockMs = clockMs;
        thread.scheduleWithFixedDelay(this::expireOffsets, groups.config().offsetsRetentionCheckIntervalMs());
    }

    /** Kafka's periodic offsets clean-up ({@link GroupCommand.ExpireOffsets}), on the owner thread. */
    private void expireOffsets() {
        if (thread.isClosed()) {
            return;
        }
        try {
            GroupOutcome outcome = apply(new GroupCommand.ExpireOffsets(clockMs.getAsLong()));
            long offsets = outcome.records().stream().filter(GroupRecord.OffsetRemoved.class::isInstance).count();
            long removed = outcome.records().stream().filter(GroupRecord.GroupRemoved.class::isInstance).count();
            if (offsets > 0 || removed > 0) {
                LOG.info("Groups: {} committed offsets older than offsets.retention.minutes expired, {} empty groups "
                        + "removed", offsets, removed);
            }
        } catch (RuntimeException | AssertionError e) {
            LOG.error("Groups: the offsets clean-up failed: {}", e.toString(), e);
        }
    }

    /** A coordinator that keeps nothing on disk (a broker without a data directory, tests). */
    public static GroupCoordinator inMemory(GroupConfig config, LongSupplier clockMs) {
        return new GroupCoordinator(new Groups(config), null, clockMs);
    }

    /**
     * Opens the groups' log in {@code directory}, restores every group from it (members of a
     * restored generation count as alive from now, and time out as usual if their clients do not
     * come back), compacts the log and starts the coordinator.
     */
    public static GroupCoordinator open(Path directory, GroupConfig config, LogFlusher flusher, FileHandleCache files,
                                        LongSupplier clockMs) {
        GroupLog log = GroupLog.open(directory, flusher, files);
        try {
            Groups groups = new Groups(config);
            long nowMs = clockMs.getAsLong();
            for (GroupRecord record : log.recovered()) {
                groups.restore(record, nowMs);
            }
            log.compact(groups.snapshot());
            LOG.info("Groups: {} records replayed, {} groups restored", log.recovered().size(), groups.list().size());
            GroupCoordinator coordinator = new GroupCoordinator(groups, log, clockMs);
            coordinator.thread.submit(() -> {
                for (GroupListing listing : groups.list()) {
                    coordinator.rescheduleTimer(listing.groupId());
                }
            });
            return coordinator;
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    public GroupConfig config() {
        return groups.config();
    }

    // ---------------------------------------------------------------- requests

    /**
     * JoinGroup. A member without an id gets {@code clientId + "-" + UUID}, as in Kafka.
     */
    public CompletableFuture<JoinResult> join(String groupId, String memberId, String groupInstanceId, String clientId,
                                              String clientHost, int sessionTimeoutMs, int rebalanceTimeoutMs,
                                              String protocolType, List<Protocol> protocols,
                                              boolean requireKnownMemberId) {
        return join(groupId, memberId, groupInstanceId, clientId, clientHost, sessionTimeoutMs, rebalanceTimeoutMs,
                protocolType, protocols, requireKnownMemberId, new TreeMap<>());
    }

    /** JoinGroup with every topic's partition count, which a classic member of a consumer-protocol group needs. */
    public CompletableFuture<JoinResult> join(String groupId, String memberId, String groupInstanceId, String clientId,
                                              String clientHost, int sessionTimeoutMs, int rebalanceTimeoutMs,
                                              String protocolType, List<Protocol> protocols,
                                              boolean requireKnownMemberId,
                                              SortedMap<String, Integer> topicPartitionCounts) {
        String newMemberId = memberId.isEmpty() ? clientId + "-" + UUID.randomUUID() : "";
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.Join(requestId, groupId, memberId, newMemberId,
                groupInstanceId, clientId, clientHost, sessionTimeoutMs, rebalanceTimeoutMs, protocolType, protocols,
                requireKnownMemberId, topicPartitionCounts, nowMs), JoinResult.class);
    }

    public CompletableFuture<SyncResult> sync(String groupId, int generationId, String memberId,
                                              String groupInstanceId, String protocolType, String protocolName,
                                              Map<String, byte[]> assignments) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.Sync(requestId, groupId, generationId, memberId,
                groupInstanceId, protocolType, protocolName, assignments, nowMs), SyncResult.class);
    }

    public CompletableFuture<HeartbeatResult> heartbeat(String groupId, int generationId, String memberId,
                                                        String groupInstanceId) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.Heartbeat(requestId, groupId, generationId,
                memberId, groupInstanceId, nowMs), HeartbeatResult.class);
    }

    /**
     * ConsumerGroupHeartbeat (Kafka's consumer protocol, KIP-848); see {@link GroupCommand.ConsumerHeartbeat}.
     * {@code topicPartitionCounts} is every topic's partition count as the caller sees it now.
     */
    public CompletableFuture<GroupResult.ConsumerHeartbeatResult> consumerHeartbeat(
            String groupId, String memberId, int memberEpoch, String instanceId, String rackId, int rebalanceTimeoutMs,
            List<String> subscribedTopicNames, String subscribedTopicRegex, String serverAssignor,
            List<PartitionRef> ownedPartitions, String clientId, String clientHost,
            java.util.SortedMap<String, Integer> topicPartitionCounts) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.ConsumerHeartbeat(requestId, groupId, memberId,
                memberEpoch, instanceId, rackId, rebalanceTimeoutMs, subscribedTopicNames, subscribedTopicRegex,
                serverAssignor, ownedPartitions, clientId, clientHost, topicPartitionCounts, nowMs),
                GroupResult.ConsumerHeartbeatResult.class);
    }

    /** ConsumerGroupDescribe: the group if it is of the consumer protocol, else GROUP_ID_NOT_FOUND and why. */
    public CompletableFuture<Groups.ConsumerGroupLookup> describeConsumerGroup(String groupId) {
        return thread.query(() -> groups.describeConsumerGroup(groupId));
    }

    public CompletableFuture<LeaveResult> leave(String groupId, List<LeavingMember> members) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.Leave(requestId, groupId, members, nowMs),
                LeaveResult.class);
    }

    public CompletableFuture<CommitResult> commitOffsets(String groupId, int generationId, String memberId,
                                                         String groupInstanceId, List<OffsetToCommit> offsets) {
        return commitOffsets(groupId, generationId, memberId, groupInstanceId, offsets, true);
    }

    /** @param memberEpochs whether the request's version carries member epochs (Kafka's OffsetCommit v9+) */
    public CompletableFuture<CommitResult> commitOffsets(String groupId, int generationId, String memberId,
                                                         String groupInstanceId, List<OffsetToCommit> offsets,
                                                         boolean memberEpochs) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.CommitOffsets(requestId, groupId, generationId,
                memberId, groupInstanceId, offsets, memberEpochs, nowMs), CommitResult.class);
    }

    /** The offsets of a committed transaction: taken whatever the group's state (see {@link GroupCommand.CommitTransactionalOffsets}). */
    public CompletableFuture<CommitResult> commitTransactionalOffsets(String groupId, List<OffsetToCommit> offsets) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.CommitTransactionalOffsets(requestId, groupId,
                offsets, nowMs), CommitResult.class);
    }

    public CompletableFuture<DeleteOffsetsResult> deleteOffsets(String groupId, List<PartitionRef> partitions) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.DeleteOffsets(requestId, groupId, partitions,
                nowMs), DeleteOffsetsResult.class);
    }

    public CompletableFuture<DeleteGroupResult> deleteGroup(String groupId) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.DeleteGroup(requestId, groupId, nowMs),
                DeleteGroupResult.class);
    }

    /**
     * Changes a group's configs (see {@link GroupCommand.AlterConfigs}): answered once the new set is
     * durable, with INVALID_CONFIG and Kafka's reason when the set it would leave breaks a rule.
     */
    public CompletableFuture<GroupResult.AlterConfigsResult> alterConfigs(String groupId, Map<String, String> changes,
                                                                        boolean validateOnly) {
        return submit(groupId, (requestId, nowMs) -> new GroupCommand.AlterConfigs(requestId, groupId, changes,
                validateOnly, nowMs), GroupResult.AlterConfigsResult.class);
    }

    /** The names of the groups that have config overrides (ListConfigResources), sorted. */
    public CompletableFuture<List<String>> groupsWithConfigs() {
        return thread.query(groups::groupsWithConfigs);
    }

    /** The group's config overrides ({@link DynamicGroupConfig}); empty when it has none. */
    public CompletableFuture<Map<String, String>> configs(String groupId) {
        return thread.query(() -> groups.configs(groupId));
    }

    /** Committed offsets of {@code partitions} (all when null); partitions without one are absent. */
    public CompletableFuture<Map<PartitionRef, CommittedOffset>> fetchOffsets(String groupId,
                                                                             Collection<PartitionRef> partitions) {
        List<PartitionRef> copy = partitions == null ? null : new ArrayList<>(partitions);
        return thread.query(() -> groups.fetchOffsets(groupId, copy));
    }

    /** OffsetFetch v9's check of the member it names (see {@link Groups#offsetFetchError}); null when it passes. */
    public CompletableFuture<ErrorCode> offsetFetchError(String groupId, String memberId, int memberEpoch) {
        return thread.query(() -> groups.offsetFetchError(groupId, memberId, memberEpoch));
    }

    /** TxnOffsetCommit's check of the group metadata it carries (see {@link Groups#transactionalCommitError}); null when it passes. */
    public CompletableFuture<ErrorCode> transactionalCommitError(String groupId, int generationId, String memberId,
                                                                 String groupInstanceId) {
        return thread.query(() -> groups.transactionalCommitError(groupId, generationId, memberId, groupInstanceId));
    }

    public CompletableFuture<Optional<GroupDescription>> describe(String groupId) {
        return thread.query(() -> groups.describe(groupId));
    }

    public CompletableFuture<List<GroupListing>> list() {
        return thread.query(groups::list);
    }

    // ---------------------------------------------------------------- the owner thread

    @FunctionalInterface
    private interface CommandFactory {
        GroupCommand create(long requestId, long nowMs);
    }

    private <R extends GroupResult> CompletableFuture<R> submit(String groupId, CommandFactory factory, Class<R> type) {
        CompletableFuture<GroupResult> future = new CompletableFuture<>();
        thread.execute(future, () -> {
            long requestId = nextRequestId++;
            waiting.put(requestId, future);
            GroupCommand command = factory.create(requestId, clockMs.getAsLong());
            apply(command);
            rescheduleTimer(groupId);
        });
        return future.thenApply(type::cast);
    }

    private GroupOutcome apply(GroupCommand command) {
        GroupOutcome outcome = groups.apply(command);
        if (outcome.records().isEmpty() || log == null) {
            complete(outcome.replies(), null);
            return outcome;
        }
        CompletableFuture<Void> written;
        try {
            written = log.append(outcome.records());
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        written.whenComplete((ignored, failure) -> {
            if (!thread.submit(() -> complete(outcome.replies(), failure))) {
                complete(outcome.replies(), failure);
            }
        });
        return outcome;
    }

    private void complete(List<GroupOutcome.Reply> replies, Throwable writeFailure) {
        if (writeFailure != null) {
            LOG.error("Groups log: a write failed, {} answers report COORDINATOR_NOT_AVAILABLE: {}", replies.size(),
                    writeFailure.toString());
        }
        for (GroupOutcome.Reply reply : replies) {
            CompletableFuture<GroupResult> future = waiting.remove(reply.requestId());
            if (future == null) {
                continue;
            }
            future.complete(writeFailure == null ? reply.result() : failedResult(reply.result()));
        }
    }

    /** What a client is told when the records its answer rests on could not be made durable. */
    private static GroupResult failedResult(GroupResult result) {
        ErrorCode error = ErrorCode.COORDINATOR_NOT_AVAILABLE;
        if (result instanceof JoinResult join) {
            return JoinResult.failed(error, join.memberId());
        }
        if (result instanceof SyncResult) {
            return SyncResult.failed(error);
        }
        if (result instanceof CommitResult commit) {
            List<PartitionOutcome> outcomes = new ArrayList<>();
            for (PartitionOutcome outcome : commit.partitions()) {
                outcomes.add(new PartitionOutcome(outcome.partition(), error));
            }
            return new CommitResult(outcomes);
        }
        if (result instanceof DeleteOffsetsResult) {
            return new DeleteOffsetsResult(error, List.of());
        }
        if (result instanceof DeleteGroupResult) {
            return new DeleteGroupResult(error);
        }
        if (result instanceof LeaveResult) {
            return new LeaveResult(error, List.of());
        }
        if (result instanceof GroupResult.ConsumerHeartbeatResult heartbeat) {
            return GroupResult.ConsumerHeartbeatResult.failed(error, null, heartbeat.memberId(), heartbeat.memberEpoch());
        }
        if (result instanceof GroupResult.AlterConfigsResult) {
            return new GroupResult.AlterConfigsResult(error, "the group's configs could not be made durable");
        }
        return new HeartbeatResult(error);
    }

    private void rescheduleTimer(String groupId) {
        long deadlineMs = groups.nextDeadlineMs(groupId);
        ScheduledTimer current = timers.get(groupId);
        if (current != null && current.deadlineMs() == deadlineMs) {
            return;
        }
        if (current != null) {
            current.future().cancel(false);
            timers.remove(groupId);
        }
        if (deadlineMs == ClassicGroup.NO_DEADLINE || thread.isClosed()) {
            return;
        }
        long delayMs = Math.max(0, deadlineMs - clockMs.getAsLong());
        ScheduledFuture<?> future = thread.schedule(() -> fireTimer(groupId, deadlineMs), delayMs);
        if (future != null) {
            timers.put(groupId, new ScheduledTimer(deadlineMs, future));
        }
    }

    private void fireTimer(String groupId, long deadlineMs) {
        ScheduledTimer current = timers.get(groupId);
        if (thread.isClosed() || current == null || current.deadlineMs() != deadlineMs) {
            return;
        }
        timers.remove(groupId);
        long nowMs = Math.max(clockMs.getAsLong(), deadlineMs);
        try {
            GroupState before = stateOf(groupId);
            apply(new GroupCommand.ExpireTimers(groupId, nowMs));
            GroupState after = stateOf(groupId);
            if (before != after) {
                LOG.info("Group {}: {} -> {} (timer)", LogSafe.text(groupId), before, after);
            }
        } catch (RuntimeException | AssertionError e) {
            LOG.error("Group {}: a timer failed: {}", LogSafe.text(groupId), e.toString(), e);
        }
        rescheduleTimer(groupId);
    }

    private GroupState stateOf(String groupId) {
        ClassicGroup group = groups.group(groupId);
        return group == null ? null : group.state();
    }

    /** The groups' log for the broker's log cleaner, which compacts it as Kafka compacts its offsets topic. */
    public LogCleaner.Target cleanerTarget() {
        return log.cleanerTarget();
    }

    /** Stops the thread (requests still waiting fail) and closes the log, after what was written is durable. */
    @Override
    public void close() {
        boolean closing = thread.close(() -> {
            timers.values().forEach(timer -> timer.future().cancel(false));
            timers.clear();
        });
        if (!closing) {
            return;
        }
        if (log != null) {
            log.close();
        }
        for (CompletableFuture<GroupResult> future : waiting.values()) {
            future.completeExceptionally(new IllegalStateException("the group coordinator closed"));
        }
        waiting.clear();
    }
}
