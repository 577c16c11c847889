package dev.ferry.kafka.txn;

import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.txn.TransactionCoordinator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
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
 * {@code require_stable}. The group's generation and member id (v3+) are not checked against the
 * group: the transaction's producer epoch is what fences a zombie here.
 */
public final class TxnOffsetCommitHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public TxnOffsetCommitHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
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
        List<OffsetToCommit> offsets = new ArrayList<>();
        for (TxnOffsetCommitRequestTopic topic : request.topics()) {
            for (TxnOffsetCommitRequestPartition partition : topic.partitions()) {
                offsets.add(new OffsetToCommit(new PartitionRef(topic.name(), partition.partitionIndex()),
                        partition.committedOffset(), partition.committedLeaderEpoch(), partition.committedMetadata()));
            }
        }
        return coordinator.commitOffsets(request.transactionalId(), request.producerId(), request.producerEpoch(),
                request.groupId(), offsets).handle((result, failure) -> {
                    Errors error = TransactionErrors.of(result, failure, context.apiVersion(), 3);
                    TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
                    for (TxnOffsetCommitRequestTopic topic : request.topics()) {
                        TxnOffsetCommitResponseTopic answer = new TxnOffsetCommitResponseTopic().setName(topic.name());
                        for (TxnOffsetCommitRequestPartition partition : topic.partitions()) {
                            answer.partitions().add(new TxnOffsetCommitResponsePartition()
                                    .setPartitionIndex(partition.partitionIndex()).setErrorCode(error.code()));
                        }
                        response.topics().add(answer);
                    }
                    return response;
                });
    }
}
