package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.recordsFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A write that fills the disk part way through its batch: the bytes it got onto the file are cut
 * off again, on the file and not only in the log's count, and the segment's seal makes that cut
 * durable even though no record was written since the last fsync, so a power cut after the seal
 * never brings the torn batch back. If the cut fails too, the log fails (as after a failed fsync)
 * and the reopen cuts the torn batch.
 */
class LogFailedWriteTest {
    private static final Path LOG_DIRECTORY = Path.of("/simulated/failed-write");
    private static final Path FIRST_SEGMENT = LogSegment.logFile(LOG_DIRECTORY, 0);
    private static final int VALUE_BYTES = 100;

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final FileHandleCache cache = new FileHandleCache(8, fileSystem);
    private Log log;

    @AfterEach
    void closeLog() {
        if (log != null && !log.isClosed()) {
            log.close();
        }
    }

    private static LogConfig config() {
        return LogTestSupport.tinyConfig(FsyncPolicy.NEVER);
    }

    /** Appends 3 records, fsyncs them, then fails an append of 3 more that gets 200 bytes onto the file. */
    private int writeThenFailAWritePartWay() {
        log = Log.open(LOG_DIRECTORY, config(), null, cache);
        log.append(recordsFor(0, 3, VALUE_BYTES));
        log.flush();
        int bytesBefore = log.activeSegmentSizeInBytes();
        fileSystem.limitSpace(fileSystem.usedBytes() + 200);
        assertThatThrownBy(() -> log.append(recordsFor(3, 3, VALUE_BYTES))).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("nothing of it was kept");
        fileSystem.unlimitSpace();
        return bytesBefore;
    }

    @Test
    void shouldCutThePartOfAFailedWriteThatReachedTheFileOffTheFile() throws IOException {
        int bytesBefore = writeThenFailAWritePartWay();

        assertThat(fileSystem.content(FIRST_SEGMENT)).as("the segment file after the failed write").hasSize(bytesBefore);
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(log.hasFailed()).isFalse();
    }

    @Test
    void shouldMakeTheCutDurableWhenSealingTheSegmentThoughNothingWasWrittenSinceTheLastFsync() throws IOException {
        int bytesBefore = writeThenFailAWritePartWay();

        assertThat(log.rollActiveSegment()).isTrue();

        for (int seed = 0; seed < 32; seed++) {
            SimulatedFileSystem afterCrash = fileSystem.crash(new SplittableRandom(seed));
            assertThat(afterCrash.content(FIRST_SEGMENT)).as("the sealed segment after a power cut, seed %d", seed)
                    .hasSize(bytesBefore);
        }
        log.abandonAfterSimulatedCrash();
        SimulatedFileSystem afterCrash = fileSystem.crash(new SplittableRandom(1));
        try (Log reopened = Log.open(LOG_DIRECTORY, config(), null, new FileHandleCache(8, afterCrash))) {
            assertThat(reopened.damage()).isEmpty();
            assertThat(readAll(reopened, 100_000)).extracting(Record::offset)
                    .containsExactlyElementsOf(LongStream.range(0, 3).boxed().toList());
        }
    }

    @Test
    void shouldFailTheLogWhenTheFailedWriteCannotBeCutOffEither() {
        log = Log.open(LOG_DIRECTORY, config(), null, cache);
        log.append(recordsFor(0, 3, VALUE_BYTES));
        log.flush();
        fileSystem.limitSpace(fileSystem.usedBytes() + 200);
        fileSystem.failTruncates(1);

        assertThatThrownBy(() -> log.append(recordsFor(3, 3, VALUE_BYTES))).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("cutting the file back").satisfies(thrown -> {
                    Throwable writeFailure = thrown.getCause();
                    assertThat(writeFailure).hasMessageContaining("No space left on device");
                    assertThat(writeFailure.getSuppressed()).as("the failed cut, kept with the failed write")
                            .singleElement().satisfies(cut -> assertThat(cut).hasMessageContaining("truncate"));
                });

        fileSystem.unlimitSpace();
        assertThat(log.hasFailed()).isTrue();
        assertThatThrownBy(() -> log.append(recordsFor(3, 1, VALUE_BYTES))).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("refusing appends");
        log.close();
        log = Log.open(LOG_DIRECTORY, config(), null, cache);
        assertThat(log.logEndOffset()).as("the torn batch, cut at the reopen").isEqualTo(3);
        assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(0L, 1L, 2L);
    }
}
