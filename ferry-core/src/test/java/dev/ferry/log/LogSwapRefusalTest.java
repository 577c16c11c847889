package dev.ferry.log;

import static dev.ferry.log.LogCompactionTest.cleanedBatchesOf;
import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link Log#swapInCleaned} refuses, and what the writer does while a swap is in flight: a
 * copy without batches for a segment that has some is refused before anything is committed (the
 * copy deleted), and a deletion that meets a swap holding the removal lock deletes nothing rather
 * than race it, and deletes at its next call.
 */
class LogSwapRefusalTest {
    @TempDir
    Path directory;

    @Test
    void shouldRefuseACleanedCopyWithoutBatchesForASegmentThatHasSomeAndDeleteIt() throws IOException {
        try (Log log = Log.open(directory.resolve("empty-copy"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 20);
            log.rollActiveSegment();
            appendRecords(log, 1, 20);
            LogSegment sealed = log.sealedSegments().get(0);
            Path cleaned = SegmentSwap.cleanedFile(log.directory(), 0);
            Files.write(cleaned, new byte[0]);

            assertThatThrownBy(() -> log.swapInCleaned(sealed, List.of(), () -> { }))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("ends at offset 0, the original at 3");

            assertThat(cleaned).doesNotExist();
            assertThat(SegmentSwap.swapFile(log.directory(), 0)).doesNotExist();
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L);
        }
    }

    @Test
    void shouldDeleteNothingWhileTheCleanerIsSwappingASegmentInAndDeleteOnTheNextCall() throws Exception {
        try (Log log = Log.open(directory.resolve("swap-in-flight"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 20);
            log.rollActiveSegment();
            appendRecords(log, 2, 20);
            LogSegment sealed = log.sealedSegments().get(0);
            List<Log.CleanedBatch> batches = cleanedBatchesOf(log, sealed);
            Files.copy(LogSegment.logFile(log.directory(), 0), SegmentSwap.cleanedFile(log.directory(), 0));
            CountDownLatch swapCommitted = new CountDownLatch(1);
            CountDownLatch deletionTried = new CountDownLatch(1);
            CompletableFuture<Boolean> swap = CompletableFuture.supplyAsync(() -> {
                try {
                    return log.swapInCleaned(sealed, batches, () -> {
                        swapCommitted.countDown();
                        awaitQuietly(deletionTried);
                    });
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(swapCommitted.await(20, TimeUnit.SECONDS)).isTrue();

            int deletedDuringSwap;
            try {
                deletedDuringSwap = log.deleteSegmentsBelow(3);
            } finally {
                deletionTried.countDown();
            }

            assertThat(deletedDuringSwap).isZero();
            assertThat(swap.get(20, TimeUnit.SECONDS)).isTrue();
            assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L);
            assertThat(log.logStartOffset()).isZero();
            assertThat(log.deleteSegmentsBelow(3)).isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(3);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
