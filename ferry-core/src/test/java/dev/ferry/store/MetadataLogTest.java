package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.log.LogFlusher;
import dev.ferry.route.Binding;
import dev.ferry.route.Destination;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.route.ExchangeType;

class MetadataLogTest {
    @TempDir
    Path dataDir;
    private final LogFlusher flusher = new LogFlusher("test-flusher");

    @AfterEach
    void stopFlusher() {
        flusher.close();
    }

    private static final ExchangeSettings EVENTS = new ExchangeSettings("events", ExchangeType.TOPIC, true, false,
            false, Map.of("alternate-exchange", "unrouted"));
    private static final ExchangeSettings OTHER = new ExchangeSettings("other", ExchangeType.FANOUT, true, false,
            false, Map.of());

    private static Map<String, Object> queueArguments() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("x-message-ttl", 60_000);
        arguments.put("x-dead-letter-exchange", "dlx");
        arguments.put("x-retry-delays", List.of(100L, 200L));
        return arguments;
    }

    private Path directory() {
        return dataDir.resolve("metadata");
    }

    private Path segment() {
        return directory().resolve("00000000000000000000.log");
    }

    private static void append(MetadataLog log, MetadataRecord record) {
        log.writer().append(MetadataRecordCodec.encodeBatch(record)).join();
    }

    /** Appends an intact record of a kind this Ferry does not know (kind 99). */
    private static void appendUnknownKind(MetadataLog log) {
        byte[] unknownKind = {MetadataRecordCodec.FORMAT_VERSION, 99, 0, 0, 0, 1, '/'};
        log.writer().append(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(unknownKind)).buffer()).join();
    }

    private static MetadataRecord.QueueDeclared queue(String name) {
        return new MetadataRecord.QueueDeclared("/", name, false, Map.of());
    }

    /** Writes queue declarations q0..q(count-1), one change at a time, and closes the log. */
    private void writeQueues(int count) {
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            for (int i = 0; i < count; i++) {
                append(log, queue("q" + i));
            }
        }
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] bytes = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + bytes.length <= haystack.length; i++) {
            for (int j = 0; j < bytes.length; j++) {
                if (haystack[i + j] != bytes[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(needle + " not found");
    }

    private List<Path> damagedCopies() throws IOException {
        try (Stream<Path> entries = Files.list(dataDir)) {
            return entries.filter(path -> path.getFileName().toString().startsWith("metadata.damaged-")).toList();
        }
    }

    @Test
    void replayFoldsDeletionsWithTheirCascades() {
        Binding toQueue = new Binding("events", Destination.queue("orders"), "order.#");
        Binding toOther = new Binding("events", Destination.exchange("other"), "#");
        Binding otherToQueue = new Binding("other", Destination.queue("orders"), "");
        MetadataReplay replay = new MetadataReplay();
        replay.apply(new MetadataRecord.ExchangeDeclared("/", EVENTS));
        replay.apply(new MetadataRecord.ExchangeDeclared("/", OTHER));
        replay.apply(new MetadataRecord.QueueDeclared("/", "orders", false, queueArguments()));
        replay.apply(new MetadataRecord.QueueDeclared("/", "gone", false, Map.of()));
        replay.apply(new MetadataRecord.BindingAdded("/", toQueue));
        replay.apply(new MetadataRecord.BindingAdded("/", toOther));
        replay.apply(new MetadataRecord.BindingAdded("/", otherToQueue));
        replay.apply(new MetadataRecord.BindingAdded("/", new Binding("events", Destination.queue("gone"), "x")));
        replay.apply(new MetadataRecord.QueueDeleted("/", "gone"));
        replay.apply(new MetadataRecord.ExchangeDeleted("/", "other"));
        replay.apply(new MetadataRecord.BindingRemoved("/", toQueue));
        replay.apply(new MetadataRecord.BindingAdded("/", toQueue));
        // Same names in another virtual host are other things.
        replay.apply(new MetadataRecord.ExchangeDeclared("v2", EVENTS));
        assertThat(replay.live()).containsExactly(
                new MetadataRecord.ExchangeDeclared("/", EVENTS),
                new MetadataRecord.ExchangeDeclared("v2", EVENTS),
                new MetadataRecord.QueueDeclared("/", "orders", false, queueArguments()),
                new MetadataRecord.BindingAdded("/", toQueue));
    }

    @Test
    void recordsSurviveReopeningAndCompactionKeepsOnlyWhatStands() throws Exception {
        Binding headersBinding = new Binding("events", Destination.queue("orders"), "",
                new LinkedHashMap<>(Map.of("x-match", "any", "present", Binding.VoidValue.INSTANCE)));
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).isEmpty();
            append(log, new MetadataRecord.ExchangeDeclared("/", EVENTS));
            append(log, new MetadataRecord.QueueDeclared("/", "orders", true, queueArguments()));
            append(log, new MetadataRecord.BindingAdded("/", headersBinding));
            for (int i = 0; i < 50; i++) {
                append(log, new MetadataRecord.QueueDeclared("/", "temp" + i, false, Map.of()));
                append(log, new MetadataRecord.QueueDeleted("/", "temp" + i));
            }
        }
        List<MetadataRecord> expected = List.of(
                new MetadataRecord.ExchangeDeclared("/", EVENTS),
                new MetadataRecord.QueueDeclared("/", "orders", true, queueArguments()),
                new MetadataRecord.BindingAdded("/", headersBinding));
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).isEqualTo(expected);
            log.compact(log.recovered());
        }
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).isEqualTo(expected);
        }
        assertThat(Files.exists(dataDir.resolve("metadata.old"))).isFalse();
        assertThat(Files.exists(dataDir.resolve("metadata.new"))).isFalse();
    }

    @Test
    void shouldGiveEveryRecordABatchOfItsOwnAlsoWhenCompacting() throws Exception {
        writeQueues(310);
        List<MetadataRecord> standing;
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            standing = log.recovered().subList(10, 310);
            log.compact(standing);
        }
        try (FileRecords records = FileRecords.open(segment().toFile())) {
            List<Integer> recordsPerBatch = new ArrayList<>();
            for (RecordBatch batch : records.batches()) {
                recordsPerBatch.add(batch.countOrNull());
            }
            assertThat(recordsPerBatch).hasSize(300).containsOnly(1);
        }
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).isEqualTo(standing);
        }
    }

    @Test
    void aCompactionOfMoreThanOneWriteCanTakeIsSplitIntoSeveralWrites() throws Exception {
        // Nine 2 MiB declarations stand: 18 MiB, more than the 16 MiB one append of the log takes.
        String large = "v".repeat(2 * 1024 * 1024);
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            for (int i = 0; i < 10; i++) {
                append(log, new MetadataRecord.QueueDeclared("/", "big" + i, false, Map.of("x-note", large)));
            }
        }
        List<MetadataRecord> standing;
        try (LogCapture info = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            standing = log.recovered().subList(1, 10);
            log.compact(standing);
            assertThat(info.lines(Level.INFO)).contains("Metadata compacted: 10 records became 9");
        }
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).isEqualTo(standing);
        }
    }

    @Test
    void aLogHoldingOnlyWhatStandsIsNotRewrittenAndOneHoldingMoreIs() throws Exception {
        writeQueues(3);
        byte[] before = Files.readAllBytes(segment());
        try (LogCapture info = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            log.compact(log.recovered());
            assertThat(info.lines(Level.INFO)).noneMatch(line -> line.startsWith("Metadata compacted"));
        }
        assertThat(Files.readAllBytes(segment())).as("the same file, not a rewritten one").isEqualTo(before);

        try (LogCapture info = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            log.compact(log.recovered().subList(1, 3)); // q0 was deleted meanwhile
            assertThat(info.lines(Level.INFO)).contains("Metadata compacted: 3 records became 2");
            assertThat(dataDir.resolve("metadata.old")).as("the old log goes at once").doesNotExist();
        }
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("q1"), queue("q2"));
        }
    }

    @Test
    void aLogThatStartsPastOffsetZeroAndHoldsOnlyWhatStandsIsNotRewritten() throws Exception {
        // Its first segment starts at offset 5 (what came before was rolled away): the count of
        // records is its end less its start.
        Files.createDirectories(directory());
        Path fifth = directory().resolve("00000000000000000005.log");
        Files.write(fifth, rawBatches(5, 3));
        try (LogCapture info = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("q5"), queue("q6"), queue("q7"));
            log.compact(log.recovered());
            assertThat(info.lines(Level.INFO)).noneMatch(line -> line.startsWith("Metadata compacted"));
        }
        assertThat(fifth).as("the same file, not a rewritten one from offset 0").exists();
        assertThat(segment()).doesNotExist();
    }

    @Test
    void aCompactionStartsItsNewLogFromNothingWhateverIsLeftWhereItIsWritten() throws Exception {
        writeQueues(3);
        Path other = dataDir.resolve("other");
        try (MetadataLog log = MetadataLog.open(other, flusher)) {
            append(log, queue("stale"));
        }
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            // A metadata.new that appeared after open tidied up, holding a record of its own.
            Path fresh = dataDir.resolve("metadata.new");
            Files.createDirectories(fresh);
            Files.copy(other.resolve("00000000000000000000.log"), fresh.resolve("00000000000000000000.log"));
            log.compact(log.recovered().subList(1, 3));
        }
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("q1"), queue("q2"));
        }
    }

    @Test
    void closingStopsTheWritersThread() {
        Set<Thread> before = writerThreads();
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            append(log, queue("q0"));
            assertThat(writerThreads()).hasSizeGreaterThan(before.size());
        }
        assertThat(writerThreads()).as("no writer thread of this log left").isSubsetOf(before);
    }

    private static Set<Thread> writerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("ferry-metadata") && thread.isAlive())
                .collect(Collectors.toSet());
    }

    @Test
    void compactionComesBeforeAnyWrite() {
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            append(log, queue("q0"));
            assertThatThrownBy(() -> log.compact(List.of())).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void leftoversOfACompactionThatCompletedItsRenamesAreRemoved() throws Exception {
        writeQueues(1);
        Files.createDirectories(dataDir.resolve("metadata.old"));
        Files.writeString(dataDir.resolve("metadata.old").resolve("00000000000000000000.log"), "stale");
        Files.createDirectories(dataDir.resolve("metadata.new"));
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("q0"));
        }
        assertThat(dataDir.resolve("metadata.old")).doesNotExist();
        assertThat(dataDir.resolve("metadata.new")).doesNotExist();
    }

    @Test
    void aCompactionThatFailsLeavesTheLogOpenAndWritableWhereItWas() throws Exception {
        writeQueues(3);
        // Something in the way of "metadata -> metadata.old" (it appeared after open tidied up):
        // the rename fails after the live log was closed for it.
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            Path old = dataDir.resolve("metadata.old");
            Files.createDirectories(old);
            Files.writeString(old.resolve("in-the-way"), "x");
            assertThatThrownBy(() -> log.compact(log.recovered().subList(1, 3)))
                    .isInstanceOf(UncheckedIOException.class);
            append(log, queue("q3"));
        }
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("q0"), queue("q1"), queue("q2"), queue("q3"));
        }
    }

    @Test
    void aCompactionInterruptedBetweenItsRenamesIsRolledBack() throws Exception {
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            append(log, new MetadataRecord.ExchangeDeclared("/", EVENTS));
        }
        // As if the broker died after "metadata -> metadata.old", before "metadata.new -> metadata".
        Files.move(directory(), dataDir.resolve("metadata.old"));
        Files.createDirectories(dataDir.resolve("metadata.new"));
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(new MetadataRecord.ExchangeDeclared("/", EVENTS));
        }
    }

    @Test
    void shouldKeepACopyOfADamagedLogAndNameTheDamagedRecordInAnError() throws Exception {
        writeQueues(10);
        byte[] original = Files.readAllBytes(segment());
        byte[] damaged = original.clone();
        damaged[indexOf(damaged, "q7")] ^= 0x20;
        Files.write(segment(), damaged);

        try (LogCapture errors = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            // Whatever the log's recovery makes of the rest, the records before the damage stand.
            assertThat(log.recovered()).startsWith(queue("q0"), queue("q1"), queue("q2"), queue("q3"), queue("q4"),
                    queue("q5"), queue("q6"));
            assertThat(log.recovered()).doesNotContain(queue("q7"));
            assertThat(errors.lines(Level.ERROR)).anySatisfy(line -> assertThat(line)
                    .contains("00000000000000000000.log").contains("from offset 7").contains("skipped"));
            assertThat(errors.lines(Level.ERROR)).anySatisfy(line -> assertThat(line)
                    .contains("a copy of it as found is kept in").contains("metadata.damaged-1"));
            log.compact(log.recovered());
        }
        assertThat(damagedCopies()).containsExactly(dataDir.resolve("metadata.damaged-1"));
        assertThat(Files.readAllBytes(dataDir.resolve("metadata.damaged-1").resolve("00000000000000000000.log")))
                .as("the copy is the log as found, damage included").isEqualTo(damaged);
        try (LogCapture errors = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(errors.lines(Level.ERROR)).as("the compacted log is clean again").isEmpty();
            assertThat(log.recovered()).doesNotContain(queue("q7")).contains(queue("q6"));
        }
    }

    @Test
    void shouldSkipARecordThatIsIntactButDoesNotDecode() throws Exception {
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            append(log, queue("before"));
            appendUnknownKind(log);
            byte[] badField = {MetadataRecordCodec.FORMAT_VERSION, 3, 0, 0, 0, 1, '/', 0x7f, 0, 0, 0};
            log.writer().append(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(badField)).buffer()).join();
            append(log, queue("after"));
        }
        try (LogCapture errors = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("before"), queue("after"));
            assertThat(errors.lines(Level.ERROR)).filteredOn(line -> line.contains("does not decode"))
                    .hasSize(2)
                    .anySatisfy(line -> assertThat(line).contains("offset 1").contains("unknown metadata record kind 99"))
                    .anySatisfy(line -> assertThat(line).contains("offset 2"));
        }
        assertThat(damagedCopies()).as("a record this Ferry cannot read is kept, not compacted away").hasSize(1);
    }

    @Test
    void shouldRefuseToOpenALogWhoseIntactRecordsNoneDecodes() throws Exception {
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            appendUnknownKind(log);
        }
        assertThatThrownBy(() -> MetadataLog.open(directory(), flusher))
                .isInstanceOf(MetadataUnreadableException.class)
                .hasMessageContaining("1 intact records in the files, none of which came back from the log or decoded");
        assertThat(damagedCopies()).as("kept as found").hasSize(1);
        // The refusal closed the log: the next attempt finds the same problem, not a locked log.
        assertThatThrownBy(() -> MetadataLog.open(directory(), flusher))
                .isInstanceOf(MetadataUnreadableException.class)
                .hasMessageContaining("none of which came back from the log or decoded");
    }

    @Test
    void aDamagedLogOfWhichNoIntactRecordDecodesIsRefusedNamingTheOneCopyKept() throws Exception {
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            append(log, queue("q0"));
            appendUnknownKind(log);
        }
        byte[] damaged = Files.readAllBytes(segment());
        damaged[indexOf(damaged, "q0")] ^= 0x20;
        Files.write(segment(), damaged);

        assertThatThrownBy(() -> MetadataLog.open(directory(), flusher))
                .isInstanceOf(MetadataUnreadableException.class)
                .hasMessageContaining("none of which came back from the log or decoded")
                .hasMessageContaining("kept in " + dataDir.resolve("metadata.damaged-1"));
        assertThat(damagedCopies()).as("the copy made before the log was opened, no second one")
                .containsExactly(dataDir.resolve("metadata.damaged-1"));
    }

    @Test
    void aBatchWhoseChecksumHoldsButWhoseRecordsDoNotDecodeIsSkippedAndTheReplayGoesOnAfterIt() throws Exception {
        writeQueues(3);
        // The second batch (q1): its one record claims -1 headers under a CRC that matches.
        damageSecondBatchsLastRecordUnderAValidCrc();

        try (LogCapture errors = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("q0"), queue("q2"));
            assertThat(errors.lines(Level.ERROR)).anySatisfy(line -> assertThat(line)
                    .contains("offsets 1..1 in 00000000000000000000.log are damaged and skipped"));
            assertThat(damagedCopies()).hasSize(1);
            log.compact(log.recovered());
        }
        try (LogCapture errors = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(errors.lines(Level.ERROR)).as("the compacted log is clean again").isEmpty();
            assertThat(log.recovered()).containsExactly(queue("q0"), queue("q2"));
        }
    }

    @Test
    void aDamagedBatchOfSeveralRecordsIsSkippedAsAWholeAndTheReplayGoesOnAfterIt() throws Exception {
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            append(log, queue("q0"));
            SimpleRecord[] three = Stream.of("q1", "q2", "q3").map(name -> new SimpleRecord(valueOf(queue(name))))
                    .toArray(SimpleRecord[]::new);
            log.writer().append(MemoryRecords.withRecords(Compression.NONE, three).buffer()).join();
            append(log, queue("q4"));
        }
        // The second batch (offsets 1..3): its last record claims -1 headers under a CRC that matches.
        damageSecondBatchsLastRecordUnderAValidCrc();

        try (LogCapture errors = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("q0"), queue("q4"));
            assertThat(errors.lines(Level.ERROR)).anySatisfy(line -> assertThat(line)
                    .contains("offsets 1..3 in 00000000000000000000.log are damaged and skipped"));
        }
    }

    @Test
    void shouldNameTheSegmentFileThatHoldsARecordThatDoesNotDecode() throws Exception {
        Files.createDirectories(directory());
        Files.write(segment(), rawBatches(0, 5));
        byte[] unknownKind = {MetadataRecordCodec.FORMAT_VERSION, 99, 0, 0, 0, 1, '/'};
        ByteBuffer undecodable = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(unknownKind)).buffer();
        undecodable.putLong(0, 5);
        java.io.ByteArrayOutputStream newer = new java.io.ByteArrayOutputStream();
        newer.write(undecodable.array(), undecodable.position(), undecodable.remaining());
        newer.writeBytes(rawBatches(6, 1));
        Files.write(directory().resolve("00000000000000000005.log"), newer.toByteArray());

        try (LogCapture errors = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).hasSize(6).contains(queue("q4"), queue("q6"));
            assertThat(errors.lines(Level.ERROR)).anySatisfy(line -> assertThat(line)
                    .contains("the record at offset 5 in 00000000000000000005.log is intact but does not decode"));
        }
    }

    /** The value of the one record in {@code record}'s batch. */
    private static byte[] valueOf(MetadataRecord record) {
        ByteBuffer value = MemoryRecords.readableRecords(MetadataRecordCodec.encodeBatch(record)).records().iterator()
                .next().value();
        byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        return bytes;
    }

    /** Batches of queue declarations q{first}.. as a log writes them from offset {@code first}. */
    private static byte[] rawBatches(int first, int count) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = first; i < first + count; i++) {
            ByteBuffer batch = MetadataRecordCodec.encodeBatch(queue("q" + i));
            batch.putLong(0, i);
            bytes.write(batch.array(), batch.position(), batch.remaining());
        }
        return bytes.toByteArray();
    }

    @Test
    void eachStartThatFindsTheLogDamagedKeepsACopyOfItsOwn() throws Exception {
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            append(log, queue("before"));
            appendUnknownKind(log);
        }
        MetadataLog.open(directory(), flusher).close(); // not compacted: the next start finds it again
        MetadataLog.open(directory(), flusher).close();
        assertThat(damagedCopies()).containsExactlyInAnyOrder(dataDir.resolve("metadata.damaged-1"),
                dataDir.resolve("metadata.damaged-2"));
    }

    @Test
    void shouldRefuseToOpenALogOfWhichNotOneRecordCanBeRead() throws Exception {
        writeQueues(3);
        byte[] garbage = Files.readAllBytes(segment());
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 31 + 7);
        }
        Files.write(segment(), garbage);

        assertThatThrownBy(() -> MetadataLog.open(directory(), flusher))
                .isInstanceOf(MetadataUnreadableException.class)
                .hasMessageContaining(segment().toString())
                .hasMessageContaining("not one intact record");
        assertThat(Files.readAllBytes(segment())).as("nothing changed on disk").isEqualTo(garbage);
    }

    @Test
    void shouldNeverOpenEmptyWhenOnlyTheFirstRecordIsDamaged() throws Exception {
        writeQueues(10);
        byte[] damaged = Files.readAllBytes(segment());
        damaged[indexOf(damaged, "q0")] ^= 0x20;
        Files.write(segment(), damaged);

        // A log that keeps the batches after a damaged one gives the other nine back; one that cuts
        // its newest segment at the first bad batch gives nothing back, and then the start is refused.
        // Either way the metadata is never silently empty.
        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).hasSize(9).doesNotContain(queue("q0"));
        } catch (MetadataUnreadableException e) {
            assertThat(e).hasMessageContaining("none of which came back")
                    .hasMessageContaining("A copy of it as found is kept in " + dataDir.resolve("metadata.damaged-1"));
        }
        assertThat(Files.readAllBytes(dataDir.resolve("metadata.damaged-1").resolve("00000000000000000000.log")))
                .isEqualTo(damaged);
    }

    @Test
    void shouldRefuseToOpenWhenASegmentFileCannotBeRead() throws Exception {
        writeQueues(3);
        Files.delete(segment());
        Files.createDirectory(segment());

        assertThatThrownBy(() -> MetadataLog.open(directory(), flusher))
                .isInstanceOf(MetadataUnreadableException.class)
                .hasMessageContaining(segment().toString())
                .hasMessageContaining("Is a directory");
    }

    @Test
    void aTornLastWriteIsNotDamage() throws Exception {
        writeQueues(4);
        // The first 30 bytes of one more batch, as a crash in the middle of a write leaves them.
        ByteBuffer next = MetadataRecordCodec.encodeBatch(queue("never-acknowledged"));
        byte[] torn = new byte[30];
        next.get(torn);
        Files.write(segment(), torn, java.nio.file.StandardOpenOption.APPEND);

        try (LogCapture errors = new LogCapture(MetadataLog.class);
             MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).containsExactly(queue("q0"), queue("q1"), queue("q2"), queue("q3"));
            assertThat(errors.lines(Level.ERROR)).isEmpty();
        }
        assertThat(damagedCopies()).isEmpty();
    }

    @Test
    void aTornFirstWriteStartsEmptyRatherThanRefusing() throws Exception {
        Files.createDirectories(directory());
        ByteBuffer first = MetadataRecordCodec.encodeBatch(queue("never-acknowledged"));
        byte[] torn = new byte[20];
        first.get(torn);
        Files.write(segment(), torn);

        try (MetadataLog log = MetadataLog.open(directory(), flusher)) {
            assertThat(log.recovered()).isEmpty();
        }
    }

    /**
     * Makes the last record of the segment's second batch claim -1 headers and gives the batch a
     * CRC that matches, as a faulty writer would: every check before the records' decoding passes.
     */
    private void damageSecondBatchsLastRecordUnderAValidCrc() throws IOException {
        byte[] bytes = Files.readAllBytes(segment());
        int second = 12 + ByteBuffer.wrap(bytes).getInt(8);
        int secondEnd = second + 12 + ByteBuffer.wrap(bytes).getInt(second + 8);
        bytes[secondEnd - 1] = 1; // the header count, zigzag-encoded: -1
        CRC32C crc = new CRC32C();
        crc.update(bytes, second + 21, secondEnd - second - 21);
        ByteBuffer.wrap(bytes).putInt(second + 17, (int) crc.getValue());
        Files.write(segment(), bytes);
    }
}
