package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A sparse map from offset to file position for one segment: every {@code indexIntervalBytes} of
 * log, the base offset of the batch starting there and its position. A read looks up the last
 * entry at or below its offset and scans batch headers forward from there.
 *
 * <p>File {@code <baseOffset>.index}: the {@link IndexFile} header with magic {@code "FXOI"}
 * ({@code 0x46584F49}), version 1, entry size 8, then entries in increasing offset order:
 * <pre>
 *   0                  4                  8
 *   +------------------+------------------+
 *   | relative offset  | file position    |
 *   | int32 (offset -  | int32, start of  |
 *   |  segment base)   | the batch        |
 *   +------------------+------------------+
 * </pre>
 *
 * <p>Thread safety: one writer ({@link #append}) and any number of concurrent readers. Entries
 * live in arrays that are only ever appended to (copied to larger arrays on growth) and are
 * published by the volatile entry count, so a reader sees a consistent prefix without locking.
 */
final class OffsetIndex {
    static final int MAGIC = 0x46584F49;
    static final short VERSION = 1;
    static final int ENTRY_BYTES = 8;

    private final long baseOffset;
    private volatile Entries entries;
    private volatile int entryCount;

    OffsetIndex(long baseOffset) {
        this.baseOffset = baseOffset;
        this.entries = new Entries(new int[16], new int[16]);
    }

    /** Adds an entry; offsets and positions must increase. Writer thread only. */
    void append(long offset, int position) {
        int count = entryCount;
        Entries current = entries;
        int relativeOffset = relativize(offset);
        assert count == 0 || (relativeOffset > current.relativeOffsets[count - 1]
                && position > current.positions[count - 1]) : "offset index entries must increase";
        if (count == current.relativeOffsets.length) {
            current = new Entries(Arrays.copyOf(current.relativeOffsets, count * 2),
                    Arrays.copyOf(current.positions, count * 2));
            entries = current;
        }
        current.relativeOffsets[count] = relativeOffset;
        current.positions[count] = position;
        entryCount = count + 1;
    }

    /** The file position from which a scan for {@code offset} must start: the last entry at or below it, else 0. */
    int floorPosition(long offset) {
        int count = entryCount;
        Entries current = entries;
        long relative = offset - baseOffset;
        if (relative < 0) {
            return 0;
        }
        int low = 0;
        int high = count - 1;
        int found = -1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (current.relativeOffsets[middle] <= relative) {
                found = middle;
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return found < 0 ? 0 : current.positions[found];
    }

    int entryCount() {
        return entryCount;
    }

    long offsetAt(int index) {
        return baseOffset + entries.relativeOffsets[index];
    }

    int positionAt(int index) {
        return entries.positions[index];
    }

    void writeTo(LogFileSystem fileSystem, Path file) throws IOException {
        int count = entryCount;
        Entries current = entries;
        ByteBuffer buffer = IndexFile.allocate(MAGIC, VERSION, ENTRY_BYTES, baseOffset, count);
        for (int i = 0; i < count; i++) {
            buffer.putInt(current.relativeOffsets[i]).putInt(current.positions[i]);
        }
        IndexFile.writeAtomically(fileSystem, file, buffer);
    }

    /**
     * Loads an index written by {@link #writeTo} and checks it against its segment.
     *
     * @param segmentBytes the segment file's size: every position must be inside it
     * @param segmentNextOffset one past the segment's last offset: every offset must be below it
     */
    static OffsetIndex load(LogFileSystem fileSystem, Path file, long baseOffset, int segmentBytes, long segmentNextOffset)
            throws IndexFile.DamagedException {
        ByteBuffer buffer = IndexFile.readChecked(fileSystem, file, MAGIC, VERSION, ENTRY_BYTES, baseOffset, segmentBytes);
        OffsetIndex index = new OffsetIndex(baseOffset);
        long previousOffset = -1;
        int previousPosition = -1;
        while (buffer.hasRemaining()) {
            long offset = baseOffset + buffer.getInt();
            int position = buffer.getInt();
            if (offset <= previousOffset || position <= previousPosition) {
                throw new IndexFile.DamagedException("entries out of order at offset " + offset);
            }
            if (offset >= segmentNextOffset || position >= segmentBytes || offset < baseOffset) {
                throw new IndexFile.DamagedException("entry (" + offset + ", " + position + ") outside the segment");
            }
            index.append(offset, position);
            previousOffset = offset;
            previousPosition = position;
        }
        return index;
    }

    private int relativize(long offset) {
        long relative = offset - baseOffset;
        assert relative >= 0 && relative <= Integer.MAX_VALUE : "offset " + offset + " does not fit segment " + baseOffset;
        return (int) relative;
    }

    /** Arrays filled by the constructor's copies; their final fields make a racy read of a newer instance safe. */
    private static final class Entries {
        final int[] relativeOffsets;
        final int[] positions;

        Entries(int[] relativeOffsets, int[] positions) {
            this.relativeOffsets = relativeOffsets;
            this.positions = positions;
        }
    }
}
