package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static dev.ferry.stream.StreamTestSupport.batch;
import static dev.ferry.stream.StreamTestSupport.failure;
import static dev.ferry.stream.StreamTestSupport.transactionalBatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.LogSlice;

/**
 * A partition's side of Kafka transactions: the last stable offset, {@code read_committed} reads
 * bounded by it, markers, the aborted-transaction index, fencing by a marker's epoch, and all of it
 * rebuilt from the log when the partition opens again.
 */
class TransactionalPartitionTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long PRODUCER = 7;
    private static final long OTHER = 8;

    @TempDir
    Path data;

    private SinglePartitionTopic topic;
    private Partition partition;

    @BeforeEach
    void createTopic() {
        topic = new SinglePartitionTopic(data, "txn");
        partition = topic.partition();
    }

    @AfterEach
    void closeRegistry() {
        topic.close();
    }

    private void reopen() {
        partition = topic.reopen();
    }

    @Test
    void shouldHoldTheLastStableOffsetAtTheFirstOpenTransaction() {
        await(partition.append(batch(NOW, "plain"), NOW));
        await(partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "t1", "t2"), NOW));
        await(partition.append(transactionalBatch(OTHER, (short) 0, 0, NOW, "u1"), NOW));
        await(partition.append(batch(NOW, "plain2"), NOW));

        assertThat(partition.highWatermark()).isEqualTo(5);
        assertThat(partition.lastStableOffset()).isEqualTo(1);
        assertThat(offsets(partition.readCommitted(0, 1 << 20))).containsExactly(0L);

        long commit = await(partition.writeTransactionMarker(PRODUCER, (short) 0, true, 0, NOW));
        assertThat(commit).isEqualTo(5);
        assertThat(partition.lastStableOffset()).isEqualTo(3); // OTHER's transaction is still open

        long abort = await(partition.writeTransactionMarker(OTHER, (short) 0, false, 0, NOW));
        assertThat(partition.lastStableOffset()).isEqualTo(partition.highWatermark()).isEqualTo(abort + 1);
        assertThat(partition.abortedTransactions(0, abort + 1)).containsExactly(new AbortedTransaction(OTHER, 3, abort));
        assertThat(partition.abortedTransactions(abort + 1, abort + 5)).isEmpty();
        assertThat(offsets(partition.readCommitted(0, 1 << 20))).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void shouldWriteMarkersAsControlBatches() {
        await(partition.append(transactionalBatch(PRODUCER, (short) 3, 0, NOW, "t"), NOW));
        await(partition.writeTransactionMarker(PRODUCER, (short) 3, false, 5, NOW));

        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(partition.read(0, 1 << 20).readBytes()).batches().forEach(batches::add);
        assertThat(batches).hasSize(2);
        assertThat(batches.get(0).isTransactional()).isTrue();
        assertThat(batches.get(0).isControlBatch()).isFalse();
        MutableRecordBatch marker = batches.get(1);
        assertThat(marker.isControlBatch()).isTrue();
        assertThat(marker.isTransactional()).isTrue();
        assertThat(marker.producerId()).isEqualTo(PRODUCER);
        assertThat(marker.producerEpoch()).isEqualTo((short) 3);
        assertThat(marker.baseOffset()).isEqualTo(1);
        marker.ensureValid();
    }

    @Test
    void shouldFenceAnOlderEpochOnceAMarkerOfANewerOneIsWritten() {
        await(partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "zombie"), NOW));
        // The coordinator aborted the transaction under the bumped epoch.
        await(partition.writeTransactionMarker(PRODUCER, (short) 1, false, 0, NOW));

        assertThat(failure(partition.append(transactionalBatch(PRODUCER, (short) 0, 1, NOW, "late"), NOW)))
                .isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
        assertThat(failure(partition.writeTransactionMarker(PRODUCER, (short) 0, true, 0, NOW)))
                .isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
        await(partition.append(transactionalBatch(PRODUCER, (short) 2, 0, NOW, "next"), NOW));
        assertThat(partition.lastStableOffset()).isEqualTo(2);
    }

    @Test
    void shouldAppendATransactionalBatchOnlyOnceTheCoordinatorConfirmsIt() {
        List<Long> asked = new ArrayList<>();
        TransactionVerifier refusing = (producerId, epoch) -> {
            asked.add(producerId);
            return CompletableFuture.completedFuture(ErrorCode.INVALID_TXN_STATE);
        };
        assertThat(failure(partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "stray"), NOW,
                AckLevel.DURABLE, refusing))).isEqualTo(ErrorCode.INVALID_TXN_STATE);
        assertThat(partition.logEndOffset()).isZero();
        // Plain batches are not verified.
        await(partition.append(batch(NOW, "plain"), NOW, AckLevel.DURABLE, refusing));
        assertThat(asked).containsExactly(PRODUCER);

        TransactionVerifier confirming = (producerId, epoch) -> {
            asked.add(producerId);
            return CompletableFuture.completedFuture(null);
        };
        await(partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "t1"), NOW, AckLevel.DURABLE, confirming));
        // Its transaction is open here now: the next batch of it is not verified again.
        await(partition.append(transactionalBatch(PRODUCER, (short) 0, 1, NOW, "t2"), NOW, AckLevel.DURABLE, refusing));
        assertThat(asked).containsExactly(PRODUCER, PRODUCER);
        assertThat(partition.lastStableOffset()).isEqualTo(1);

        await(partition.writeTransactionMarker(PRODUCER, (short) 0, true, 0, NOW));
        // Closed by the marker: the producer's next transaction is verified from its first batch.
        assertThat(failure(partition.append(transactionalBatch(PRODUCER, (short) 0, 2, NOW, "t3"), NOW,
                AckLevel.DURABLE, refusing))).isEqualTo(ErrorCode.INVALID_TXN_STATE);
        assertThat(partition.lastStableOffset()).isEqualTo(partition.highWatermark()).isEqualTo(4);
    }

    @Test
    void shouldRefuseABatchWhoseTransactionEndedWhileItWasVerified() {
        CompletableFuture<ErrorCode> first = new CompletableFuture<>();
        CompletableFuture<ErrorCode> second = new CompletableFuture<>();
        Queue<CompletableFuture<ErrorCode>> answers = new ConcurrentLinkedQueue<>(List.of(first, second));
        TransactionVerifier slow = (producerId, epoch) -> answers.remove();
        CompletableFuture<AppendResult> early = partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "a"),
                NOW, AckLevel.DURABLE, slow);
        CompletableFuture<AppendResult> alongside = partition.append(transactionalBatch(PRODUCER, (short) 0, 1, NOW, "b"),
                NOW, AckLevel.DURABLE, slow);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(answers::isEmpty);

        // Two batches verified at once are both taken: the second does not void the first's check.
        first.complete(null);
        second.complete(null);
        assertThat(await(early).baseOffset()).isZero();
        assertThat(await(alongside).baseOffset()).isEqualTo(1);

        // The coordinator ends the transaction while a late batch of it is still being verified.
        CompletableFuture<ErrorCode> late = new CompletableFuture<>();
        await(partition.writeTransactionMarker(PRODUCER, (short) 0, false, 0, NOW));
        CompletableFuture<AppendResult> zombie = partition.append(transactionalBatch(PRODUCER, (short) 0, 2, NOW, "c"),
                NOW, AckLevel.DURABLE, (producerId, epoch) -> late);
        // A second marker (the coordinator rewriting it) lands between the question and the answer.
        await(partition.writeTransactionMarker(PRODUCER, (short) 0, false, 0, NOW));
        late.complete(null);
        assertThat(failure(zombie)).isEqualTo(ErrorCode.INVALID_TXN_STATE);
        assertThat(partition.lastStableOffset()).isEqualTo(partition.highWatermark());
    }

    @Test
    void shouldRefuseWhatTheCoordinatorCouldNotAnswerAndAnswerWhenThePartitionClosedMeanwhile() {
        assertThat(failure(partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "a"), NOW, AckLevel.DURABLE,
                (producerId, epoch) -> CompletableFuture.failedFuture(
                        new BrokerException(ErrorCode.INVALID_PRODUCER_ID_MAPPING, "no answer")))))
                .isEqualTo(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        assertThat(failure(partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "a"), NOW, AckLevel.DURABLE,
                (producerId, epoch) -> {
                    throw new BrokerException(ErrorCode.INVALID_PRODUCER_EPOCH, "thrown");
                }))).isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
        assertThat(partition.logEndOffset()).isZero();

        CompletableFuture<ErrorCode> pending = new CompletableFuture<>();
        Partition before = partition;
        CompletableFuture<AppendResult> waiting = before.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "b"), NOW,
                AckLevel.DURABLE, (producerId, epoch) -> pending);
        reopen();
        pending.complete(null);
        assertThat(failure(waiting)).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(failure(before.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "c"), NOW, AckLevel.DURABLE,
                (producerId, epoch) -> CompletableFuture.completedFuture(null))))
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(partition.logEndOffset()).isZero();
    }

    @Test
    void shouldTellATransactionalBatchByItsWholeHeader() {
        ByteBuffer header = ByteBuffer.allocate(61);
        header.putShort(21, (short) 0x10);
        assertThat(Partition.isTransactionalBatch(header)).isTrue();
        assertThat(Partition.isTransactionalBatch(header.limit(60))).as("too short to be a batch").isFalse();
        assertThat(Partition.isTransactionalBatch(batch(NOW, "plain"))).isFalse();
    }

    @Test
    void shouldRebuildOpenAndAbortedTransactionsAtOpen() {
        await(partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "aborted"), NOW));
        await(partition.writeTransactionMarker(PRODUCER, (short) 0, false, 0, NOW));
        await(partition.append(transactionalBatch(OTHER, (short) 0, 0, NOW, "open"), NOW));
        await(partition.append(batch(NOW, "plain"), NOW));
        assertThat(Files.exists(partition.directory().resolve(Partition.TRANSACTIONAL_FILE))).isTrue();

        reopen();

        assertThat(partition.highWatermark()).isEqualTo(4);
        assertThat(partition.lastStableOffset()).isEqualTo(2);
        assertThat(partition.abortedTransactions(0, 4)).containsExactly(new AbortedTransaction(PRODUCER, 0, 1));
        // The producer state came back too.
        assertThat(failure(partition.append(transactionalBatch(OTHER, (short) 0, 5, NOW, "gap"), NOW)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        await(partition.writeTransactionMarker(OTHER, (short) 0, true, 0, NOW));
        assertThat(partition.lastStableOffset()).isEqualTo(partition.highWatermark()).isEqualTo(5);
    }

    @Test
    void shouldRebuildACommittedTransactionAndTheEpochItsMarkerFencedAtOpen() {
        await(partition.append(transactionalBatch(PRODUCER, (short) 0, 0, NOW, "committed"), NOW));
        // Committed under a bumped epoch, as a coordinator does once it fenced the producer's older instance.
        await(partition.writeTransactionMarker(PRODUCER, (short) 1, true, 0, NOW));

        reopen();

        assertThat(partition.lastStableOffset()).isEqualTo(partition.highWatermark()).isEqualTo(2);
        assertThat(partition.abortedTransactions(0, 2)).as("a commit is not an abort").isEmpty();
        assertThat(failure(partition.append(transactionalBatch(PRODUCER, (short) 0, 1, NOW, "zombie"), NOW)))
                .as("the marker's epoch came back").isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
        await(partition.append(transactionalBatch(PRODUCER, (short) 1, 0, NOW, "next"), NOW));
        assertThat(partition.lastStableOffset()).isEqualTo(2);
    }

    @Test
    void shouldLeaveAPartitionWithoutTransactionsStableAtTheHighWatermark() {
        await(partition.append(batch(NOW, "a", "b"), NOW));

        assertThat(partition.lastStableOffset()).isEqualTo(partition.highWatermark()).isEqualTo(2);
        assertThat(Files.exists(partition.directory().resolve(Partition.TRANSACTIONAL_FILE))).isFalse();
    }

    private static List<Long> offsets(LogSlice slice) {
        List<Long> offsets = new ArrayList<>();
        slice.readRecords().forEach(record -> offsets.add(record.offset()));
        return offsets;
    }
}
