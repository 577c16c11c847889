package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.encodedBatch;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answers of {@link Log}'s smaller methods at their edges: what a roll returns, the bounds of
 * an encoded append, a flush or close whose fsync fails, the private flusher's thread, and what a
 * simulated crash lets go of.
 */
class LogEdgeTest {
    private static final Path SIMULATED = Path.of("/simulated/orders");

    @TempDir
    Path directory;

    @Test
    void shouldSayWhetherItRolledAndHowLargeTheActiveSegmentIs() {
        try (Log log = Log.open(directory.resolve("stream"), smallConfig(FsyncPolicy.NEVER))) {
            assertThat(log.activeSegmentSizeInBytes()).isZero();
            assertThat(log.rollActiveSegment()).as("an empty active segment stays").isFalse();
            appendRecords(log, 2, 50);
            long bytes = log.sizeInBytes();
            assertThat(log.activeSegmentSizeInBytes()).isEqualTo(bytes).isPositive();

            assertThat(log.rollActiveSegment()).isTrue();

            assertThat(log.activeSegmentBaseOffset()).isEqualTo(2);
            assertThat(log.activeSegmentSizeInBytes()).isZero();
        }
    }

    @Test
    void shouldTakeAnEncodedBatchOfExactlyTheMaximumSize() {
        int bytes = encodedBatch(0, 3, 100).remaining();
        try (Log log = Log.open(directory.resolve("stream"), smallConfig(FsyncPolicy.NEVER).batchBytesMax(bytes))) {
            assertThat(log.appendBatch(encodedBatch(0, 3, 100)).join()).isEqualTo(new AppendResult(0, 2));
        }
    }

    @Test
    void shouldNameTheBytesLeftOverAfterTheLastWholeBatch() {
        try (Log log = Log.open(directory.resolve("stream"), smallConfig(FsyncPolicy.NEVER))) {
            ByteBuffer batch = encodedBatch(0, 2, 50);
            ByteBuffer withTail = ByteBuffer.allocate(batch.remaining() + 10);
            withTail.put(batch).clear(); // the batch, then 10 zero bytes
            assertThatThrownBy(() -> log.appendBatch(withTail)).isInstanceOf(InvalidBatchException.class)
                    .hasMessageContaining("the last 10 bytes are not a whole batch");

            ByteBuffer headerOnly = ByteBuffer.allocate(batch.flip().remaining() + BatchFormat.HEADER_BYTES);
            headerOnly.put(batch).clear();
            assertThatThrownBy(() -> log.appendBatch(headerOnly)).as("a header's worth of zero bytes is judged as a batch")
                    .isInstanceOf(InvalidBatchException.class).hasMessageContaining("batch 1 at byte " + batch.limit());

            ByteBuffer second = encodedBatch(2, 2, 50);
            ByteBuffer secondCut = ByteBuffer.allocate(batch.limit() + second.remaining() - 1);
            secondCut.put(batch.rewind()).put(second.limit(second.limit() - 1)).clear();
            assertThatThrownBy(() -> log.appendBatch(secondCut)).as("a second batch one byte short")
                    .isInstanceOf(InvalidBatchException.class).hasMessageContaining("batch 1 at byte " + batch.limit());
            assertThat(log.logEndOffset()).isZero();
        }
    }

    @Test
    void shouldRefuseAFlushOnceClosedAndReportAFailedFsync() {
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        Log log = Log.open(SIMULATED, smallConfig(FsyncPolicy.NEVER), null, new FileHandleCache(8, fileSystem));
        appendRecords(log, 2, 50);
        fileSystem.failForces(1);
        assertThatThrownBy(log::flush).isInstanceOf(LogStorageException.class).hasMessageContaining("fsync");
        assertThat(log.hasFailed()).isTrue();
        log.close();
        assertThatThrownBy(log::flush).isInstanceOf(LogClosedException.class);
    }

    @Test
    void shouldReportAFailedFinalFsyncOnClose() {
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        Log log = Log.open(SIMULATED, smallConfig(FsyncPolicy.NEVER), null, new FileHandleCache(8, fileSystem));
        appendRecords(log, 2, 50);
        fileSystem.failForces(1);

        assertThatThrownBy(log::close).isInstanceOf(LogStorageException.class).hasMessageContaining("final fsync");
        assertThat(log.isClosed()).isTrue();
    }

    @Test
    void shouldStopItsPrivateFlusherThreadWhenClosed() {
        String threadName = "ferry-log-flusher-private-flusher-log";
        Log log = Log.open(directory.resolve("private-flusher-log"), smallConfig(FsyncPolicy.ALWAYS));
        appendRecords(log, 1, 10);
        assertThat(liveThread(threadName)).isTrue();

        log.close();

        assertThat(liveThread(threadName)).as("the private flusher's thread after close").isFalse();
    }

    private static boolean liveThread(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(thread -> thread.getName().equals(name) && thread.isAlive());
    }

    @Test
    void shouldReleaseTheDirectoryAndTheFlusherWhenAbandonedAfterASimulatedCrash() {
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        FileHandleCache cache = new FileHandleCache(8, fileSystem);
        LogFlusher flusher = LogFlusher.manual();
        java.util.concurrent.atomic.AtomicInteger syncs = new java.util.concurrent.atomic.AtomicInteger();
        flusher.observeSyncs(nanos -> syncs.incrementAndGet());
        Log log = Log.open(SIMULATED, smallConfig(FsyncPolicy.INTERVAL), flusher, cache);

        log.abandonAfterSimulatedCrash();
        flusher.doWork(System.nanoTime() + java.time.Duration.ofHours(1).toNanos());

        assertThat(syncs).as("syncs of the abandoned log").hasValue(0);
        try (Log reopened = Log.open(SIMULATED, smallConfig(FsyncPolicy.NEVER), null, cache)) {
            assertThat(reopened.logEndOffset()).isZero();
        }
    }

    @Test
    void shouldStopItsPrivateFlusherThreadWhenAbandonedAfterASimulatedCrash() {
        String threadName = "ferry-log-flusher-abandoned-private";
        Log log = Log.open(Path.of("/simulated/abandoned-private"), smallConfig(FsyncPolicy.ALWAYS), null,
                new FileHandleCache(8, new SimulatedFileSystem()));
        appendRecords(log, 1, 10);
        assertThat(liveThread(threadName)).isTrue();

        log.abandonAfterSimulatedCrash();

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(liveThread(threadName)).as("the abandoned log's private flusher thread").isFalse());
    }
}
