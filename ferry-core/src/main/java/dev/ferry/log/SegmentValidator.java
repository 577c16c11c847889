package dev.ferry.log;

import static dev.ferry.log.BatchFormat.ATTRIBUTES_POSITION;
import static dev.ferry.log.BatchFormat.COMPRESSION_MASK;
import static dev.ferry.log.BatchFormat.CRC_POSITION;
import static dev.ferry.log.BatchFormat.EMPTY_BATCH_LENGTH;
import static dev.ferry.log.BatchFormat.HEADER_BYTES;
import static dev.ferry.log.BatchFormat.LAST_OFFSET_DELTA_POSITION;
import static dev.ferry.log.BatchFormat.LEADER_EPOCH_POSITION;
import static dev.ferry.log.BatchFormat.LENGTH_POSITION;
import static dev.ferry.log.BatchFormat.LOG_OVERHEAD_BYTES;
import static dev.ferry.log.BatchFormat.MAGIC_POSITION;
import static dev.ferry.log.BatchFormat.MAX_TIMESTAMP_POSITION;
import static dev.ferry.log.BatchFormat.RECORD_BYTES_MIN;
import static dev.ferry.log.BatchFormat.RECORD_COUNT_POSITION;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Reads one segment file batch by batch and decides, for every byte, whether it is an intact
 * batch, damage to set aside, or a torn tail to cut; it changes nothing itself, but returns the
 * {@link Edit}s that turn the file into a valid segment, and reports every batch the repaired
 * segment will hold (in the repaired file's positions) so its indexes can be built in the same
 * pass. The rules are stated in {@link LogLoader}'s class comment.
 *
 * <p>Not thread-safe: one validation, on the loading thread.
 */
final class SegmentValidator {
    private static final int WINDOW_BYTES = 256 * 1024;

    /** Receives every batch of the segment as it will be after the edits, in order. */
    interface BatchSink {
        void accept(long baseOffset, long lastOffset, int position, int bytes, long maxTimestampMs);
    }

    enum EditKind {
        /** Fields the CRC does not cover (base offset, length, magic) were wrong and are restored; no record lost. */
        HEADER_REPAIR,
        /** Bytes that fail validation, replaced by an empty batch covering their offsets and kept aside. */
        DAMAGE,
        /** An incomplete batch at the end of the newest segment: cut. */
        TORN_TAIL
    }

    /**
     * Replace {@code length} bytes at {@code position} by {@code replacement} (empty for a cut).
     * For damage, {@code firstOffsetLost..lastOffsetLost} are the offsets the bytes held (none when
     * the last is below the first).
     */
    record Edit(EditKind kind, long position, long length, ByteBuffer replacement, long firstOffsetLost,
            long lastOffsetLost, String reason) {
    }

    /** What the segment will be after {@code edits}: the offset after its last batch and its size. */
    record Result(List<Edit> edits, long nextOffset, long repairedSize) {
        boolean isClean() {
            return edits.isEmpty();
        }

        boolean onlyCutsATornTail() {
            return edits.size() == 1 && edits.get(0).kind() == EditKind.TORN_TAIL;
        }
    }

    private final SegmentFile file;
    private final long baseOffset;
    private final long upperBound;
    private final boolean newest;
    private final int batchBytesMax;
    private final Map<Long, Long> recordedLosses;
    private final long size;
    private final ByteBuffer window;
    private long windowStart;
    private int windowBytes;

    /**
     * @param upperBound the offset this segment must end before: the next segment's base offset
     *     for a sealed segment; for the newest, the most a segment can hold past its base (2^31)
     * @param newest whether this is the newest segment, the only one whose tail a crash can tear
     * @param batchBytesMax the log's batch limit, bounding how far a damaged length field is searched for
     * @param recordedLosses first to last offset of each loss an earlier repair recorded in the
     *     segment's {@code .corrupt} file: the span of the empty batch it wrote there, should that
     *     batch's own header be damaged in turn
     */
    SegmentValidator(SegmentFile file, long baseOffset, long upperBound, boolean newest, int batchBytesMax,
            Map<Long, Long> recordedLosses) {
        this.file = file;
        this.baseOffset = baseOffset;
        this.upperBound = upperBound;
        this.newest = newest;
        this.batchBytesMax = batchBytesMax;
        this.recordedLosses = recordedLosses;
        this.size = file.size();
        // No larger than the file: a broker opening 100,000 one-message logs should not zero 256 KiB for each.
        this.window = ByteBuffer.allocate((int) Math.max(HEADER_BYTES, Math.min(WINDOW_BYTES, size)));
    }

    /** The offset bound of the newest segment starting at {@code baseOffset}: a segment's relative offsets are ints. */
    static long newestUpperBound(long baseOffset) {
        return baseOffset + Integer.MAX_VALUE + 1L;
    }

    Result validate(BatchSink sink) throws IOException {
        List<Edit> edits = new ArrayList<>();
        long position = 0;
        long expected = baseOffset;
        long shift = 0; // repaired position minus original position
        while (position < size) {
            Verdict verdict = examine(position, expected);
            if (verdict.intact) {
                if (verdict.headerRepair != null) {
                    edits.add(new Edit(EditKind.HEADER_REPAIR, position, verdict.headerRepair.remaining(),
                            verdict.headerRepair, 0, -1, verdict.problem));
                }
                sink.accept(expected, verdict.lastOffset, (int) (position + shift), verdict.bytes, verdict.maxTimestampMs);
                expected = verdict.lastOffset + 1;
                position += verdict.bytes;
                continue;
            }
            long next = resynchronise(position + 1, expected);
            if (next >= 0) {
                long nextBase = getLong(next);
                shift += damage(edits, sink, position, next - position, expected, nextBase - 1, verdict.problem, position + shift);
                expected = nextBase;
                position = next;
                continue;
            }
            if (!newest) {
                long lastLost = upperBound - 1;
                shift += damage(edits, sink, position, size - position, expected, lastLost, verdict.problem, position + shift);
                expected = Math.max(expected, upperBound);
                position = size;
                break;
            }
            // The newest segment, and nothing valid follows. Complete batches that claim the next
            // offsets held confirmed records: damage. What is left is a write a crash cut short.
            long claimedEnd = position;
            long claimedLast = expected - 1;
            while (claimsNextBatch(claimedEnd, claimedLast + 1)) {
                claimedLast = claimedLastOffset(claimedEnd, claimedLast + 1);
                claimedEnd += LOG_OVERHEAD_BYTES + getInt(claimedEnd + LENGTH_POSITION);
            }
            if (claimedEnd > position) {
                shift += damage(edits, sink, position, claimedEnd - position, expected, claimedLast, verdict.problem,
                        position + shift);
                expected = claimedLast + 1;
                position = claimedEnd;
            }
            if (position < size) {
                edits.add(new Edit(EditKind.TORN_TAIL, position, size - position, ByteBuffer.allocate(0), 0, -1,
                        claimedEnd > verdict.position ? describeTail(position, expected) : verdict.problem));
            }
            break;
        }
        if (!newest && expected < upperBound) {
            // The valid batches end before the next segment begins: their offsets are missing altogether.
            shift += damage(edits, sink, size, 0, expected, upperBound - 1,
                    "the segment ends at offset " + expected + " but the next one starts at " + upperBound, size + shift);
            expected = upperBound;
        }
        return new Result(List.copyOf(edits), expected, Math.min(position, size) + shift);
    }

    /** Records a damaged region and the empty batches that take its place; returns the change in size. */
    private long damage(List<Edit> edits, BatchSink sink, long position, long length, long firstLost, long lastLost,
            String reason, long repairedPosition) {
        ByteBuffer replacement = lastLost >= firstLost ? BatchFormat.emptyBatches(firstLost, lastLost) : ByteBuffer.allocate(0);
        edits.add(new Edit(EditKind.DAMAGE, position, length, replacement, firstLost, lastLost, reason));
        int at = 0;
        for (long base = firstLost; base <= lastLost; ) {
            long last = base + replacement.getInt(at + LAST_OFFSET_DELTA_POSITION);
            sink.accept(base, last, (int) (repairedPosition + at), HEADER_BYTES, RecordBatch.NO_TIMESTAMP);
            at += HEADER_BYTES;
            base = last + 1;
        }
        return replacement.remaining() - length;
    }

    private String describeTail(long position, long expected) {
        return "incomplete batch after offset " + (expected - 1) + " at byte " + position;
    }

    /** The outcome of checking the bytes at one position against the offset expected there. */
    private static final class Verdict {
        final long position;
        final boolean intact;
        final int bytes;
        final long lastOffset;
        final long maxTimestampMs;
        final ByteBuffer headerRepair;
        final String problem;

        private Verdict(long position, boolean intact, int bytes, long lastOffset, long maxTimestampMs,
                ByteBuffer headerRepair, String problem) {
            this.position = position;
            this.intact = intact;
            this.bytes = bytes;
            this.lastOffset = lastOffset;
            this.maxTimestampMs = maxTimestampMs;
            this.headerRepair = headerRepair;
            this.problem = problem;
        }

        static Verdict bad(long position, String problem) {
            return new Verdict(position, false, 0, -1, -1, null, problem);
        }
    }

    /**
     * Whether the batch at {@code position} is intact and starts at {@code expected}. A batch whose
     * CRC-covered bytes are intact but whose base offset, length or magic (which the CRC does not
     * cover) are wrong is intact too, with those fields restored: a segment's batches are back to
     * back with contiguous offsets, so the right values are known.
     */
    private Verdict examine(long position, long expected) throws IOException {
        long available = size - position;
        if (available < HEADER_BYTES) {
            return Verdict.bad(position, "torn batch header: " + available + " bytes left");
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        for (int i = 0; i < HEADER_BYTES; i++) {
            header.put(i, get(position + i));
        }
        int length = header.getInt(LENGTH_POSITION);
        int lastOffsetDelta = header.getInt(LAST_OFFSET_DELTA_POSITION);
        int recordCount = header.getInt(RECORD_COUNT_POSITION);
        int storedCrc = header.getInt(CRC_POSITION);
        long maxTimestampMs = header.getLong(MAX_TIMESTAMP_POSITION);
        long lastOffset = expected + lastOffsetDelta;
        String problem = BatchFormat.checkHeader(header, expected, available, true);
        long triedLength = -1;
        if (problem == null) {
            if (lastOffset >= upperBound) {
                problem = "offsets " + expected + ".." + lastOffset + " run past the segment's end at " + upperBound;
            } else if (crcMatches(position, length, storedCrc)) {
                return new Verdict(position, true, LOG_OVERHEAD_BYTES + length, lastOffset, maxTimestampMs, null, null);
            } else {
                problem = "CRC mismatch in the batch at offset " + expected;
                triedLength = length;
            }
        }
        if (lastOffsetDelta < 0 || lastOffset >= upperBound) {
            return Verdict.bad(position, problem);
        }
        long[] candidates = {length, impliedLength(position, recordCount, header.getShort(ATTRIBUTES_POSITION)),
                available - LOG_OVERHEAD_BYTES <= batchBytesMax ? available - LOG_OVERHEAD_BYTES : -1};
        for (long candidate : candidates) {
            if (candidate == triedLength || candidate < EMPTY_BATCH_LENGTH || candidate > available - LOG_OVERHEAD_BYTES
                    || !BatchFormat.shapeIsValid(recordCount, lastOffsetDelta, (int) candidate)) {
                continue;
            }
            if (crcMatches(position, (int) candidate, storedCrc)) {
                ByteBuffer repaired = ByteBuffer.allocate(CRC_POSITION);
                repaired.putLong(expected).putInt((int) candidate).putInt(header.getInt(LEADER_EPOCH_POSITION))
                        .put(RecordBatch.MAGIC_VALUE_V2).flip();
                return new Verdict(position, true, LOG_OVERHEAD_BYTES + (int) candidate, lastOffset, maxTimestampMs,
                        repaired, problem);
            }
        }
        return Verdict.bad(position, problem);
    }

    /**
     * The length an uncompressed batch's records add up to (each record starts with its own
     * length as a zigzag varint), or -1 if they do not parse within the file.
     */
    private long impliedLength(long position, int recordCount, short attributes) throws IOException {
        if ((attributes & COMPRESSION_MASK) != 0 || recordCount < 0) {
            return -1;
        }
        long at = position + HEADER_BYTES; // no records: EMPTY_BATCH_LENGTH
        for (int i = 0; i < recordCount; i++) {
            int value = 0;
            int shift = 0;
            int next;
            do {
                if (at >= size || shift > 28) {
                    return -1;
                }
                next = get(at++) & 0xFF;
                value |= (next & 0x7F) << shift;
                shift += 7;
            } while ((next & 0x80) != 0);
            int recordBytes = (value >>> 1) ^ -(value & 1);
            if (recordBytes < RECORD_BYTES_MIN - 1 || at + recordBytes > size) {
                return -1;
            }
            at += recordBytes;
        }
        return at - position - LOG_OVERHEAD_BYTES;
    }

    /**
     * The position of the first batch after a damaged one that passes every check including its
     * CRC, with offsets at or above {@code expected} and below the segment's bound; -1 if none.
     */
    private long resynchronise(long from, long expected) throws IOException {
        for (long at = from; at + HEADER_BYTES <= size; at++) {
            if (get(at + MAGIC_POSITION) != RecordBatch.MAGIC_VALUE_V2) {
                continue;
            }
            int length = getInt(at + LENGTH_POSITION);
            if (length < EMPTY_BATCH_LENGTH || at + LOG_OVERHEAD_BYTES + (long) length > size) {
                continue;
            }
            long base = getLong(at);
            if (base < expected || base >= upperBound) {
                continue;
            }
            int lastOffsetDelta = getInt(at + LAST_OFFSET_DELTA_POSITION);
            if (!BatchFormat.shapeIsValid(getInt(at + RECORD_COUNT_POSITION), lastOffsetDelta, length)
                    || base + lastOffsetDelta >= upperBound) {
                continue;
            }
            if (crcMatches(at, length, getInt(at + CRC_POSITION))) {
                return at;
            }
        }
        return -1;
    }

    /** Whether a complete batch at {@code position} says it starts at {@code offset} (its content may still be bad). */
    private boolean claimsNextBatch(long position, long offset) throws IOException {
        if (size - position < HEADER_BYTES || offset >= upperBound) {
            return false;
        }
        if (get(position + MAGIC_POSITION) != RecordBatch.MAGIC_VALUE_V2 || getLong(position) != offset) {
            return false;
        }
        int length = getInt(position + LENGTH_POSITION);
        return length >= EMPTY_BATCH_LENGTH && position + LOG_OVERHEAD_BYTES + (long) length <= size;
    }

    /**
     * The last offset a damaged batch held, from its header. Its record count and last offset
     * delta should agree; a flipped bit may have changed one of them, so the larger plausible one
     * is taken (an offset reported lost that held nothing costs nothing; a lost offset handed out
     * again would). Plausible: an uncompressed batch cannot hold more records than its bytes allow.
     * An empty batch has no record count to cross-check; its span is also in the {@code .corrupt}
     * file of the repair that wrote it.
     */
    private long claimedLastOffset(long position, long offset) throws IOException {
        int length = getInt(position + LENGTH_POSITION);
        int lastOffsetDelta = getInt(position + LAST_OFFSET_DELTA_POSITION);
        int recordCount = getInt(position + RECORD_COUNT_POSITION);
        long records = 1;
        if (length == EMPTY_BATCH_LENGTH) {
            // An empty batch: only a repair writes one, and the repair recorded the span it covers.
            records = lastOffsetDelta >= 0 ? lastOffsetDelta + 1L : (lastOffsetDelta & Integer.MAX_VALUE) + 1L;
            Long recordedLast = recordedLosses.get(offset);
            if (recordedLast != null && recordedLast >= offset) {
                records = Math.max(records, recordedLast - offset + 1);
            }
        } else {
            boolean compressed = (getShort(position + ATTRIBUTES_POSITION) & COMPRESSION_MASK) != 0;
            long recordsMax = compressed ? Long.MAX_VALUE : Math.max(1, (length - EMPTY_BATCH_LENGTH) / RECORD_BYTES_MIN);
            if (lastOffsetDelta >= 0 && lastOffsetDelta + 1L <= recordsMax) {
                records = Math.max(records, lastOffsetDelta + 1L);
            }
            if (recordCount >= 1 && recordCount <= recordsMax) {
                records = Math.max(records, recordCount);
            }
        }
        return Math.min(offset + records - 1, upperBound - 1);
    }

    private boolean crcMatches(long position, int length, int storedCrc) throws IOException {
        CRC32C crc = new CRC32C();
        long end = position + LOG_OVERHEAD_BYTES + length;
        for (long at = position + ATTRIBUTES_POSITION; at < end; ) {
            int bytes = (int) Math.min(window.capacity(), end - at);
            load(at, bytes);
            int from = (int) (at - windowStart);
            crc.update(window.duplicate().position(from).limit(from + bytes));
            at += bytes;
        }
        return (int) crc.getValue() == storedCrc;
    }

    private byte get(long position) throws IOException {
        load(position, 1);
        return window.get((int) (position - windowStart));
    }

    private short getShort(long position) throws IOException {
        load(position, 2);
        return window.getShort((int) (position - windowStart));
    }

    private int getInt(long position) throws IOException {
        load(position, 4);
        return window.getInt((int) (position - windowStart));
    }

    private long getLong(long position) throws IOException {
        load(position, 8);
        return window.getLong((int) (position - windowStart));
    }

    /** Makes {@code bytes} bytes from {@code position} available in the window (at most its size). */
    private void load(long position, int bytes) throws IOException {
        if (position >= windowStart && position + bytes <= windowStart + windowBytes) {
            return;
        }
        if (position + bytes > size) {
            throw new EOFException("validation read past the end of " + file.path().getFileName());
        }
        int toRead = (int) Math.min(window.capacity(), size - position);
        window.clear().limit(toRead);
        file.readFully(window, position);
        windowStart = position;
        windowBytes = toRead;
        window.clear();
    }
}
