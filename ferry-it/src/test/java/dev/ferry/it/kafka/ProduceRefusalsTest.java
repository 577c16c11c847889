package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * What Produce answers to batches a well-behaved producer does not send, as raw requests: idempotent
 * sequences out of order, repeated, from an older or a newer producer epoch or an unknown producer;
 * transactional batches without a transactional id, or of a transaction that does not hold the
 * partition (KIP-890's verification: such a batch would open a transaction no marker closes); bad acks. Every expected answer was first seen from
 * Kafka 4.3.1 ({@code -Dferry.it.kafka=HOST:PORT}).
 */
class ProduceRefusalsTest extends RawRequestTestBase {
    private static final short PRODUCE_VERSION = 11;


    @Test
    void shouldCheckIdempotentSequencesAsKafkaDoes() throws Exception {
        long producerId = initProducerId();
        PartitionProduceResponse first = produce(idempotent(producerId, 0, 0, 3));
        assertThat(error(first)).isEqualTo(Errors.NONE);
        assertThat(first.baseOffset()).isZero();
        assertThat(error(produce(idempotent(producerId, 0, 3, 2)))).isEqualTo(Errors.NONE);

        // The last batch again (a retry whose answer was lost): its first offset, nothing appended.
        PartitionProduceResponse retried = produce(idempotent(producerId, 0, 3, 2));
        assertThat(error(retried)).isEqualTo(Errors.NONE);
        assertThat(retried.baseOffset()).isEqualTo(3);
        // An earlier batch again, still among the last five.
        PartitionProduceResponse earlier = produce(idempotent(producerId, 0, 0, 3));
        assertThat(error(earlier)).isEqualTo(Errors.NONE);
        assertThat(earlier.baseOffset()).isZero();

        assertThat(error(produce(idempotent(producerId, 0, 9, 1)))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        // A batch overlapping the last one without being it.
        assertThat(error(produce(idempotent(producerId, 0, 4, 2)))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);

        // A newer epoch starts at sequence 0 (the producer bumped it itself); then the old one is fenced.
        assertThat(error(produce(idempotent(producerId, 1, 5, 1)))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        PartitionProduceResponse bumped = produce(idempotent(producerId, 1, 0, 1));
        assertThat(error(bumped)).isEqualTo(Errors.NONE);
        assertThat(bumped.baseOffset()).isEqualTo(5);
        assertThat(error(produce(idempotent(producerId, 0, 5, 1)))).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);

        // A producer id the partition has no state for (retention may have removed it) starts
        // wherever it says; from then on its sequence is checked.
        long unknown = producerId + 1_000;
        assertThat(error(produce(idempotent(unknown, 0, 4, 1)))).isEqualTo(Errors.NONE);
        assertThat(error(produce(idempotent(unknown, 0, 0, 1)))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(error(produce(idempotent(unknown, 0, 5, 1)))).isEqualTo(Errors.NONE);
        PartitionProduceResponse end = produce(plain(1));
        assertThat(end.baseOffset()).isEqualTo(8);
    }

    @Test
    void shouldVerifyTransactionalBatchesWithTheTransactionCoordinatorAndRefuseBadAcks() throws Exception {
        long producerId = initProducerId();
        MemoryRecords transactional = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, 0,
                records(1));
        // Without a transactional id in the request, the whole request is refused.
        ProduceResponseData anonymous = raw.exchange(ApiKeys.PRODUCE, PRODUCE_VERSION,
                request(transactional, (short) -1), new ProduceResponseData());
        assertThat(Errors.forCode(partition(anonymous).errorCode())).isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

        String transactionalId = unique("produce-refusals-txn");
        awaitCoordinator(raw, TRANSACTION_KEY, transactionalId);
        InitProducerIdResponseData init = await().atMost(Duration.ofSeconds(30)).until(() -> raw.exchange(
                ApiKeys.INIT_PRODUCER_ID, (short) 4, new InitProducerIdRequestData().setTransactionalId(transactionalId)
                        .setTransactionTimeoutMs(60_000), new InitProducerIdResponseData()),
                answer -> answer.errorCode() == Errors.NONE.code());
        long txnProducer = init.producerId();
        short txnEpoch = init.producerEpoch();
        MemoryRecords inTxn = MemoryRecords.withTransactionalRecords(Compression.NONE, txnProducer, txnEpoch, 0, records(1));
        // The partition was never added to the transaction: refused, before v11 as INVALID_TXN_STATE.
        assertThat(error(produceAs(transactionalId, inTxn))).isEqualTo(Errors.TRANSACTION_ABORTABLE);
        ProduceResponseData v9 = raw.exchange(ApiKeys.PRODUCE, (short) 9,
                request(inTxn, (short) -1).setTransactionalId(transactionalId), new ProduceResponseData());
        assertThat(Errors.forCode(partition(v9).errorCode())).isEqualTo(Errors.INVALID_TXN_STATE);
        // Another producer id than the transactional id's.
        assertThat(error(produceAs(transactionalId, MemoryRecords.withTransactionalRecords(Compression.NONE, producerId,
                (short) 0, 0, records(1))))).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);

        // Nothing refused was written, so nothing holds read_committed consumers.
        assertThat(produce(plain(1)).baseOffset()).isZero();
        assertThat(readCommittedEnd()).isEqualTo(1);

        AddPartitionsToTxnResponseData added = raw.exchange(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 3,
                new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(transactionalId)
                        .setV3AndBelowProducerId(txnProducer).setV3AndBelowProducerEpoch(txnEpoch)
                        .setV3AndBelowTopics(new AddPartitionsToTxnTopicCollection(List.of(
                                new AddPartitionsToTxnTopic().setName(topic).setPartitions(List.of(0))).iterator())),
                new AddPartitionsToTxnResponseData());
        assertThat(added.resultsByTopicV3AndBelow().iterator().next().resultsByPartition().iterator().next()
                .partitionErrorCode()).isZero();
        // Added: another epoch is still refused, the transaction's own batch is taken.
        assertThat(error(produceAs(transactionalId, MemoryRecords.withTransactionalRecords(Compression.NONE, txnProducer,
                (short) (txnEpoch + 1), 0, records(1))))).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        PartitionProduceResponse inTransaction = produceAs(transactionalId, inTxn);
        assertThat(error(inTransaction)).isEqualTo(Errors.NONE);
        assertThat(inTransaction.baseOffset()).isEqualTo(1);
        assertThat(readCommittedEnd()).as("held by the open transaction").isEqualTo(1);

        ProduceResponseData badAcks = raw.exchange(ApiKeys.PRODUCE, PRODUCE_VERSION, request(plain(1), (short) 2),
                new ProduceResponseData());
        assertThat(Errors.forCode(partition(badAcks).errorCode())).isEqualTo(Errors.INVALID_REQUIRED_ACKS);
        assertThat(produce(plain(1)).baseOffset()).isEqualTo(2);
    }

    private long initProducerId() throws Exception {
        InitProducerIdResponseData response = raw.exchange(ApiKeys.INIT_PRODUCER_ID, (short) 4,
                new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000),
                new InitProducerIdResponseData());
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        return response.producerId();
    }

    private PartitionProduceResponse produce(MemoryRecords records) throws Exception {
        return partition(raw.exchange(ApiKeys.PRODUCE, PRODUCE_VERSION, request(records, (short) -1),
                new ProduceResponseData()));
    }

    /** The partition's end as a read_committed consumer sees it (the last stable offset). */
    private long readCommittedEnd() throws Exception {
        ListOffsetsResponseData answer = raw.exchange(ApiKeys.LIST_OFFSETS, (short) 7, new ListOffsetsRequestData()
                .setReplicaId(-1).setIsolationLevel((byte) 1).setTopics(List.of(new ListOffsetsTopic().setName(topic)
                        .setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1))))),
                new ListOffsetsResponseData());
        ListOffsetsPartitionResponse partition = answer.topics().get(0).partitions().get(0);
        assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.NONE);
        return partition.offset();
    }

    private PartitionProduceResponse produceAs(String transactionalId, MemoryRecords records) throws Exception {
        return partition(raw.exchange(ApiKeys.PRODUCE, PRODUCE_VERSION,
                request(records, (short) -1).setTransactionalId(transactionalId), new ProduceResponseData()));
    }

    private ProduceRequestData request(MemoryRecords records, short acks) {
        TopicProduceDataCollection topics = new TopicProduceDataCollection();
        topics.add(new TopicProduceData().setName(topic).setPartitionData(List.of(
                new PartitionProduceData().setIndex(0).setRecords(records))));
        return new ProduceRequestData().setAcks(acks).setTimeoutMs(30_000).setTopicData(topics);
    }

    private static PartitionProduceResponse partition(ProduceResponseData response) {
        return response.responses().iterator().next().partitionResponses().get(0);
    }

    private static Errors error(PartitionProduceResponse response) {
        return Errors.forCode(response.errorCode());
    }

    private static MemoryRecords idempotent(long producerId, int epoch, int sequence, int count) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) epoch, sequence, records(count));
    }

    private static MemoryRecords plain(int count) {
        return MemoryRecords.withRecords(RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE, records(count));
    }

    private static SimpleRecord[] records(int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), ("r" + i).getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }
}
