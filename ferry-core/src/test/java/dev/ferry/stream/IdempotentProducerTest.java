package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static dev.ferry.stream.StreamTestSupport.failure;
import static dev.ferry.stream.StreamTestSupport.idempotentBatch;
import static dev.ferry.stream.StreamTestSupport.values;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.error.ErrorCode;
import dev.ferry.log.FileHandleCache;

/** Kafka's idempotent producer rules on a real partition, and their survival across a restart. */
class IdempotentProducerTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long PID = 4242;

    @TempDir
    Path data;

    private TopicRegistry registry;
    private Partition partition;

    @BeforeEach
    void createTopic() {
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        partition = await(registry.create("idem", 1, Map.of())).partition(0);
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    private Partition reopen() {
        registry.close();
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        partition = registry.topic("idem").orElseThrow().partition(0);
        return partition;
    }

    @Test
    void shouldStoreARetriedBatchOnceAndAnswerWithItsOriginalOffsets() {
        AppendResult first = await(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "a", "b"), NOW));
        await(partition.append(idempotentBatch(PID, (short) 0, 2, NOW, "c"), NOW));

        AppendResult retried = await(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "a", "b"), NOW));

        assertThat(retried.baseOffset()).isEqualTo(first.baseOffset());
        assertThat(retried.lastOffset()).isEqualTo(first.lastOffset());
        assertThat(values(partition, 0)).containsExactly("a", "b", "c");
    }

    @Test
    void shouldRefuseASequenceThatSkipsAhead() {
        await(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "a"), NOW));

        assertThat(failure(partition.append(idempotentBatch(PID, (short) 0, 2, NOW, "gap"), NOW)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        assertThat(values(partition, 0)).containsExactly("a");
    }

    @Test
    void shouldRefuseADuplicateOlderThanTheLastFiveBatches() {
        for (int sequence = 0; sequence < 6; sequence++) {
            await(partition.append(idempotentBatch(PID, (short) 0, sequence, NOW, "v" + sequence), NOW));
        }

        assertThat(failure(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "v0"), NOW)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        assertThat(await(partition.append(idempotentBatch(PID, (short) 0, 1, NOW, "v1"), NOW)).baseOffset()).isEqualTo(1);
        assertThat(partition.logEndOffset()).isEqualTo(6);
    }

    @Test
    void shouldFenceAnOlderEpochAndStartANewEpochAtSequenceZero() {
        await(partition.append(idempotentBatch(PID, (short) 1, 0, NOW, "a"), NOW));

        assertThat(failure(partition.append(idempotentBatch(PID, (short) 0, 1, NOW, "stale"), NOW)))
                .isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
        assertThat(failure(partition.append(idempotentBatch(PID, (short) 2, 5, NOW, "bad start"), NOW)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        await(partition.append(idempotentBatch(PID, (short) 2, 0, NOW, "b"), NOW));
        assertThat(values(partition, 0)).containsExactly("a", "b");
    }

    @Test
    void shouldAcceptAnyFirstSequenceFromAnUnknownProducer() {
        await(partition.append(idempotentBatch(PID, (short) 0, 17, NOW, "a"), NOW));
        await(partition.append(idempotentBatch(PID, (short) 0, 18, NOW, "b"), NOW));

        assertThat(partition.logEndOffset()).isEqualTo(2);
    }

    @Test
    void shouldRecogniseARetryAfterARestart() {
        AppendResult first = await(partition.append(idempotentBatch(PID, (short) 3, 0, NOW, "a", "b"), NOW));

        Partition reopened = reopen();

        AppendResult retried = await(reopened.append(idempotentBatch(PID, (short) 3, 0, NOW, "a", "b"), NOW));
        assertThat(retried.baseOffset()).isEqualTo(first.baseOffset());
        assertThat(failure(reopened.append(idempotentBatch(PID, (short) 3, 5, NOW, "gap"), NOW)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        assertThat(failure(reopened.append(idempotentBatch(PID, (short) 2, 2, NOW, "stale"), NOW)))
                .isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
        await(reopened.append(idempotentBatch(PID, (short) 3, 2, NOW, "c"), NOW));
        assertThat(values(reopened, 0)).containsExactly("a", "b", "c");
    }

    @Test
    void shouldForgetAProducerSilentForADay() {
        await(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "a"), NOW));
        await(partition.append(idempotentBatch(PID + 1, (short) 0, 0, NOW + 3_600_000, "b"), NOW + 3_600_000));

        await(registry.runMaintenance(NOW + 86_400_000L));

        await(partition.append(idempotentBatch(PID, (short) 0, 7, NOW, "a again, forgotten"), NOW + 86_400_000L));
        assertThat(failure(partition.append(idempotentBatch(PID + 1, (short) 0, 7, NOW, "b gap"), NOW + 86_400_000L)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void shouldTreatProducerIdZeroAsAProducer() {
        // Kafka hands out producer ids from 0: the first idempotent producer of a cluster has id 0.
        AppendResult first = await(partition.append(idempotentBatch(0, (short) 0, 0, NOW, "a"), NOW));

        assertThat(await(partition.append(idempotentBatch(0, (short) 0, 0, NOW, "a"), NOW)).baseOffset())
                .isEqualTo(first.baseOffset());
        assertThat(failure(partition.append(idempotentBatch(0, (short) 0, 3, NOW, "gap"), NOW)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        assertThat(partition.logEndOffset()).isEqualTo(1);
    }

    @Test
    void shouldKeepProducersApart() {
        await(partition.append(idempotentBatch(1, (short) 0, 0, NOW, "one"), NOW));
        await(partition.append(idempotentBatch(2, (short) 0, 0, NOW, "two"), NOW));

        AppendResult retriedOne = await(partition.append(idempotentBatch(1, (short) 0, 0, NOW, "one"), NOW));

        assertThat(retriedOne.baseOffset()).isZero();
        assertThat(partition.logEndOffset()).isEqualTo(2);
    }

    @Test
    void shouldRebuildProducerStateFromTheSnapshotWithoutScanningTheLog() {
        AppendResult first = await(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "a"), NOW));
        await(partition.append(idempotentBatch(PID, (short) 0, 1, NOW, "b"), NOW));

        Partition reopened = reopen();

        assertThat(data.resolve("topics/idem-0/" + ProducerStateSnapshot.FILE)).exists();
        assertThat(reopened.batchesScannedAtOpen).isZero();
        assertThat(await(reopened.append(idempotentBatch(PID, (short) 0, 0, NOW, "a"), NOW)).baseOffset())
                .isEqualTo(first.baseOffset());
        assertThat(failure(reopened.append(idempotentBatch(PID, (short) 0, 3, NOW, "gap"), NOW)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void shouldScanTheWholeLogWhenTheSnapshotIsDamaged() throws Exception {
        await(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "a"), NOW));
        await(partition.append(idempotentBatch(PID, (short) 0, 1, NOW, "b"), NOW));
        registry.close();
        Path snapshot = data.resolve("topics/idem-0/" + ProducerStateSnapshot.FILE);
        byte[] bytes = java.nio.file.Files.readAllBytes(snapshot);
        bytes[10] ^= 0x40;
        java.nio.file.Files.write(snapshot, bytes);
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        partition = registry.topic("idem").orElseThrow().partition(0);

        assertThat(partition.batchesScannedAtOpen).isEqualTo(2);
        assertThat(await(partition.append(idempotentBatch(PID, (short) 0, 1, NOW, "b"), NOW)).baseOffset()).isEqualTo(1);
        assertThat(partition.logEndOffset()).isEqualTo(2);
    }

    @Test
    void shouldRebuildSequencesOfManyRecordsPerBatchFromAScanLongerThanOneRead() throws Exception {
        // 300 batches of four 1 KiB records: more than the scan reads at once (1 MiB), so batches
        // straddle its reads; each batch spans four sequences, so the scan must count them.
        String kibibyte = "x".repeat(1024);
        int batches = 300;
        for (int i = 0; i < batches; i++) {
            await(partition.append(idempotentBatch(PID, (short) 0, 4 * i, NOW, kibibyte, kibibyte, kibibyte, kibibyte), NOW));
        }
        registry.close();
        java.nio.file.Files.delete(data.resolve("topics/idem-0/" + ProducerStateSnapshot.FILE));
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        partition = registry.topic("idem").orElseThrow().partition(0);

        assertThat(partition.batchesScannedAtOpen).isEqualTo(batches);
        int last = 4 * (batches - 1);
        assertThat(await(partition.append(idempotentBatch(PID, (short) 0, last, NOW, "r", "e", "t", "ry"), NOW)).baseOffset())
                .as("the newest batch, retried").isEqualTo(last);
        assertThat(await(partition.append(idempotentBatch(PID, (short) 0, last - 12, NOW, "o", "l", "d", "er"), NOW))
                .baseOffset()).as("the fourth newest, retried").isEqualTo(last - 12);
        assertThat(failure(partition.append(idempotentBatch(PID, (short) 0, last + 5, NOW, "gap"), NOW)))
                .isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        assertThat(await(partition.append(idempotentBatch(PID, (short) 0, last + 4, NOW, "next"), NOW)).baseOffset())
                .isEqualTo(4L * batches);
        assertThat(partition.logEndOffset()).isEqualTo(4L * batches + 1);
    }

    @Test
    void shouldScanOnlyTheBatchesAfterTheSnapshotOfAMaintenanceRound() {
        await(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "a"), NOW));
        await(registry.runMaintenance(NOW));
        await(partition.append(idempotentBatch(PID, (short) 0, 1, NOW, "b"), NOW));
        // Close writes a newer snapshot; put the maintenance round's back, as if the process had died.
        Path snapshot = data.resolve("topics/idem-0/" + ProducerStateSnapshot.FILE);
        byte[] fromMaintenance = readUnchecked(snapshot);
        registry.close();
        writeUnchecked(snapshot, fromMaintenance);
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        partition = registry.topic("idem").orElseThrow().partition(0);

        assertThat(partition.batchesScannedAtOpen).isEqualTo(1);
        assertThat(await(partition.append(idempotentBatch(PID, (short) 0, 0, NOW, "a"), NOW)).baseOffset()).isZero();
        assertThat(await(partition.append(idempotentBatch(PID, (short) 0, 1, NOW, "b"), NOW)).baseOffset()).isEqualTo(1);
    }

    private static byte[] readUnchecked(Path file) {
        try {
            return java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeUnchecked(Path file, byte[] bytes) {
        try {
            java.nio.file.Files.write(file, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
