package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A sparse map from timestamp to offset for one segment, for "the first offset at or after time
 * T". Entry {@code (t, o)} promises: every record in the batches up to and including the batch
 * that starts at offset {@code o} has a timestamp of at most {@code t}. Timestamps in entries never
 * decrease (each is the running maximum), so a search finds the last entry with {@code t < T} and
 * scans from its batch; nothing before that batch can match.
 *
 * <p>File {@code <baseOffset>.timeindex}: the {@link IndexFile} header with magic {@code "FXTI"}
 * ({@code 0x46585449}), version 1, entry size 12, then entries:
 * <pre>
 *   0                                    8                  12
 *   +------------------------------------+------------------+
 *   | max timestamp so far, ms (int64)   | relative offset  |
 *   |                                    | of the batch     |
 *   |                                    | int32            |
 *   +------------------------------------+------------------+
 * </pre>
 * When a segment is sealed a last entry records its final maximum timestamp, so the segment's
 * maximum (which time retention needs) is known on load without reading the segment.
 *
 * <p>Thread safety: as {@link OffsetIndex}, one writer and any number of lock-free readers.
 */
final class TimeIndex {
    static final int MAGIC = 0x46585449;
    static final short VERSION = 1;
    static final int ENTRY_BYTES = 12;
    static final long NO_TIMESTAMP = -1L;

    private final long baseOffset;
    private volatile Entries entries;
    private volatile int entryCount;

    TimeIndex(long baseOffset) {
        this.baseOffset = baseOffset;
        this.entries = new Entries(new long[16], new int[16]);
    }

    /** Adds an entry if {@code timestampMs} is above the last one (and not negative); offsets must increase. Writer only. */
    void maybeAppend(long timestampMs, long offset) {
        int count = entryCount;
        Entries current = entries;
        // Records without a timestamp (-1) can never match a search, so they need no entry.
        if (timestampMs < 0 || (count > 0 && timestampMs <= current.timestampsMs[count - 1])) {
            return;
        }
        int relativeOffset = (int) (offset - baseOffset);
        assert count == 0 || relativeOffset > current.relativeOffsets[count - 1] : "time index offsets must increase";
        if (count == current.timestampsMs.length) {
            current = new Entries(Arrays.copyOf(current.timestampsMs, count * 2),
                    Arrays.copyOf(current.relativeOffsets, count * 2));
            entries = current;
        }
        current.timestampsMs[count] = timestampMs;
        current.relativeOffsets[count] = relativeOffset;
        entryCount = count + 1;
    }

    /** The offset from which a search for the first record at or after {@code timestampMs} must start. */
    long searchStartOffset(long timestampMs) {
        int count = entryCount;
        Entries current = entries;
        int low = 0;
        int high = count - 1;
        int found = -1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (current.timestampsMs[middle] < timestampMs) {
                found = middle;
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return found < 0 ? baseOffset : baseOffset + current.relativeOffsets[found];
    }

    /** The largest timestamp recorded, or {@link #NO_TIMESTAMP} when empty. */
    long lastTimestampMs() {
        int count = entryCount;
        return count == 0 ? NO_TIMESTAMP : entries.timestampsMs[count - 1];
    }

    int entryCount() {
        return entryCount;
    }

    void writeTo(LogFileSystem fileSystem, Path file) throws IOException {
        int count = entryCount;
        Entries current = entries;
        ByteBuffer buffer = IndexFile.allocate(MAGIC, VERSION, ENTRY_BYTES, baseOffset, count);
        for (int i = 0; i < count; i++) {
            buffer.putLong(current.timestampsMs[i]).putInt(current.relativeOffsets[i]);
        }
        IndexFile.writeAtomically(fileSystem, file, buffer);
    }

    /**
     * Loads an index written by {@link #writeTo}; every offset must lie in {@code [baseOffset, segmentNextOffset)}.
     *
     * @param segmentBytes the segment file's size, which bounds how many entries the file can hold
     */
    static TimeIndex load(LogFileSystem fileSystem, Path file, long baseOffset, int segmentBytes, long segmentNextOffset)
            throws IndexFile.DamagedException {
        ByteBuffer buffer = IndexFile.readChecked(fileSystem, file, MAGIC, VERSION, ENTRY_BYTES, baseOffset, segmentBytes);
        TimeIndex index = new TimeIndex(baseOffset);
        long previousTimestampMs = Long.MIN_VALUE;
        long previousOffset = -1;
        while (buffer.hasRemaining()) {
            long timestampMs = buffer.getLong();
            long offset = baseOffset + buffer.getInt();
            if (timestampMs <= previousTimestampMs || offset <= previousOffset) {
                throw new IndexFile.DamagedException("entries out of order at offset " + offset);
            }
            if (offset < baseOffset || offset >= segmentNextOffset) {
                throw new IndexFile.DamagedException("entry offset " + offset + " outside the segment");
            }
            index.maybeAppend(timestampMs, offset);
            previousTimestampMs = timestampMs;
            previousOffset = offset;
        }
        return index;
    }

    /** See {@link OffsetIndex}: final fields publish the copied arrays safely. */
    private static final class Entries {
        final long[] timestampsMs;
        final int[] relativeOffsets;

        Entries(long[] timestampsMs, int[] relativeOffsets) {
            this.timestampsMs = timestampsMs;
            this.relativeOffsets = relativeOffsets;
        }
    }
}
