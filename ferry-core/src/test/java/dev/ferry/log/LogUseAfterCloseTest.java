package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A closed log refuses reads and timestamp searches even where the answer needs no file at all
 * (a read at the log end, a timestamp past every record): a caller holding a closed log learns it
 * at once rather than from an empty answer that looks like "nothing new".
 */
class LogUseAfterCloseTest {
    @TempDir
    Path directory;

    @Test
    void shouldRefuseAReadAtTheLogEndOnceClosed() {
        Log log = Log.open(directory.resolve("read-at-end"), smallConfig(FsyncPolicy.NEVER));
        appendRecords(log, 3, 10);
        long end = log.logEndOffset();
        log.close();

        assertThatThrownBy(() -> log.read(end, 1024)).isInstanceOf(LogClosedException.class);
        assertThatThrownBy(() -> log.read(end, 1024, end)).isInstanceOf(LogClosedException.class);
    }

    @Test
    void shouldRefuseATimestampSearchPastEveryRecordOnceClosed() {
        Log log = Log.open(directory.resolve("search-past-end"), smallConfig(FsyncPolicy.NEVER));
        appendRecords(log, 3, 10);
        log.close();

        assertThatThrownBy(() -> log.offsetForTimestamp(Long.MAX_VALUE)).isInstanceOf(LogClosedException.class);
    }
}
