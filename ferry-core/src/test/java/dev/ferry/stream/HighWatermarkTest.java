package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.syncUntilDone;
import static dev.ferry.stream.StreamTestSupport.batch;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.LogFlusher;

/**
 * The high watermark is the durable end, with the fsyncs under the test's control (a manual
 * flusher): a record written but not fsynced is invisible to readers and its producer is not
 * answered (unless it asked for {@link AckLevel#WRITTEN}); the fsync makes it visible, answers the
 * producer and wakes parked readers.
 */
class HighWatermarkTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path data;

    private final LogFlusher flusher = LogFlusher.manual();
    private TopicRegistry registry;
    private Partition partition;

    @BeforeEach
    void open() {
        registry = TopicRegistry.open(data, flusher, FileHandleCache.processDefault(), 1);
        partition = syncUntilDone(flusher, registry.create("hw", 1, Map.of())).partition(0);
    }

    @AfterEach
    void close() {
        registry.close();
        flusher.close();
    }

    @Test
    void shouldHideAndHoldWhatIsNotFsyncedAndReleaseItAtTheFsync() {
        AtomicInteger woken = new AtomicInteger();
        partition.whenHighWatermarkAbove(0, woken::incrementAndGet);

        CompletableFuture<AppendResult> append = partition.append(batch(NOW, "a", "b"), NOW);
        Awaitility.await().until(() -> partition.logEndOffset() == 2);

        assertThat(append).isNotDone();
        assertThat(partition.highWatermark()).isZero();
        assertThat(partition.read(0, 1 << 20).isEmpty()).isTrue();
        assertThat(partition.offsetForTimestamp(NOW)).isEqualTo(-1);
        assertThat(woken).hasValue(0);

        flusher.doWork(System.nanoTime());

        assertThat(append.join().baseOffset()).isZero();
        assertThat(partition.highWatermark()).isEqualTo(2);
        assertThat(partition.read(0, 1 << 20).readRecords()).hasSize(2);
        assertThat(woken).hasValue(1);
    }

    @Test
    void shouldAnswerAWrittenAckBeforeTheFsyncAndStillHideTheBatchUntilIt() {
        AtomicInteger woken = new AtomicInteger();
        partition.whenHighWatermarkAbove(0, woken::incrementAndGet);

        CompletableFuture<AppendResult> written = partition.append(batch(NOW, "a", "b"), NOW, AckLevel.WRITTEN);
        CompletableFuture<AppendResult> durable = partition.append(batch(NOW, "c"), NOW, AckLevel.DURABLE);

        // Answered with no fsync run (the flusher is manual): the write alone was enough.
        Awaitility.await().until(written::isDone);
        assertThat(written.join().baseOffset()).isZero();
        assertThat(written.join().lastOffset()).isEqualTo(1);
        Awaitility.await().until(() -> partition.logEndOffset() == 3);
        assertThat(durable).isNotDone();
        assertThat(partition.highWatermark()).isZero();
        assertThat(partition.read(0, 1 << 20).isEmpty()).isTrue();
        assertThat(woken).hasValue(0);

        flusher.doWork(System.nanoTime());

        assertThat(durable.join().baseOffset()).isEqualTo(2);
        assertThat(partition.highWatermark()).isEqualTo(3);
        assertThat(StreamTestSupport.values(partition, 0)).containsExactly("a", "b", "c");
        assertThat(woken).hasValue(1);
    }

    @Test
    void shouldEndAReadAtTheHighWatermarkWhileLaterBatchesWaitForTheirFsync() {
        syncUntilDone(flusher, partition.append(batch(NOW, "durable"), NOW));
        CompletableFuture<AppendResult> pending = partition.append(batch(NOW, "written"), NOW);
        Awaitility.await().until(() -> partition.logEndOffset() == 2);

        assertThat(StreamTestSupport.values(partition, 0)).containsExactly("durable");
        assertThat(partition.read(0, 1 << 20).nextOffset()).isEqualTo(1);
        assertThat(partition.read(1, 1 << 20).isEmpty()).isTrue();

        syncUntilDone(flusher, pending);
        assertThat(StreamTestSupport.values(partition, 0)).containsExactly("durable", "written");
    }

    @Test
    void shouldAnswerARetryOnlyWhenTheOriginalIsDurable() {
        CompletableFuture<AppendResult> original = partition.append(
                StreamTestSupport.idempotentBatch(9, (short) 0, 0, NOW, "once"), NOW);
        Awaitility.await().until(() -> partition.logEndOffset() == 1);
        CompletableFuture<AppendResult> retry = partition.append(
                StreamTestSupport.idempotentBatch(9, (short) 0, 0, NOW, "once"), NOW);

        // The owner runs commands in order: once this one is answered, the retry has been decided.
        assertThat(partition.deleteRecordsBefore(0).join()).isZero();
        assertThat(retry).isNotDone();
        assertThat(partition.logEndOffset()).isEqualTo(1);

        flusher.doWork(System.nanoTime());

        assertThat(original.join().baseOffset()).isZero();
        Awaitility.await().until(retry::isDone);
        assertThat(retry.join().baseOffset()).isZero();
    }
}
