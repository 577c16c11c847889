package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.recordsFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The writer, the flusher and the cleaner are different threads: whatever one of them did under
 * the log's locks (failing the log, closing it), the others must still get the locks afterwards.
 * Each test does the first part on a thread of its own, then the second on the test's thread,
 * under a timeout rather than a hang.
 */
class LogLockReleaseTest {
    private static final Path LOG_DIRECTORY = Path.of("/simulated/locks");
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final FileHandleCache cache = new FileHandleCache(8, fileSystem);
    private final LogFlusher flusher = LogFlusher.manual();
    private Log log;

    @AfterEach
    void releaseDirectory() {
        if (log != null && !log.isClosed()) {
            log.abandonAfterSimulatedCrash();
        }
    }

    private static LogConfig config() {
        return LogTestSupport.tinyConfig(FsyncPolicy.ALWAYS);
    }

    @Test
    void shouldLetTheWriterCloseTheLogAfterAnFsyncFailedOnTheFlushersThread() {
        log = Log.open(LOG_DIRECTORY, config(), flusher, cache);
        CompletableFuture<AppendResult> append = log.append(recordsFor(0, 3, 100));
        fileSystem.failForces(1);

        CompletableFuture.runAsync(() -> flusher.doWork(0)).join();

        assertThat(append).isCompletedExceptionally();
        assertThat(log.hasFailed()).isTrue();
        assertTimeoutPreemptively(PATIENCE, log::close, "close after the flusher's thread failed the log");
        assertThat(log.isClosed()).isTrue();
    }

    @Test
    void shouldLetTheCleanerAskToSwapASegmentInAfterTheLogWasClosedOnAnotherThread() {
        log = Log.open(LOG_DIRECTORY, config().fsyncPolicy(FsyncPolicy.NEVER), null, cache);
        log.append(recordsFor(0, 3, 100));
        log.rollActiveSegment();
        log.append(recordsFor(3, 1, 100));
        LogSegment sealed = log.sealedSegments().get(0);

        CompletableFuture.runAsync(log::close).join();

        assertThat(assertTimeoutPreemptively(PATIENCE, () -> log.swapInCleaned(sealed, List.of(), () -> { }),
                "a swap asked for after the writer's thread closed the log")).isFalse();
    }
}
