package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;

/**
 * The deduplication journal on its own, on real files: what a reopened journal reads back for a
 * given end of the queue's log, the ids it takes back, the records it skips, and how it cuts and
 * deletes its log.
 */
class DeduplicationJournalTest {
    @TempDir
    Path directory;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private final List<DeduplicationJournal> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(DeduplicationJournal::close);
        flusher.close();
    }

    private DeduplicationJournal openJournal(int segmentBytes) {
        DeduplicationJournal journal = DeduplicationJournal.open(directory, new LogConfig().segmentBytesMax(segmentBytes),
                flusher, FileHandleCache.processDefault(), "queue 'q'");
        open.add(journal);
        return journal;
    }

    private DeduplicationJournal reopen(DeduplicationJournal journal, int segmentBytes) {
        open.remove(journal);
        journal.close();
        return openJournal(segmentBytes);
    }

    @Test
    void readsBackTheIdsWhoseMessagesTheQueueLogStillHolds() {
        DeduplicationJournal journal = openJournal(1024 * 1024);
        assertThat(journal.add("a", 1000, 0)).isZero();
        assertThat(journal.add("b", 1001, 1)).as("offsets count what is still pending").isEqualTo(1);
        journal.add("c", 1002, 5);
        assertThat(journal.hasPending()).isTrue();
        assertThat(journal.flush()).isTrue();
        assertThat(journal.hasPending()).isFalse();
        assertThat(journal.endOffset()).isEqualTo(3);
        assertThat(journal.durableEndOffset()).isEqualTo(3);
        journal.forget("b", 1);
        journal.add("a", 1003, 6); // admitted again after its message left
        journal.forget("z", 4);
        journal.forget("y", 99); // beyond the queue log's end: not a forgotten offset
        journal.forget("x", -1);
        journal.forget("w", 0); // the first offset is one
        journal.forget("v", 7); // the queue log's end is not
        assertThat(journal.flush()).isTrue();

        DeduplicationJournal reopened = reopen(journal, 1024 * 1024);
        DeduplicationJournal.Recovered recovered;
        try (LogCapture log = new LogCapture(DeduplicationJournal.class)) {
            recovered = reopened.recover(7);
            assertThat(log.lines(Level.ERROR)).as("nothing was unreadable").isEmpty();
            assertThat(log.lines(Level.WARN)).as("nothing was taken back").isEmpty();
        }
        assertThat(recovered.entries()).containsExactly(new DeduplicationJournal.Entry("c", 1002, 2),
                new DeduplicationJournal.Entry("a", 1003, 4));
        assertThat(recovered.lastMessageOffset()).isEqualTo(6);
        assertThat(recovered.forgottenMessageOffsets()).containsExactlyInAnyOrder(0L, 1L, 4L);
    }

    @Test
    void theLastMessageOffsetCountsForgottenOffsetsToo() {
        DeduplicationJournal journal = openJournal(1024 * 1024);
        assertThat(journal.recover(0).lastMessageOffset()).as("an empty journal").isEqualTo(-1);
        journal.add("a", 1, 2);
        journal.forget("a", 3);
        journal.flush();
        DeduplicationJournal.Recovered recovered = reopen(journal, 1024 * 1024).recover(4);
        assertThat(recovered.entries()).isEmpty();
        assertThat(recovered.lastMessageOffset()).isEqualTo(3);
        assertThat(recovered.forgottenMessageOffsets()).containsExactly(3L);
    }

    @Test
    void anIdWhoseMessageACrashTookBackIsForgottenDurably() {
        DeduplicationJournal journal = openJournal(1024 * 1024);
        journal.add("kept", 1, 9);
        journal.add("lost", 2, 10); // the queue's log ends at 10 after the crash
        journal.add("lost too", 3, 11);
        journal.flush();

        journal = reopen(journal, 1024 * 1024);
        DeduplicationJournal.Recovered recovered = journal.recover(10);
        assertThat(recovered.entries()).extracting(DeduplicationJournal.Entry::id).containsExactly("kept");
        assertThat(recovered.lastMessageOffset()).isEqualTo(9);
        assertThat(journal.hasPending()).isFalse();
        assertThat(journal.durableEndOffset()).as("the take-backs are fsynced before the queue runs").isEqualTo(5);

        // The queue's log grows past 11 again with other messages: the ids stay forgotten.
        DeduplicationJournal.Recovered later = reopen(journal, 1024 * 1024).recover(20);
        assertThat(later.entries()).extracting(DeduplicationJournal.Entry::id).containsExactly("kept");
        assertThat(later.forgottenMessageOffsets()).as("an unknown offset is not a forgotten message").isEmpty();
    }

    @Test
    void skipsRecordsThatAreNotJournalRecords() {
        DeduplicationJournal journal = openJournal(1024 * 1024);
        journal.add("a", 1, 0);
        journal.flush();
        open.remove(journal);
        journal.close();
        try (Log log = Log.open(directory.resolve(DeduplicationJournal.DIRECTORY), new LogConfig(), flusher)) {
            byte[] key = "b".getBytes(StandardCharsets.UTF_8);
            byte[] good = ByteBuffer.allocate(10).put((byte) 1).put((byte) 1).putLong(1).array();
            byte[] otherVersion = good.clone();
            otherVersion[0] = 2;
            log.append(List.of(
                    new SimpleRecord(1, null, good), // no key
                    new SimpleRecord(1, key, null), // no value
                    new SimpleRecord(1, key, new byte[9]), // too short
                    new SimpleRecord(1, key, new byte[11]), // too long
                    new SimpleRecord(1, key, otherVersion))).join();
            log.flush();
        }
        DeduplicationJournal.Recovered recovered;
        try (LogCapture log = new LogCapture(DeduplicationJournal.class)) {
            recovered = openJournal(1024 * 1024).recover(10);
            assertThat(log.lines(Level.ERROR)).containsExactly(
                    "queue 'q': 5 records of its deduplication journal do not decode; skipped");
        }
        assertThat(recovered.entries()).extracting(DeduplicationJournal.Entry::id).containsExactly("a");
        assertThat(recovered.lastMessageOffset()).isZero();
    }

    @Test
    void cutsALargeWriteIntoAppendsOfHalfItsBatchLimit() {
        // 1 KiB segments: batches of at most 1 KiB, appends of about 512 bytes (a dozen ids of 8 bytes).
        DeduplicationJournal journal = openJournal(1024);
        for (int i = 0; i < 100; i++) {
            journal.add(String.format("id-%05d", i), i, i);
        }
        journal.write();
        assertThat(journal.hasPending()).isFalse();
        assertThat(journal.endOffset()).isEqualTo(100);
        assertThat(journal.flush()).isTrue();
        DeduplicationJournal.Recovered recovered = reopen(journal, 1024).recover(100);
        assertThat(recovered.entries()).hasSize(100);
        assertThat(recovered.entries().get(99)).isEqualTo(new DeduplicationJournal.Entry("id-00099", 99, 99));
    }

    @Test
    void deletesWholeSegmentsBelowAnOffsetButNeverTheLastRecord() {
        DeduplicationJournal journal = openJournal(1024);
        for (int i = 0; i < 100; i++) {
            journal.add(String.format("id-%05d", i), i, i);
            journal.write(); // one batch each: many segments
        }
        journal.flush();
        journal.deleteBelow(50);
        journal.deleteBelow(40); // lower than before: nothing more
        DeduplicationJournal.Recovered afterFifty = reopen(journal, 1024).recover(100);
        // Eleven one-record batches fill a 1 KiB segment: the four segments wholly below 50 go.
        assertThat(afterFifty.entries().get(0).journalOffset()).isEqualTo(44);
        assertThat(afterFifty.entries()).hasSize(56);

        DeduplicationJournal reopened = open.get(0);
        reopened.deleteBelow(Long.MAX_VALUE); // everything left the window
        DeduplicationJournal.Recovered afterAll = reopen(reopened, 1024).recover(100);
        assertThat(afterAll.entries()).as("the segment holding the last record stays")
                .extracting(DeduplicationJournal.Entry::id).containsExactly("id-00099");
    }

    @Test
    void flushingWithNothingWrittenIsTrueAndFsyncsNothing() {
        DeduplicationJournal journal = openJournal(1024 * 1024);
        assertThat(journal.flush()).isTrue();
        journal.write();
        assertThat(journal.hasFailed()).isFalse();
        assertThat(journal.endOffset()).isZero();
    }
}
