package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.recordsFor;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The lines an operator reads about a log's life: the open names the damaged regions it set
 * aside (and says nothing of damage when there is none), and a log closed twice reports one close.
 */
class LogLifecycleLinesTest {
    private static final Path LOG_DIRECTORY = Path.of("/simulated/lines");

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final FileHandleCache cache = new FileHandleCache(8, fileSystem);
    private ListAppender<ILoggingEvent> lines;

    @BeforeEach
    void captureLogLines() {
        lines = new ListAppender<>();
        lines.start();
        ((Logger) LoggerFactory.getLogger(Log.class)).addAppender(lines);
    }

    @AfterEach
    void releaseLogLines() {
        ((Logger) LoggerFactory.getLogger(Log.class)).detachAppender(lines);
    }

    private static LogConfig config() {
        return LogTestSupport.tinyConfig(FsyncPolicy.NEVER);
    }

    private List<String> linesStartingWith(String start) {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).filter(line -> line.startsWith(start)).toList();
    }

    @Test
    void shouldSayHowManyDamagedRegionsAnOpenSetAsideAndNothingOfDamageWithoutAny() throws IOException {
        try (Log log = Log.open(LOG_DIRECTORY, config(), null, cache)) {
            for (int batch = 0; batch < 3; batch++) {
                log.append(recordsFor(log.logEndOffset(), 2, 100));
            }
            log.flush();
        }
        assertThat(linesStartingWith("Opened log")).singleElement().asString().doesNotContain("damaged");
        // A bit of the first batch's records flips on the medium: its CRC fails at the next open.
        fileSystem.flipBit(LogSegment.logFile(LOG_DIRECTORY, 0), 100, 3);

        try (Log log = Log.open(LOG_DIRECTORY, config(), null, cache)) {
            assertThat(log.damage()).hasSize(1);
        }

        assertThat(linesStartingWith("Opened log")).hasSize(2).last().asString()
                .endsWith("; 1 damaged regions set aside (1 found now)");
    }

    @Test
    void shouldReportOneCloseForALogClosedTwice() {
        Log log = Log.open(LOG_DIRECTORY, config(), null, cache);
        log.append(recordsFor(0, 2, 100));

        log.close();
        log.close();

        assertThat(linesStartingWith("Closed log")).containsExactly("Closed log 'lines' at offsets [0, 2)");
    }
}
