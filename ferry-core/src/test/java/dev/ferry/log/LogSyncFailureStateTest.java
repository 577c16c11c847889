package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.recordsFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * After a sync failed, the flusher's hand on the log: the failed sync reports the failure to
 * its caller, and a later request starts no sync of what was written after the failed one began
 * (those appends already failed; the log refuses to call anything durable until reopened).
 */
class LogSyncFailureStateTest {
    private static final Path LOG_DIRECTORY = Path.of("/simulated/sync-failure");

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final FileHandleCache cache = new FileHandleCache(8, fileSystem);
    private final LogFlusher flusher = LogFlusher.manual();
    private Log log;

    @AfterEach
    void closeLog() {
        if (log != null && !log.isClosed()) {
            log.close();
        }
    }

    private static LogConfig config() {
        return LogTestSupport.tinyConfig(FsyncPolicy.ALWAYS);
    }

    @Test
    void shouldReportAFailedSyncAndStartNoSyncOnceTheLogHasFailed() {
        log = Log.open(LOG_DIRECTORY, config(), flusher, cache);
        CompletableFuture<AppendResult> first = log.append(recordsFor(0, 3, 100));
        Log.Sync coveringFirst = log.startRequestedSync();
        CompletableFuture<AppendResult> second = log.append(recordsFor(3, 2, 100));
        fileSystem.failForces(1);
        long forcesBefore = fileSystem.forces();

        LogStorageException reported = log.runSync(coveringFirst, true);

        assertThat(reported).as("the failure the sync reports").isNotNull().hasMessageContaining("fsync");
        assertThat(log.hasFailed()).isTrue();
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isCompletedExceptionally();
        Log.Sync afterFailure = log.startRequestedSync();
        if (afterFailure != null) {
            log.runSync(afterFailure, true); // ended, so that close does not wait for it
        }
        assertThat(afterFailure).as("a sync requested after the failure, with appends written since the failed one began")
                .isNull();
        assertThat(flusher.doWork(0)).isNotNegative();
        assertThat(fileSystem.forces()).as("fsyncs after the failure").isEqualTo(forcesBefore);
        assertThat(log.durableEndOffset()).isZero();
    }

    @Test
    void shouldReportNoFailureFromASyncThatEndedWell() {
        log = Log.open(LOG_DIRECTORY, config(), flusher, cache);
        CompletableFuture<AppendResult> first = log.append(recordsFor(0, 3, 100));
        Log.Sync sync = log.startRequestedSync();

        assertThat(log.runSync(sync, true)).isNull();

        assertThat(first).isCompletedWithValue(new AppendResult(0, 2));
        assertThat(log.durableEndOffset()).isEqualTo(3);
    }
}
