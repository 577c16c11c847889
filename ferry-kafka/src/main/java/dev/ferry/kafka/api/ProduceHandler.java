package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.AckLevel;
import dev.ferry.stream.AppendResult;
import dev.ferry.stream.Partition;
import dev.ferry.stream.RecordTimestampsRefused;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
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
 * transaction on them (the transaction coordinator's marker closes it).
 *
 * <p>No per-record work here: one append per partition, one future per append.
 */
public final class ProduceHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public ProduceHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: a topic the user may not WRITE gets TOPIC_AUTHORIZATION_FAILED on each of its partitions. */
    public ProduceHandler(TopicRegistry topics, KafkaAcls acls) {
        this.topics = topics;
        this.acls = acls;
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
                    append = partition.append(batch, context.receivedAtMs(), ackLevel);
                } catch (RuntimeException e) {
                    append = CompletableFuture.failedFuture(e);
                }
                appends.add(append.handle((result, error) -> {
                    if (error != null) {
                        partitionResponse.setErrorCode(KafkaErrors.of(error).code())
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
}
