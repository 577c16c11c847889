package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.error.ErrorCode;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.AckLevel;
import dev.ferry.stream.AppendResult;
import dev.ferry.stream.Partition;
import dev.ferry.stream.RecordTimestampsRefused;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import dev.ferry.stream.TransactionVerifier;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Produce: each partition's batch goes to {@link Partition#append} as the producer sent it (the
 * partition checks its CRC, size and producer sequence, rebuilds it in the topic's
 * {@code compression.type} if that names another codec, assigns offsets and stamps the leader
 * epoch in place). An acks=all response waits for every append's fsync; acks=1 for the writes, as
 * Kafka's leader answers once the batch is in its log (in the page cache: it survives the broker
 * being killed, not a power cut before the group commit's fsync, which follows at once); consumers
 * see either only once fsynced. acks=0 gets no response at all (the request still holds its
 * connection's place in line until its batches are written, so its buffer outlives the write).
 *
 * <p>Transactional batches are stored like any other; the partition opens its producer's
 * transaction on them (the transaction coordinator's marker closes it). The batch that would open
 * one is first verified with the transaction coordinator (KIP-890, as Kafka 4.x): the request must
 * name its transactional id (else every partition gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as
 * Kafka answers), and the coordinator must have the partition in that id's ongoing transaction
 * under the batch's producer id and epoch, else INVALID_PRODUCER_ID_MAPPING, INVALID_PRODUCER_EPOCH
 * or INVALID_TXN_STATE (TRANSACTION_ABORTABLE from v11, which clients of transaction version 1
 * abort on). Without that, a client could leave a transaction open that no marker closes and hold
 * every read_committed consumer of the partition for good. Ferry serves transaction version 1
 * only, so v12 and v13 are verified as v11 (Kafka adds the partition to the transaction there).
 *
 * <p>No per-record work here: one append per partition, one future per append.
 */
public final class ProduceHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final KafkaAcls acls;
    private final TransactionCheck transactions;

    /**
     * Asks the transaction coordinator whether a partition is in a transactional id's ongoing
     * transaction ({@code TransactionCoordinator::verifyPartition}): null when it is, else the refusal.
     */
    @FunctionalInterface
    public interface TransactionCheck {
        CompletionStage<ErrorCode> verify(String transactionalId, long producerId, short epoch, PartitionRef partition);
    }

    public ProduceHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL, null);
    }

    /**
     * With ACLs: a topic the user may not WRITE gets TOPIC_AUTHORIZATION_FAILED on each of its
     * partitions; and with the transaction coordinator that verifies transactional batches (null:
     * there is no transaction, and every transactional batch is refused with INVALID_TXN_STATE).
     */
    public ProduceHandler(TopicRegistry topics, KafkaAcls acls, TransactionCheck transactions) {
        this.topics = topics;
        this.acls = acls;
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.PRODUCE;
    }

    @Override
    public short oldestVersion() {
        return 3;
    }

    @Override
    public short latestVersion() {
        return 13;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        ProduceRequestData data = (ProduceRequestData) request;
        short acks = data.acks();
        boolean validAcks = acks == -1 || acks == 0 || acks == 1;
        AckLevel ackLevel = acks == -1 ? AckLevel.DURABLE : AckLevel.WRITTEN;
        ProduceResponseData response = new ProduceResponseData();
        if (data.transactionalId() == null && hasTransactionalBatch(data)
                || data.transactionalId() != null
                && !acls.allowed(context, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, data.transactionalId())) {
            return CompletableFuture.completedFuture(acks == 0 ? null
                    : refuseAll(data, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
        }
        List<CompletableFuture<?>> appends = new ArrayList<>();
        for (TopicProduceData topicData : data.topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse().setName(topicData.name())
                    .setTopicId(topicData.topicId());
            response.responses().add(topicResponse);
            Optional<Topic> topic = TopicIds.find(topics, topicData.name(), topicData.topicId());
            // Once per topic, not per record; checked before existence, so a refused user learns nothing of it.
            boolean authorized = acls.allowed(context, Operation.WRITE, ResourceType.TOPIC,
                    topic.map(Topic::name).orElse(topicData.name()));
            for (PartitionProduceData partitionData : topicData.partitionData()) {
                PartitionProduceResponse partitionResponse = new PartitionProduceResponse()
                        .setIndex(partitionData.index()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                topicResponse.partitionResponses().add(partitionResponse);
                if (!validAcks) {
                    partitionResponse.setErrorCode(Errors.INVALID_REQUIRED_ACKS.code());
                    continue;
                }
                if (!authorized) {
                    partitionResponse.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                if (Topic.isInternalName(topic.map(Topic::name).orElse(topicData.name()))) {
                    // Kafka's own bookkeeping topics take no client records, whether or not they exist here.
                    partitionResponse.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
                    continue;
                }
                if (topic.isEmpty() || partitionData.index() < 0 || partitionData.index() >= topic.get().partitionCount()) {
                    Errors error = topic.isEmpty() && TopicIds.byId(topicData.topicId()) ? Errors.UNKNOWN_TOPIC_ID
                            : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    partitionResponse.setErrorCode(error.code());
                    continue;
                }
                if (!(partitionData.records() instanceof MemoryRecords records) || records.sizeInBytes() == 0) {
                    partitionResponse.setErrorCode(Errors.INVALID_RECORD.code()); // no text, as Kafka
                    continue;
                }
                Partition partition = topic.get().partition(partitionData.index());
                ByteBuffer batch = records.buffer();
                CompletableFuture<AppendResult> append;
                try {
                    append = partition.append(batch, context.receivedAtMs(), ackLevel,
                            verifier(data.transactionalId(), partition));
                } catch (RuntimeException e) {
                    append = CompletableFuture.failedFuture(e);
                }
                appends.add(append.handle((result, error) -> {
                    if (error != null) {
                        Errors kafkaError = KafkaErrors.of(error);
                        if (kafkaError == Errors.INVALID_TXN_STATE && context.apiVersion() >= 11) {
                            kafkaError = Errors.TRANSACTION_ABORTABLE; // as Kafka answers a client that knows it
                        }
                        partitionResponse.setErrorCode(kafkaError.code())
                                .setErrorMessage(KafkaErrors.message(error));
                        if (KafkaErrors.unwrap(error) instanceof RecordTimestampsRefused refused) {
                            // As Kafka: which records were at fault (v8+), and the log start of the partition.
                            partitionResponse.setLogStartOffset(partition.logStartOffset());
                            if (context.apiVersion() >= 8) {
                                for (RecordTimestampsRefused.RefusedRecord record : refused.records()) {
                                    partitionResponse.recordErrors().add(new BatchIndexAndErrorMessage()
                                            .setBatchIndex(record.batchIndex()).setBatchIndexErrorMessage(record.message()));
                                }
                            }
                        }
                    } else {
                        partitionResponse.setBaseOffset(result.baseOffset()).setLogAppendTimeMs(result.logAppendTimeMs())
                                .setLogStartOffset(result.logStartOffset());
                    }
                    return null;
                }));
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new));
        // The partition responses are written by the append callbacks; allOf orders them before this.
        return all.thenApply(ignored -> acks == 0 ? null : response);
    }

    /** What verifies {@code partition}'s transactional batches of {@code transactionalId}; null when the request names none. */
    private TransactionVerifier verifier(String transactionalId, Partition partition) {
        if (transactionalId == null) {
            return null;
        }
        if (transactions == null) {
            return (producerId, epoch) -> CompletableFuture.completedFuture(ErrorCode.INVALID_TXN_STATE);
        }
        // Asked only for a batch that would open a transaction here, so the name is made only then.
        return (producerId, epoch) -> transactions.verify(transactionalId, producerId, epoch,
                new PartitionRef(partition.topic(), partition.index()));
    }

    /** Whether any partition's records are a transactional batch (read from the first batch's header). */
    private static boolean hasTransactionalBatch(ProduceRequestData data) {
        for (TopicProduceData topicData : data.topicData()) {
            for (PartitionProduceData partitionData : topicData.partitionData()) {
                if (partitionData.records() instanceof MemoryRecords records
                        && Partition.isTransactionalBatch(records.buffer())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Every partition of the request refused with {@code error}, as Kafka answers a request it refuses whole. */
    private static ProduceResponseData refuseAll(ProduceRequestData data, Errors error) {
        ProduceResponseData response = new ProduceResponseData();
        for (TopicProduceData topicData : data.topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse().setName(topicData.name())
                    .setTopicId(topicData.topicId());
            for (PartitionProduceData partitionData : topicData.partitionData()) {
                topicResponse.partitionResponses().add(new PartitionProduceResponse().setIndex(partitionData.index())
                        .setErrorCode(error.code()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
            }
            response.responses().add(topicResponse);
        }
        return response;
    }
}
