package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.SimulatedFileSystem;

/**
 * The deduplication journal when its disk fails it: a full disk keeps the ids pending (one WARN a
 * run of failures) and flush says they are not durable; a failed fsync stops the journal, which
 * then drops what it is given instead of piling it up; a reopen that cannot make its take-backs
 * durable refuses to go on. And how exactly a write is cut into appends.
 */
class DeduplicationJournalFaultTest {
    private static final Path QUEUE = Path.of("/simulated/q");

    @TempDir
    Path directory;
    private final LogFlusher flusher = LogFlusher.manual();
    private final SimulatedFileSystem disk = new SimulatedFileSystem();
    private final List<DeduplicationJournal> open = new ArrayList<>();

    @AfterEach
    void close() {
        for (DeduplicationJournal journal : open) {
            try {
                journal.close();
            } catch (RuntimeException ignored) {
                // A test failed it on purpose.
            }
        }
        flusher.close();
    }

    private DeduplicationJournal openOnSimulatedDisk() {
        DeduplicationJournal journal = DeduplicationJournal.open(QUEUE, new LogConfig().segmentBytesMax(1 << 20), flusher,
                new FileHandleCache(FileHandleCache.CAPACITY_MIN, disk), "queue 'q'");
        open.add(journal);
        return journal;
    }

    @Test
    void shouldKeepIdsPendingWhileTheDiskIsFullAndWarnOnceARun() {
        DeduplicationJournal journal = openOnSimulatedDisk();
        journal.add("a", 1000, 0);
        assertThat(journal.flush()).isTrue();

        try (LogCapture warnings = new LogCapture(DeduplicationJournal.class)) {
            disk.limitSpace(disk.usedBytes());
            journal.add("b", 1001, 1);
            journal.write();
            journal.add("c", 1002, 2);
            assertThat(journal.flush()).as("b and c are not on disk").isFalse();
            assertThat(journal.hasPending()).isTrue();
            assertThat(warnings.lines(Level.WARN)).as("one WARN for the run of failed writes").hasSize(1);

            disk.unlimitSpace();
            assertThat(journal.flush()).isTrue();
            assertThat(journal.hasPending()).isFalse();
            assertThat(journal.endOffset()).isEqualTo(3);

            disk.limitSpace(disk.usedBytes());
            journal.add("d", 1003, 3);
            journal.write();
            assertThat(warnings.lines(Level.WARN)).as("a new run of failures warns again").hasSize(2);
        }
    }

    @Test
    void shouldDropWhatItIsGivenAfterAFailedFsyncInsteadOfPilingItUp() {
        DeduplicationJournal journal = openOnSimulatedDisk();
        journal.add("a", 1000, 0);
        disk.failForces(1);
        try {
            journal.flush();
        } catch (RuntimeException expected) {
            // the failed fsync itself
        }
        assertThat(journal.hasFailed()).isTrue();

        journal.add("b", 1001, 1);
        journal.write();

        assertThat(journal.hasPending()).as("nothing kept for a log that takes nothing").isFalse();
        assertThat(journal.flush()).as("nothing it was given is durable").isFalse();
    }

    @Test
    void shouldRefuseToOpenWhenTheTakeBacksOfARecoveryCannotBeMadeDurable() {
        DeduplicationJournal journal = openOnSimulatedDisk();
        journal.add("a", 1000, 0);
        journal.add("b", 1001, 5); // its message is beyond the end the queue's log has after the crash
        assertThat(journal.flush()).isTrue();
        open.remove(journal);
        journal.close();

        DeduplicationJournal reopened = openOnSimulatedDisk();
        disk.limitSpace(disk.usedBytes()); // the take-back of b cannot be written

        assertThatThrownBy(() -> reopened.recover(3)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("could not be fsynced");
    }

    @Test
    void shouldCutAWriteIntoAppendsOfExactlyHalfTheBatchLimit() throws IOException {
        // An id of 58 bytes counts 32 + 58 + 10 = 100 bytes; the batch limit is the segment size,
        // 2,000 bytes, so each append takes exactly 10 ids.
        DeduplicationJournal journal = DeduplicationJournal.open(directory, new LogConfig().segmentBytesMax(2000),
                flusher, FileHandleCache.processDefault(), "queue 'q'");
        open.add(journal);
        for (int i = 0; i < 20; i++) {
            journal.add(String.format("%058d", i), 1000 + i, i);
        }
        assertThat(journal.flush()).isTrue();

        assertThat(recordsPerBatch(directory.resolve(DeduplicationJournal.DIRECTORY))).containsExactly(10L, 10L);
    }

    private static List<Long> recordsPerBatch(Path journalDirectory) throws IOException {
        List<Long> counts = new ArrayList<>();
        try (Stream<Path> files = Files.list(journalDirectory)) {
            for (Path segment : files.filter(file -> file.toString().endsWith(".log")).sorted().toList()) {
                try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                    for (FileChannelRecordBatch batch : records.batches()) {
                        counts.add(batch.lastOffset() - batch.baseOffset() + 1);
                    }
                }
            }
        }
        return counts;
    }
}
