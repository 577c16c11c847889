package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * How the transaction coordinator refuses requests a well-behaved producer does not send, as raw
 * requests of transaction version 1: unknown ids and producers, fenced epochs, ending what is not
 * ongoing, offsets of a group the transaction was not given. Every expected answer was first seen
 * from Kafka 4.3.1 ({@code -Dferry.it.kafka=HOST:PORT}).
 */
class TransactionRefusalsTest extends RawRequestTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Override
    protected byte keyType() {
        return TRANSACTION_KEY;
    }

    @Test
    void shouldRefuseRequestsOfUnknownIdsProducersAndEpochs() throws Exception {
        assertThat(Errors.forCode(init(key, 900_001).errorCode()))
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        InitProducerIdResponseData first = initialised(key);
        long producerId = first.producerId();
        short epoch = first.producerEpoch();

        assertThat(addPartitions(unique("no-such-id"), producerId, epoch, 0))
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(addPartitions(key, producerId + 1, epoch, 0))
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(addPartitions(key, producerId, (short) (epoch + 1), 0))
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(endTxn(key, producerId, epoch, true)).as("nothing ongoing")
                .isEqualTo(Errors.INVALID_TXN_STATE);

        // An unknown partition is refused and the rest of the request is not attempted.
        AddPartitionsToTxnResponseData mixed = raw.exchange(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 3,
                addPartitionsRequest(key, producerId, epoch, 0, 7), new AddPartitionsToTxnResponseData());
        AddPartitionsToTxnTopicResult results = mixed.resultsByTopicV3AndBelow().iterator().next();
        assertThat(Errors.forCode(results.resultsByPartition().find(7).partitionErrorCode()))
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(Errors.forCode(results.resultsByPartition().find(0).partitionErrorCode()))
                .isEqualTo(Errors.OPERATION_NOT_ATTEMPTED);
        assertThat(endTxn(key, producerId, epoch, false)).as("still nothing ongoing")
                .isEqualTo(Errors.INVALID_TXN_STATE);

        // A second producer with the same transactional id fences the first.
        assertThat(addPartitions(key, producerId, epoch, 0)).isEqualTo(Errors.NONE);
        InitProducerIdResponseData second = initialised(key);
        assertThat(second.producerId()).isEqualTo(producerId);
        assertThat(second.producerEpoch()).isGreaterThan(epoch);
        assertThat(addPartitions(key, producerId, epoch, 1)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(endTxn(key, producerId, epoch, true)).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void shouldEndOnlyAnOngoingTransactionAndTakeARetriedEnd() throws Exception {
        InitProducerIdResponseData producer = initialised(key);
        long producerId = producer.producerId();
        short epoch = producer.producerEpoch();
        String group = unique("txn-refusals-group");

        // Offsets of a group the transaction was not given: from v4 a refusal the producer aborts on.
        assertThat(txnOffsetCommit(group, producerId, epoch, (short) 3)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(txnOffsetCommit(group, producerId, epoch, (short) 4)).isEqualTo(Errors.TRANSACTION_ABORTABLE);
        // Another producer or epoch, at any version.
        for (short version = 0; version <= 4; version++) {
            assertThat(txnOffsetCommit(group, producerId + 1, epoch, version)).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
            assertThat(txnOffsetCommit(group, producerId, (short) (epoch + 1), version))
                    .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        }
        assertThat(addOffsets(group, producerId, (short) (epoch + 1))).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(addOffsets(group, producerId, epoch)).isEqualTo(Errors.NONE);
        assertThat(txnOffsetCommit(group, producerId, epoch, (short) 3)).isEqualTo(Errors.NONE);

        assertThat(endTxn(key, producerId, epoch, true)).isEqualTo(Errors.NONE);
        // The same end again (a retry whose answer was lost) is answered as before, once Kafka wrote its
        // markers (CONCURRENT_TRANSACTIONS until then, which clients retry); the other end is not.
        await().atMost(WAIT).until(() -> endTxn(key, producerId, epoch, true),
                answer -> answer != Errors.CONCURRENT_TRANSACTIONS);
        assertThat(endTxn(key, producerId, epoch, true)).isEqualTo(Errors.NONE);
        assertThat(endTxn(key, producerId, epoch, false)).isEqualTo(Errors.INVALID_TXN_STATE);
    }

    private InitProducerIdResponseData init(String id, int timeoutMs) throws Exception {
        return raw.exchange(ApiKeys.INIT_PRODUCER_ID, (short) 4,
                new InitProducerIdRequestData().setTransactionalId(id).setTransactionTimeoutMs(timeoutMs),
                new InitProducerIdResponseData());
    }

    /** InitProducerId answered without error: while an earlier transaction is aborted, CONCURRENT_TRANSACTIONS is retried. */
    private InitProducerIdResponseData initialised(String id) {
        return await().atMost(WAIT).until(() -> init(id, 60_000), answer -> answer.errorCode() == Errors.NONE.code());
    }

    private AddPartitionsToTxnRequestData addPartitionsRequest(String id, long producerId, short epoch,
                                                              int... partitions) {
        List<Integer> indexes = java.util.Arrays.stream(partitions).boxed().toList();
        return new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(id).setV3AndBelowProducerId(producerId)
                .setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(new AddPartitionsToTxnTopicCollection(
                        List.of(new AddPartitionsToTxnTopic().setName(topic).setPartitions(indexes)).iterator()));
    }

    /** AddPartitionsToTxn v3 of one partition of {@link #topic}; the partition's error. */
    private Errors addPartitions(String id, long producerId, short epoch, int partition) throws Exception {
        AddPartitionsToTxnResponseData answer = raw.exchange(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 3,
                addPartitionsRequest(id, producerId, epoch, partition), new AddPartitionsToTxnResponseData());
        AddPartitionsToTxnPartitionResult result = answer.resultsByTopicV3AndBelow().iterator().next()
                .resultsByPartition().iterator().next();
        return Errors.forCode(result.partitionErrorCode());
    }

    private Errors addOffsets(String group, long producerId, short epoch) throws Exception {
        return Errors.forCode(raw.exchange(ApiKeys.ADD_OFFSETS_TO_TXN, (short) 3, new AddOffsetsToTxnRequestData()
                .setTransactionalId(key).setProducerId(producerId).setProducerEpoch(epoch).setGroupId(group),
                new AddOffsetsToTxnResponseData()).errorCode());
    }

    /** TxnOffsetCommit of partition 0 of {@link #topic}, outside any group generation; the partition's error. */
    private Errors txnOffsetCommit(String group, long producerId, short epoch, short version) throws Exception {
        TxnOffsetCommitResponseData answer = raw.exchange(ApiKeys.TXN_OFFSET_COMMIT, version,
                new TxnOffsetCommitRequestData().setTransactionalId(key).setGroupId(group)
                        .setProducerId(producerId).setProducerEpoch(epoch).setGenerationId(-1).setMemberId("")
                        .setTopics(List.of(new TxnOffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                                new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5))))),
                new TxnOffsetCommitResponseData());
        return Errors.forCode(answer.topics().get(0).partitions().get(0).errorCode());
    }

    private Errors endTxn(String id, long producerId, short epoch, boolean commit) throws Exception {
        return Errors.forCode(raw.exchange(ApiKeys.END_TXN, (short) 3, new EndTxnRequestData().setTransactionalId(id)
                .setProducerId(producerId).setProducerEpoch(epoch).setCommitted(commit), new EndTxnResponseData())
                .errorCode());
    }
}
