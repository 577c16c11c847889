package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.recordsFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A full disk and a failing fsync, on a {@link SimulatedFileSystem}: a failed write costs only its
 * own append and the log takes the next one once space returns; a failed fsync fails everything
 * not yet durable and the log refuses appends until it is reopened, without bringing the failed
 * records back.
 */
class LogDiskFaultTest {
    private static final Path LOG_DIRECTORY = Path.of("/simulated/orders");
    private static final int VALUE_BYTES = 100;

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final FileHandleCache cache = new FileHandleCache(8, fileSystem);
    private final LogFlusher flusher = LogFlusher.manual();
    private Log log;

    private static LogConfig config() {
        return LogTestSupport.tinyConfig(FsyncPolicy.ALWAYS);
    }

    private Log open() {
        return Log.open(LOG_DIRECTORY, config(), flusher, cache);
    }

    @AfterEach
    void closeLog() {
        if (log != null && !log.isClosed()) {
            log.close();
        }
    }

    private CompletableFuture<AppendResult> append(int records) {
        return log.append(recordsFor(log.logEndOffset(), records, VALUE_BYTES));
    }

    private void sync() {
        flusher.doWork(0);
    }

    private void assertHolds(Log opened, long endOffset) {
        assertThat(opened.logEndOffset()).isEqualTo(endOffset);
        assertThat(opened.damage()).isEmpty();
        List<Record> records = readAll(opened, 100_000);
        assertThat(records).extracting(Record::offset)
                .containsExactlyElementsOf(java.util.stream.LongStream.range(0, endOffset).boxed().toList());
        assertThat(records).allMatch(record -> LogTestSupport.matches(record, VALUE_BYTES));
    }

    @Test
    void shouldFailOnlyTheAppendThatRunsOutOfSpaceAndTakeTheNextOnceSpaceReturns() {
        log = open();
        append(3);
        append(3);
        sync();
        long bytesBefore = log.sizeInBytes();
        // Room for half a batch: the write starts, fills the disk and fails part way.
        fileSystem.limitSpace(fileSystem.usedBytes() + 200);

        assertThatThrownBy(() -> append(3)).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("No space left on device").hasMessageContaining("nothing of it was kept");
        assertThat(log.hasFailed()).isFalse();
        assertThat(log.logEndOffset()).isEqualTo(6);
        assertThat(log.sizeInBytes()).isEqualTo(bytesBefore);
        assertThatThrownBy(() -> append(3)).as("still full").isInstanceOf(LogStorageException.class);

        fileSystem.unlimitSpace();
        CompletableFuture<AppendResult> afterSpaceReturned = append(3);
        sync();

        assertThat(afterSpaceReturned).isCompletedWithValue(new AppendResult(6, 8));
        log.close();
        log = open();
        assertHolds(log, 9);
    }

    @Test
    void shouldFsyncTheDirectoryAtTheNextOpenAfterARollCouldNotRemoveItsHalfMadeSegmentDurably() {
        log = open();
        append(5);
        sync();
        // The new segment's directory fsync fails, and so does the one after removing it again.
        fileSystem.failDirectorySyncs(2);
        assertThatThrownBy(log::rollActiveSegment).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("half-made");
        assertThat(log.hasFailed()).isTrue();
        log.close();

        fileSystem.failDirectorySyncs(1);
        assertThatThrownBy(this::open).as("the open that must fsync the directory first, and cannot")
                .isInstanceOf(LogStorageException.class);
        assertThat(cache.openCount()).as("handles the failed open left open").isZero();

        log = open();
        assertHolds(log, 5);
        log.close();
        fileSystem.failDirectorySyncs(1);
        log = open();
        assertThat(log.isClosed()).as("synced once, the directory needs no fsync at the next open").isFalse();
        assertHolds(log, 5);
        fileSystem.failDirectorySyncs(0);
    }

    @Test
    void shouldRecoverFromARollThatRunsOutOfSpace() {
        log = open();
        while (log.segmentCount() == 1 && log.sizeInBytes() < 3500) {
            append(3);
        }
        sync();
        long end = log.logEndOffset();
        // The next batch needs a roll; the sealed segment's index files do not fit.
        fileSystem.limitSpace(fileSystem.usedBytes() + 20);

        assertThatThrownBy(() -> append(6)).isInstanceOf(LogStorageException.class).hasMessageContaining("rolling");
        assertThat(log.segmentCount()).isEqualTo(1);
        assertThat(log.hasFailed()).isFalse();

        fileSystem.unlimitSpace();
        fileSystem.failDirectorySyncs(1);
        assertThatThrownBy(() -> append(6)).as("a failed directory fsync while rolling")
                .isInstanceOf(LogStorageException.class).hasMessageContaining("rolling");
        assertThat(fileSystem.fileNames(LOG_DIRECTORY)).as("the half-made segment is removed")
                .doesNotContain(LogSegment.fileStem(end) + ".log");

        CompletableFuture<AppendResult> rolled = append(6);
        sync();
        assertThat(rolled).isCompletedWithValue(new AppendResult(end, end + 5));
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, end);
        log.close();
        log = open();
        assertHolds(log, end + 6);
    }

    @Test
    void shouldFailWhatWasNotDurableAndRefuseAppendsAfterAFailedFsyncUntilReopened() {
        log = open();
        CompletableFuture<AppendResult> confirmed = append(3);
        sync();
        CompletableFuture<AppendResult> pendingOne = append(2);
        CompletableFuture<AppendResult> pendingTwo = append(2);
        fileSystem.failForces(1);

        sync();

        assertThat(confirmed).isCompletedWithValue(new AppendResult(0, 2));
        assertThat(pendingOne).isCompletedExceptionally();
        assertThat(pendingTwo).isCompletedExceptionally();
        assertThatThrownBy(pendingOne::join).hasCauseInstanceOf(LogStorageException.class)
                .hasMessageContaining("fsync").hasMessageContaining("closed and opened again");
        assertThat(log.hasFailed()).isTrue();
        assertThatThrownBy(() -> append(1)).isInstanceOf(LogStorageException.class).hasMessageContaining("reopen");
        assertThatThrownBy(log::flush).isInstanceOf(LogStorageException.class);
        assertThat(readAll(log, 100_000)).as("reads still work").hasSize(7);

        log.close();
        log = open();

        assertHolds(log, 3);
        CompletableFuture<AppendResult> afterReopen = append(2);
        sync();
        assertThat(afterReopen).isCompletedWithValue(new AppendResult(3, 4));
    }

    @Test
    void shouldKeepConfirmedRecordsOfASealedSegmentWhenTheNextFsyncFails() {
        log = open();
        CompletableFuture<AppendResult> first = append(3);
        while (log.segmentCount() == 1) {
            append(3);
        }
        long sealedEnd = log.segmentBaseOffsets().get(1);
        fileSystem.failForces(1);

        sync();

        assertThat(first).as("made durable by the roll that sealed its segment").isCompletedWithValue(new AppendResult(0, 2));
        assertThat(log.hasFailed()).isTrue();
        log.close();
        log = open();
        assertHolds(log, sealedEnd);
    }

    @Test
    void shouldSurviveACrashAfterAFailedWrite() {
        log = open();
        append(3);
        sync();
        fileSystem.limitSpace(fileSystem.usedBytes() + 150);
        assertThatThrownBy(() -> append(3)).isInstanceOf(LogStorageException.class);
        fileSystem.unlimitSpace();
        append(2);
        sync();
        log.abandonAfterSimulatedCrash();

        SimulatedFileSystem afterCrash = fileSystem.crash(new java.util.SplittableRandom(7));
        try (Log reopened = Log.open(LOG_DIRECTORY, config(), LogFlusher.manual(), new FileHandleCache(8, afterCrash))) {
            assertHolds(reopened, 5);
        }
    }
}
