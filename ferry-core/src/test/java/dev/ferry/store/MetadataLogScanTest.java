package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.broker.MetadataRecord;

/** How the pre-open check classifies the bytes of metadata segment files. */
class MetadataLogScanTest {
    @TempDir
    Path directory;

    /** Batches for q0..q(count-1), with base offsets 0, 1, 2, ... as a log writes them; their start positions in {@code starts}. */
    private static byte[] batches(int count, List<Integer> starts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            ByteBuffer batch = MetadataRecordCodec.encodeBatch(new MetadataRecord.QueueDeclared("/", "q" + i, false, Map.of()));
            batch.putLong(0, i);
            starts.add(out.size());
            byte[] bytes = new byte[batch.remaining()];
            batch.get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private MetadataLogScan scan(byte[] newest) throws Exception {
        Files.write(directory.resolve("00000000000000000000.log"), newest);
        return MetadataLogScan.of(directory);
    }

    @Test
    void shouldCountIntactBatchesAndFindNoDamage() throws Exception {
        MetadataLogScan scan = scan(batches(5, new ArrayList<>()));

        assertThat(scan.intactRecords()).isEqualTo(5);
        assertThat(scan.hasDamage()).isFalse();
        assertThat(scan.isUnreadable()).isFalse();
    }

    @Test
    void shouldReportExactlyTheBatchWithAFlippedByteAndKeepCountingAfterIt() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] bytes = batches(5, starts);
        bytes[starts.get(2) + 70] ^= 0x01;

        MetadataLogScan scan = scan(bytes);

        assertThat(scan.intactRecords()).isEqualTo(4);
        assertThat(scan.damage()).hasSize(1);
        MetadataLogScan.Damage damage = scan.damage().get(0);
        assertThat(damage.position()).isEqualTo((long) starts.get(2));
        assertThat(damage.bytes()).isEqualTo((long) (starts.get(3) - starts.get(2)));
        assertThat(damage.offsetGuess()).isEqualTo(2);
    }

    @Test
    void shouldFindTheNextBatchAfterADamagedLengthField() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] bytes = batches(5, starts);
        bytes[starts.get(1) + 8] = 0x55; // the length's top byte: now far past the end

        MetadataLogScan scan = scan(bytes);

        assertThat(scan.intactRecords()).isEqualTo(4);
        assertThat(scan.damage()).singleElement().satisfies(damage -> {
            assertThat(damage.position()).isEqualTo((long) starts.get(1));
            assertThat(damage.bytes()).isEqualTo((long) (starts.get(2) - starts.get(1)));
        });
    }

    @Test
    void shouldTellADamagedLengthInTheLastBatchFromATornWrite() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] bytes = batches(3, starts);
        bytes[starts.get(2) + 11] += 40; // claims 40 more bytes than the file holds, as a torn write would

        MetadataLogScan scan = scan(bytes);

        assertThat(scan.tornTailBytes()).isZero();
        assertThat(scan.damage()).singleElement().satisfies(damage -> assertThat(damage.position()).isEqualTo((long) starts.get(2)));
    }

    @Test
    void shouldTakeAnIncompleteOrZeroedEndOfTheNewestFileForATornWrite() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] whole = batches(4, starts);
        byte[] cut = java.util.Arrays.copyOf(whole, starts.get(3) + 40);
        assertThat(scan(cut).tornTailBytes()).isEqualTo(40);
        assertThat(scan(cut).hasDamage()).isFalse();
        assertThat(scan(cut).intactRecords()).isEqualTo(3);

        byte[] zeroed = java.util.Arrays.copyOf(whole, whole.length + 4096);
        assertThat(scan(zeroed).tornTailBytes()).isEqualTo(4096);
        assertThat(scan(zeroed).hasDamage()).isFalse();
    }

    @Test
    void shouldTakeAPlaceholderForATakenOutBatchAsIntactAndEmpty() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] first = batches(1, starts);
        ByteBuffer placeholder = ByteBuffer.allocate(DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        DefaultRecordBatch.writeEmptyHeader(placeholder, RecordBatch.MAGIC_VALUE_V2, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, 1, 2, RecordBatch.NO_PARTITION_LEADER_EPOCH,
                TimestampType.CREATE_TIME, 1_700_000_000_000L, false, false);
        ByteBuffer last = MetadataRecordCodec.encodeBatch(new MetadataRecord.QueueDeclared("/", "q3", false, Map.of()));
        last.putLong(0, 3);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(first);
        file.writeBytes(placeholder.array());
        file.writeBytes(java.util.Arrays.copyOfRange(last.array(), last.position(), last.limit()));

        MetadataLogScan scan = scan(file.toByteArray());

        assertThat(scan.hasDamage()).isFalse();
        assertThat(scan.intactRecords()).isEqualTo(2);
    }

    @Test
    void shouldCallFilesWithoutOneIntactRecordUnreadableButNotATornFirstWrite() throws Exception {
        byte[] garbage = new byte[500];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 7 + 3);
        }
        assertThat(scan(garbage).isUnreadable()).isTrue();

        byte[] tornFirst = java.util.Arrays.copyOf(batches(1, new ArrayList<>()), 25);
        assertThat(scan(tornFirst).isUnreadable()).isFalse();
        assertThat(scan(new byte[0]).isUnreadable()).isFalse();
    }

    @Test
    void shouldCallDamageInAnOlderFileDamageEvenAtItsEnd() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] older = batches(3, starts);
        Files.write(directory.resolve("00000000000000000000.log"), java.util.Arrays.copyOf(older, starts.get(2) + 20));
        Files.write(directory.resolve("00000000000000000003.log"), batches(1, new ArrayList<>()));

        MetadataLogScan scan = MetadataLogScan.of(directory);

        assertThat(scan.tornTailBytes()).isZero();
        assertThat(scan.damage()).singleElement().satisfies(damage -> {
            assertThat(damage.file().getFileName().toString()).isEqualTo("00000000000000000000.log");
            assertThat(damage.position()).isEqualTo((long) starts.get(2));
            assertThat(damage.bytes()).as("to the end of the file").isEqualTo(20);
        });
    }

    @Test
    void shouldTakeTheNewestFileCutAtAnyByteOfItsLastBatchForATornWrite() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] whole = batches(3, starts);
        int last = starts.get(2);
        for (int cut = last + 1; cut < whole.length; cut++) {
            MetadataLogScan scan = scan(java.util.Arrays.copyOf(whole, cut));
            assertThat(scan.tornTailBytes()).as("cut %d bytes into the batch", cut - last).isEqualTo(cut - last);
            assertThat(scan.hasDamage()).as("cut %d bytes into the batch", cut - last).isFalse();
            assertThat(scan.intactRecords()).isEqualTo(2);
        }
    }

    @Test
    void shouldCallACutLastBatchWithADamagedMagicByteDamageOnceTheMagicByteIsThere() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] whole = batches(3, starts);
        int last = starts.get(2);
        whole[last + 16] = 1; // the magic byte: no batch of this format starts here
        for (int cut = last + 17; cut < whole.length; cut++) {
            MetadataLogScan scan = scan(java.util.Arrays.copyOf(whole, cut));
            assertThat(scan.tornTailBytes()).as("cut %d bytes into the batch", cut - last).isZero();
            assertThat(scan.damage()).singleElement().satisfies(damage -> {
                assertThat(damage.position()).isEqualTo((long) last);
                assertThat(damage.offsetGuess()).isEqualTo(2);
            });
        }
        assertThat(scan(java.util.Arrays.copyOf(whole, last + 16)).tornTailBytes()).as("the magic byte not written yet")
                .isEqualTo(16);
    }

    @Test
    void shouldFindAPlaceholderBatchThatEndsTheFileAfterDamage() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] two = batches(2, starts);
        two[starts.get(1) + 70] ^= 0x01; // the second batch's record: its CRC fails
        ByteBuffer placeholder = ByteBuffer.allocate(DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        DefaultRecordBatch.writeEmptyHeader(placeholder, RecordBatch.MAGIC_VALUE_V2, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, 2, 2, RecordBatch.NO_PARTITION_LEADER_EPOCH,
                TimestampType.CREATE_TIME, 1_700_000_000_000L, false, false);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(two);
        file.writeBytes(placeholder.array());

        MetadataLogScan scan = scan(file.toByteArray());

        assertThat(scan.intactRecords()).isEqualTo(1);
        assertThat(scan.tornTailBytes()).isZero();
        assertThat(scan.damage()).singleElement().satisfies(damage -> {
            assertThat(damage.position()).isEqualTo((long) starts.get(1));
            assertThat(damage.bytes()).isEqualTo((long) (two.length - starts.get(1)));
            assertThat(damage.offsetGuess()).isEqualTo(1);
        });
    }

    @Test
    void shouldFindNoDamageInTwoIntactFiles() throws Exception {
        Files.write(directory.resolve("00000000000000000000.log"), batches(3, new ArrayList<>()));
        Files.write(directory.resolve("00000000000000000003.log"), batches(2, new ArrayList<>()));

        MetadataLogScan scan = MetadataLogScan.of(directory);

        assertThat(scan.hasDamage()).isFalse();
        assertThat(scan.tornTailBytes()).isZero();
        assertThat(scan.intactRecords()).isEqualTo(5);
    }

    @Test
    void shouldCallAWholeLastBatchThatFailsItsCrcDamageNotATornWrite() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] bytes = batches(3, starts);
        bytes[bytes.length - 5] ^= 0x01;

        MetadataLogScan scan = scan(bytes);

        assertThat(scan.tornTailBytes()).isZero();
        assertThat(scan.damage()).singleElement().satisfies(damage -> {
            assertThat(damage.position()).isEqualTo((long) starts.get(2));
            assertThat(damage.bytes()).isEqualTo((long) (bytes.length - starts.get(2)));
        });
    }

    @Test
    void shouldCallALastBatchHeaderWithAnImpossibleLengthDamage() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] whole = batches(3, starts);
        byte[] cut = java.util.Arrays.copyOf(whole, starts.get(2) + 12); // base offset and length only
        ByteBuffer.wrap(cut).putInt(starts.get(2) + 8, 0);

        MetadataLogScan scan = scan(cut);

        assertThat(scan.tornTailBytes()).isZero();
        assertThat(scan.damage()).singleElement().satisfies(damage -> assertThat(damage.bytes()).isEqualTo(12));
    }

    /** Gives the batch starting at {@code start} a right CRC32C again after its header was changed. */
    private static void recomputeCrc(byte[] bytes, int start, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, start + 21, length - 21); // from the attributes on
        ByteBuffer.wrap(bytes).putInt(start + 17, (int) crc.getValue());
    }

    private static ByteBuffer emptyBatch(long baseOffset, long lastOffset) {
        ByteBuffer batch = ByteBuffer.allocate(DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        DefaultRecordBatch.writeEmptyHeader(batch, RecordBatch.MAGIC_VALUE_V2, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, baseOffset, lastOffset,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, TimestampType.CREATE_TIME, 1_700_000_000_000L, false, false);
        return batch;
    }

    @Test
    void shouldCallABatchWhoseRecordCountDisagreesWithItsOffsetsDamageEvenWithARightCrc() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] bytes = batches(3, starts);
        int second = starts.get(1);
        // One record, but the header says it covers offsets 1..6: the CRC is made right again, so only the
        // header's consistency tells.
        ByteBuffer.wrap(bytes).putInt(second + DefaultRecordBatch.LAST_OFFSET_DELTA_OFFSET, 5);
        recomputeCrc(bytes, second, starts.get(2) - second);

        MetadataLogScan scan = scan(bytes);

        assertThat(scan.intactRecords()).isEqualTo(2);
        assertThat(scan.damage()).singleElement().satisfies(damage -> {
            assertThat(damage.position()).isEqualTo((long) second);
            assertThat(damage.bytes()).isEqualTo((long) (starts.get(2) - second));
        });
    }

    @Test
    void shouldCallAnEmptyBatchThatCoversNoOffsetsDamageNotAPlaceholder() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] first = batches(1, starts);
        ByteBuffer coversNothing = emptyBatch(1, 0); // last offset below its base: no placeholder a log leaves
        ByteBuffer last = MetadataRecordCodec.encodeBatch(new MetadataRecord.QueueDeclared("/", "q1", false, Map.of()));
        last.putLong(0, 1);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(first);
        file.writeBytes(coversNothing.array());
        file.writeBytes(java.util.Arrays.copyOfRange(last.array(), last.position(), last.limit()));

        MetadataLogScan scan = scan(file.toByteArray());

        assertThat(scan.intactRecords()).isEqualTo(2);
        assertThat(scan.damage()).singleElement().satisfies(damage -> {
            assertThat(damage.position()).isEqualTo((long) first.length);
            assertThat(damage.bytes()).isEqualTo((long) DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        });
    }

    @Test
    void shouldCallAWholePlaceholderAtTheEndWithADamagedLengthDamageNotATornWrite() throws Exception {
        List<Integer> starts = new ArrayList<>();
        byte[] two = batches(2, starts);
        ByteBuffer placeholder = emptyBatch(2, 3);
        placeholder.putInt(8, placeholder.getInt(8) + 40); // the length field, which the CRC does not cover
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(two);
        file.writeBytes(placeholder.array());

        MetadataLogScan scan = scan(file.toByteArray());

        assertThat(scan.tornTailBytes()).as("all of it is there; only its length is wrong").isZero();
        assertThat(scan.damage()).singleElement().satisfies(damage -> {
            assertThat(damage.position()).isEqualTo((long) two.length);
            assertThat(damage.bytes()).isEqualTo((long) DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        });
    }

    @Test
    void shouldNameADamagedRangeByItsFirstAndLastByteAndTheOffsetItMostLikelyHeld() {
        Path file = directory.resolve("00000000000000000000.log");

        assertThat(new MetadataLogScan.Damage(file, 86, 20, 1)).hasToString(file + " bytes 86..105 (from offset 1)");
        assertThat(new MetadataLogScan.Damage(file, 0, 1, 0)).hasToString(file + " bytes 0..0 (from offset 0)");
        assertThat(new MetadataLogScan.Damage(file, 0, 61, -1)).as("offset unknown").hasToString(file + " bytes 0..60");
    }

    @Test
    void shouldTakeOnlyTheNewestOfManyFilesForOneThatATornWriteCanEndAndCountTheBytesOfAll() throws Exception {
        // Created oldest first; whatever order the directory lists them in, the newest is the one
        // with the highest base offset. Each file ends in a batch cut 30 bytes in.
        long total = 0;
        for (int file = 0; file < 6; file++) {
            List<Integer> starts = new ArrayList<>();
            byte[] whole = batches(3, starts);
            byte[] cut = java.util.Arrays.copyOf(whole, starts.get(2) + 30);
            for (int i = 0; i < 3; i++) {
                ByteBuffer.wrap(cut).putLong(starts.get(i), 3L * file + i);
            }
            Files.write(directory.resolve(String.format("%020d.log", 3L * file)), cut);
            total += cut.length;
        }

        MetadataLogScan scan = MetadataLogScan.of(directory);

        assertThat(scan.files()).extracting(path -> path.getFileName().toString())
                .containsExactly("00000000000000000000.log", "00000000000000000003.log", "00000000000000000006.log",
                        "00000000000000000009.log", "00000000000000000012.log", "00000000000000000015.log");
        assertThat(scan.tornTailBytes()).isEqualTo(30);
        assertThat(scan.damage()).hasSize(5).allSatisfy(damage -> assertThat(damage.bytes()).isEqualTo(30))
                .extracting(MetadataLogScan.Damage::offsetGuess).containsExactly(2L, 5L, 8L, 11L, 14L);
        assertThat(scan.intactRecords()).isEqualTo(12);
        assertThat(scan.totalBytes()).isEqualTo(total);
    }
}
