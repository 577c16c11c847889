package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code .corrupt} file is the durable record of what a log lost: damage to the file itself
 * costs at most the entry it hits, never the record of the losses after it.
 */
class CorruptFileTest {
    private static final Path DIRECTORY = Path.of("/simulated/orders");

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final FileHandleCache cache = new FileHandleCache(4, fileSystem);

    private SegmentFile segmentOf(int bytes) throws Exception {
        fileSystem.createDirectories(DIRECTORY);
        SegmentFile segment = SegmentFile.create(cache, DIRECTORY.resolve("00000000000000000000.log"));
        ByteBuffer content = ByteBuffer.allocate(bytes);
        for (int i = 0; i < bytes; i++) {
            content.put((byte) i);
        }
        segment.append(content.flip());
        return segment;
    }

    @Test
    void shouldKeepEveryRegionWithItsBytesAcrossAppends() throws Exception {
        SegmentFile segment = segmentOf(1000);
        Path file = CorruptFile.path(DIRECTORY, 0);

        CorruptFile.append(fileSystem, file, 0, List.of(new CorruptFile.Region(100, 50, 7, 9)), segment);
        CorruptFile.append(fileSystem, file, 0, List.of(new CorruptFile.Region(600, 0, 30, 29),
                new CorruptFile.Region(700, 300, 40, 44)), segment);

        List<CorruptFile.Entry> entries = CorruptFile.read(fileSystem, file);
        assertThat(entries).extracting(CorruptFile.Entry::region).containsExactly(new CorruptFile.Region(100, 50, 7, 9),
                new CorruptFile.Region(600, 0, 30, 29), new CorruptFile.Region(700, 300, 40, 44));
        assertThat(entries).allMatch(CorruptFile.Entry::bytesIntact);
        assertThat(entries.get(0).bytes()).hasSize(50).startsWith((byte) 100, (byte) 101);
    }

    @Test
    void shouldFindEveryLaterRegionWhateverByteOfTheFileIsDamaged() throws Exception {
        SegmentFile segment = segmentOf(1000);
        Path file = CorruptFile.path(DIRECTORY, 0);
        List<CorruptFile.Region> regions = List.of(new CorruptFile.Region(100, 50, 7, 9),
                new CorruptFile.Region(300, 20, 12, 12), new CorruptFile.Region(700, 100, 40, 44));
        CorruptFile.append(fileSystem, file, 0, regions, segment);
        long size = fileSystem.size(file);

        for (long position = 0; position < size; position++) {
            fileSystem.flipBit(file, position, (int) (position % 8));
            List<CorruptFile.Region> found = CorruptFile.readRegions(fileSystem, file);
            long at = position;
            List<CorruptFile.Region> untouched = regions.stream().filter(region -> !hits(regions, region, at)).toList();
            assertThat(found).as("a flip at byte %d", position).containsAll(untouched).isSubsetOf(regions);
            fileSystem.flipBit(file, position, (int) (position % 8));
        }
    }

    @Test
    void shouldCopyARegionLargerThanItsCopyChunkWhole() throws Exception {
        SegmentFile segment = segmentOf(200_000);
        Path file = CorruptFile.path(DIRECTORY, 0);
        CorruptFile.Region large = new CorruptFile.Region(1_000, 150_001, 3, 90);

        CorruptFile.append(fileSystem, file, 0, List.of(large), segment);

        assertThat(fileSystem.size(file)).isEqualTo(CorruptFile.HEADER_BYTES + CorruptFile.ENTRY_HEADER_BYTES + 150_001L);
        CorruptFile.Entry entry = CorruptFile.read(fileSystem, file).get(0);
        assertThat(entry.region()).isEqualTo(large);
        assertThat(entry.bytesIntact()).isTrue();
        byte[] expected = new byte[150_001];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (1_000 + i);
        }
        assertThat(entry.bytes()).isEqualTo(expected);
        assertThat(fileSystem.exists(file.resolveSibling(file.getFileName() + ".tmp"))).isFalse();
    }

    @Test
    void shouldTellWhichEntrysBytesNoLongerMatchTheirChecksum() throws Exception {
        Path file = withTwoRegions();

        fileSystem.flipBit(file, CorruptFile.HEADER_BYTES + CorruptFile.ENTRY_HEADER_BYTES + 49, 3);

        List<CorruptFile.Entry> entries = CorruptFile.read(fileSystem, file);
        assertThat(entries).extracting(CorruptFile.Entry::bytesIntact).containsExactly(false, true);
        assertThat(entries.get(0).bytes()[49]).isEqualTo((byte) (149 ^ 8));
        assertThat(CorruptFile.readRegions(fileSystem, file)).containsExactly(new CorruptFile.Region(100, 50, 7, 9),
                new CorruptFile.Region(300, 20, 12, 12));
    }

    @Test
    void shouldSkipAnEntryWhoseLengthRunsPastTheEndOfTheFile() throws Exception {
        Path file = withTwoRegions();
        long size = fileSystem.size(file);

        cut(file, size - 1);

        assertThat(CorruptFile.readRegions(fileSystem, file)).as("the last entry's bytes are cut short")
                .containsExactly(new CorruptFile.Region(100, 50, 7, 9));
        cut(file, size - 20);
        assertThat(CorruptFile.readRegions(fileSystem, file)).containsExactly(new CorruptFile.Region(100, 50, 7, 9));
    }

    /** An entry header whose own CRC holds but whose length is negative, as a faulty writer could leave. */
    @Test
    void shouldSkipAnEntryThatClaimsANegativeLength() throws Exception {
        SegmentFile segment = segmentOf(1000);
        Path file = CorruptFile.path(DIRECTORY, 0);
        CorruptFile.append(fileSystem, file, 0, List.of(new CorruptFile.Region(100, 50, 7, 9)), segment);
        ByteBuffer bad = ByteBuffer.allocate(CorruptFile.ENTRY_HEADER_BYTES);
        bad.putInt(CorruptFile.ENTRY_MAGIC).putLong(300).putInt(-1).putLong(12).putLong(12);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bad.duplicate().flip());
        bad.putInt((int) crc.getValue()).putInt(0).flip();
        try (java.nio.channels.FileChannel channel = fileSystem.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(bad, fileSystem.size(file));
        }

        assertThat(CorruptFile.readRegions(fileSystem, file)).containsExactly(new CorruptFile.Region(100, 50, 7, 9));
        assertThat(CorruptFile.read(fileSystem, file)).hasSize(1);
    }

    /** A {@code .corrupt} file holding regions (100, 50 bytes, offsets 7..9) and (300, 20 bytes, offset 12). */
    private Path withTwoRegions() throws Exception {
        Path file = CorruptFile.path(DIRECTORY, 0);
        CorruptFile.append(fileSystem, file, 0, List.of(new CorruptFile.Region(100, 50, 7, 9),
                new CorruptFile.Region(300, 20, 12, 12)), segmentOf(1000));
        return file;
    }

    private void cut(Path file, long size) throws Exception {
        try (java.nio.channels.FileChannel channel = fileSystem.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }

    /** Whether byte {@code position} of the file lies in {@code region}'s entry header. */
    private static boolean hits(List<CorruptFile.Region> regions, CorruptFile.Region region, long position) {
        long start = CorruptFile.HEADER_BYTES;
        for (CorruptFile.Region each : regions) {
            if (each == region) {
                return position >= start && position < start + CorruptFile.ENTRY_HEADER_BYTES;
            }
            start += CorruptFile.ENTRY_HEADER_BYTES + each.length();
        }
        return false;
    }
}
