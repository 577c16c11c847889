package dev.ferry.kafka.txn;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.group.GroupErrors;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.txn.TransactionCoordinator;
import dev.ferry.txn.TransactionResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * TxnOffsetCommit: offsets held by the producer's transaction (after AddOffsetsToTxn for the group),
 * committed to the group when the transaction commits and dropped when it aborts. Until then
 * OffsetFetch does not return them, and answers UNSTABLE_OFFSET_COMMIT when asked with
 * {@code require_stable}. The consumer's group metadata (v3+: generation, member id, instance id)
 * is checked against the group first, as Kafka does since KIP-447: a producer whose consumer was
 * replaced in the group (a zombie of a crashed or paused process) gets ILLEGAL_GENERATION,
 * UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID (a consumer-protocol member at another epoch gets
 * ILLEGAL_GENERATION too, as from Kafka) and its offsets are not held, so its transaction cannot commit them. Then the producer epoch
 * fences a zombie of the same transactional id. The check and the hold are two steps on two
 * coordinator threads: a generation that ends between them is not seen, where Kafka checks and
 * writes in one step of its group coordinator.
 */
public final class TxnOffsetCommitHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final GroupCoordinator groups;
    private final ToIntFunction<String> partitionCounts;
    private final KafkaAcls acls;

    /**
     * @param partitionCounts a topic's partition count, 0 when it does not exist: as Kafka, an offset
     *     for a partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION and is not held
     */
    public TxnOffsetCommitHandler(TransactionCoordinator coordinator, GroupCoordinator groups,
                                  ToIntFunction<String> partitionCounts) {
        this(coordinator, groups, partitionCounts, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: WRITE on the transactional id, READ on the group and on each topic. */
    public TxnOffsetCommitHandler(TransactionCoordinator coordinator, GroupCoordinator groups,
                                  ToIntFunction<String> partitionCounts, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.groups = groups;
        this.partitionCounts = partitionCounts;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.TXN_OFFSET_COMMIT;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 5;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        TxnOffsetCommitRequestData request = (TxnOffsetCommitRequestData) message;
        if (!acls.allowed(context, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId())) {
            return CompletableFuture.completedFuture(response(request, Map.of(), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
        }
        if (!acls.allowed(context, Operation.READ, ResourceType.GROUP, request.groupId())) {
            return CompletableFuture.completedFuture(response(request, Map.of(), Errors.GROUP_AUTHORIZATION_FAILED));
        }
        List<OffsetToCommit> offsets = new ArrayList<>();
        Map<PartitionRef, Errors> refused = new HashMap<>();
        for (TxnOffsetCommitRequestTopic topic : request.topics()) {
            int partitionCount = partitionCounts.applyAsInt(topic.name());
            boolean readable = acls.allowed(context, Operation.READ, ResourceType.TOPIC, topic.name());
            for (TxnOffsetCommitRequestPartition partition : topic.partitions()) {
                if (!readable) {
                    refused.put(new PartitionRef(topic.name(), partition.partitionIndex()), Errors.TOPIC_AUTHORIZATION_FAILED);
                    continue;
                }
                if (partition.partitionIndex() < 0 || partition.partitionIndex() >= partitionCount) {
                    refused.put(new PartitionRef(topic.name(), partition.partitionIndex()), Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    continue;
                }
                offsets.add(new OffsetToCommit(new PartitionRef(topic.name(), partition.partitionIndex()),
                        partition.committedOffset(), partition.committedLeaderEpoch(), partition.committedMetadata()));
            }
        }
        if (offsets.isEmpty()) {
            return CompletableFuture.completedFuture(response(request, refused, Errors.NONE));
        }
        return groups.transactionalCommitError(request.groupId(), request.generationId(), request.memberId(),
                request.groupInstanceId()).thenCompose(groupError -> {
                    if (groupError != null) {
                        return CompletableFuture.completedFuture(response(request, refused, GroupErrors.toKafka(groupError)));
                    }
                    return coordinator.commitOffsets(request.transactionalId(), request.producerId(),
                            request.producerEpoch(), request.groupId(), offsets).handle((result, failure) ->
                            response(request, refused, transactionError(result, failure, context.apiVersion())));
                });
    }

    /**
     * The coordinator's answer as Kafka 4.3.1 gives it here: another epoch is INVALID_PRODUCER_EPOCH
     * at every version (never PRODUCER_FENCED), a group the transaction was not given
     * INVALID_TXN_STATE, TRANSACTION_ABORTABLE from v4 (v5, where Kafka's transaction version 2 adds
     * the group itself, is answered as v4: Ferry serves version 1).
     */
    private static Errors transactionError(TransactionResult result, Throwable failure, short version) {
        Errors error = TransactionErrors.of(result, failure, version, Integer.MAX_VALUE);
        return error == Errors.INVALID_TXN_STATE && version >= 4 ? Errors.TRANSACTION_ABORTABLE : error;
    }

    /** Every partition answered {@code error} but those refused on their own (unknown, or their topic unreadable). */
    private static ApiMessage response(TxnOffsetCommitRequestData request, Map<PartitionRef, Errors> refused, Errors error) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        for (TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseTopic answer = new TxnOffsetCommitResponseTopic().setName(topic.name());
            for (TxnOffsetCommitRequestPartition partition : topic.partitions()) {
                answer.partitions().add(new TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(partition.partitionIndex())
                        .setErrorCode(refused.getOrDefault(new PartitionRef(topic.name(), partition.partitionIndex()),
                                error).code()));
            }
            response.topics().add(answer);
        }
        return response;
    }
}
