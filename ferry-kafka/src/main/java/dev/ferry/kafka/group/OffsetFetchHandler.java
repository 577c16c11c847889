package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.CommittedOffset;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.txn.TransactionCoordinator;

/**
 * OffsetFetch: v1-7 for one group, v8+ for a batch of groups; no topics means every partition the
 * group committed. A partition without a committed offset gets offset -1 and no error, as in Kafka.
 * Served up to v9 (v10 names topics by id). With {@code require_stable} (v7+), a partition whose
 * offset a transaction holds (TxnOffsetCommit, not yet committed or aborted) gets
 * UNSTABLE_OFFSET_COMMIT, which the consumer retries, as Kafka answers.
 */
public final class OffsetFetchHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final KafkaAcls acls;
    private final TransactionCoordinator transactions;

    public OffsetFetchHandler(GroupCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: needs DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED. */
    public OffsetFetchHandler(GroupCoordinator coordinator, KafkaAcls acls) {
        this(coordinator, acls, null);
    }

    /** @param transactions the transaction coordinator whose held offsets {@code require_stable} waits for; null if none */
    public OffsetFetchHandler(GroupCoordinator coordinator, KafkaAcls acls, TransactionCoordinator transactions) {
        this.coordinator = coordinator;
        this.acls = acls;
        this.transactions = transactions;
    }

    /** The group's partitions whose offsets a transaction holds, when the request asks for stable offsets. */
    private CompletableFuture<Set<PartitionRef>> unstable(String groupId, boolean requireStable) {
        if (!requireStable || transactions == null) {
            return CompletableFuture.completedFuture(Set.of());
        }
        return transactions.pendingOffsets(groupId);
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FETCH;
    }

    @Override
    public short oldestVersion() {
        return 1;
    }

    @Override
    public short latestVersion() {
        return 9;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        OffsetFetchRequestData request = (OffsetFetchRequestData) message;
        if (context.apiVersion() < 8) {
            if (!acls.allowed(context, Operation.DESCRIBE, ResourceType.GROUP, request.groupId())) {
                return CompletableFuture.completedFuture(new OffsetFetchResponseData()
                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
            }
            List<PartitionRef> partitions = null;
            if (request.topics() != null) {
                partitions = new ArrayList<>();
                for (OffsetFetchRequestTopic topic : request.topics()) {
                    for (int index : topic.partitionIndexes()) {
                        partitions.add(new PartitionRef(topic.name(), index));
                    }
                }
            }
            List<PartitionRef> asked = partitions;
            return coordinator.fetchOffsets(request.groupId(), asked).thenCombine(unstable(request.groupId(),
                    request.requireStable()), (found, pending) -> {
                OffsetFetchResponseData response = new OffsetFetchResponseData();
                for (Map.Entry<String, List<OffsetFetchResponsePartition>> topic
                        : byTopic(asked, found, pending, OffsetFetchHandler::singleGroupPartition).entrySet()) {
                    response.topics().add(new OffsetFetchResponseTopic().setName(topic.getKey())
                            .setPartitions(topic.getValue()));
                }
                return response;
            });
        }
        List<CompletableFuture<OffsetFetchResponseGroup>> groups = new ArrayList<>();
        for (OffsetFetchRequestGroup group : request.groups()) {
            if (!acls.allowed(context, Operation.DESCRIBE, ResourceType.GROUP, group.groupId())) {
                groups.add(CompletableFuture.completedFuture(new OffsetFetchResponseGroup().setGroupId(group.groupId())
                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())));
                continue;
            }
            List<PartitionRef> partitions = null;
            if (group.topics() != null) {
                partitions = new ArrayList<>();
                for (OffsetFetchRequestTopics topic : group.topics()) {
                    for (int index : topic.partitionIndexes()) {
                        partitions.add(new PartitionRef(topic.name(), index));
                    }
                }
            }
            List<PartitionRef> asked = partitions;
            if (group.memberId() != null || group.memberEpoch() >= 0) {
                // v9 from a consumer-protocol member: it must be one, at its current epoch.
                groups.add(coordinator.offsetFetchError(group.groupId(), group.memberId(), group.memberEpoch())
                        .thenCompose(error -> error == null ? fetch(group, asked, request.requireStable())
                                : CompletableFuture.completedFuture(new OffsetFetchResponseGroup()
                                        .setGroupId(group.groupId()).setErrorCode(GroupErrors.code(error)))));
                continue;
            }
            groups.add(fetch(group, asked, request.requireStable()));
        }
        return CompletableFuture.allOf(groups.toArray(CompletableFuture[]::new)).thenApply(done -> {
            OffsetFetchResponseData response = new OffsetFetchResponseData();
            for (CompletableFuture<OffsetFetchResponseGroup> group : groups) {
                response.groups().add(group.join());
            }
            return response;
        });
    }

    private CompletableFuture<OffsetFetchResponseGroup> fetch(OffsetFetchRequestGroup group, List<PartitionRef> asked,
                                                              boolean requireStable) {
        return coordinator.fetchOffsets(group.groupId(), asked).thenCombine(unstable(group.groupId(), requireStable),
                (found, pending) -> {
                    OffsetFetchResponseGroup answer = new OffsetFetchResponseGroup().setGroupId(group.groupId());
                    for (Map.Entry<String, List<OffsetFetchResponsePartitions>> topic
                            : byTopic(asked, found, pending, OffsetFetchHandler::batchPartition).entrySet()) {
                        answer.topics().add(new OffsetFetchResponseTopics().setName(topic.getKey())
                                .setPartitions(topic.getValue()));
                    }
                    return answer;
                });
    }

    @FunctionalInterface
    private interface PartitionAnswer<P> {
        P of(int partition, CommittedOffset offset, boolean unstable);
    }

    /** The answer per topic: every partition asked for (or every one committed, when none were named). */
    private static <P> Map<String, List<P>> byTopic(List<PartitionRef> asked, Map<PartitionRef, CommittedOffset> found,
                                                    Set<PartitionRef> unstable, PartitionAnswer<P> answer) {
        Map<String, List<P>> topics = new LinkedHashMap<>();
        Set<PartitionRef> all = new LinkedHashSet<>(asked != null ? asked : found.keySet());
        if (asked == null) {
            all.addAll(unstable);
        }
        for (PartitionRef partition : all) {
            topics.computeIfAbsent(partition.topic(), name -> new ArrayList<>())
                    .add(answer.of(partition.partition(), found.get(partition), unstable.contains(partition)));
        }
        return topics;
    }

    private static OffsetFetchResponsePartition singleGroupPartition(int partition, CommittedOffset offset,
                                                                     boolean unstable) {
        if (unstable) {
            return new OffsetFetchResponsePartition().setPartitionIndex(partition).setCommittedOffset(-1)
                    .setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
        }
        return new OffsetFetchResponsePartition().setPartitionIndex(partition)
                .setCommittedOffset(offset == null ? -1 : offset.offset())
                .setCommittedLeaderEpoch(offset == null ? -1 : offset.leaderEpoch())
                .setMetadata(offset == null ? "" : offset.metadata());
    }

    private static OffsetFetchResponsePartitions batchPartition(int partition, CommittedOffset offset,
                                                                boolean unstable) {
        if (unstable) {
            return new OffsetFetchResponsePartitions().setPartitionIndex(partition).setCommittedOffset(-1)
                    .setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
        }
        return new OffsetFetchResponsePartitions().setPartitionIndex(partition)
                .setCommittedOffset(offset == null ? -1 : offset.offset())
                .setCommittedLeaderEpoch(offset == null ? -1 : offset.leaderEpoch())
                .setMetadata(offset == null ? "" : offset.metadata());
    }
}
