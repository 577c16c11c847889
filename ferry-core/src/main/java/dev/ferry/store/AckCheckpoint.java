package dev.ferry.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.log.LogFileSystem;

/**
 * The settled state of a queue's log at one moment, as kept in a file beside the log.
 *
 * <p>Version 3 (written; versions 1 and 2 are still read):
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     magic 0x46414B43 "FAKC"                   |   0
 * +-------------------------------+-------------------------------+
 * |          version = 3          |   flags (bit 0: clean stop)   |   4
 * +-------------------------------+-------------------------------+
 * |                  low-water offset (8 bytes)                   |   8
 * +---------------------------------------------------------------+
 * |             delivered high-water offset (8 bytes)             |  16
 * +---------------------------------------------------------------+
 * |                     r: number of settled runs                 |  24
 * +---------------------------------------------------------------+
 * |   r times: first offset of the run (8) | run length (4)       |  28
 * +---------------------------------------------------------------+
 * |                  m: number of counted offsets                 |
 * +---------------------------------------------------------------+
 * |   m times: offset (8) | return count (4) | retry due (8)      |
 * +---------------------------------------------------------------+
 * |                CRC32C of every byte before it                 |
 * +---------------------------------------------------------------+
 * </pre>
 * <ul>
 *   <li>flags: bit 0 set = written by a clean shutdown (nothing was delivered after it); other
 *       bits 0.</li>
 *   <li>low-water offset: every offset below it is settled. Delivered high-water offset: every
 *       unsettled offset below it was delivered at least once before (it comes back with
 *       redelivered = true).</li>
 *   <li>settled runs: offsets {@code [first, first + length)} settled above the low-water offset;
 *       first offsets ascending, each run starting above the low-water offset and at or after the
 *       end of the run before, lengths at least 1. Acks arrive mostly in order, so the settled
 *       offsets behind a stuck message are one run of 12 bytes, however many they are.</li>
 *   <li>counted offsets: unsettled offsets (strictly ascending, at or above the low-water offset)
 *       whose messages came back to the queue unsettled, with how many times (at least 1:
 *       x-delivery-limit's count) and, when the message is waiting out an x-retry-delays delay,
 *       the epoch millisecond at which it is due; -1 when it is not waiting.</li>
 * </ul>
 * Version 1: the header up to the low-water offsets as above, then {@code n} (4 bytes) and
 * {@code n} settled offsets (8 bytes each, strictly ascending), then the CRC. Version 2: as
 * version 1, then {@code m} (4 bytes) and {@code m} times offset (8) and return count (4), then the
 * CRC.
 *
 * <p>Files: {@value #FILE_NAME} is the current checkpoint, {@value #PREVIOUS_FILE_NAME} the one
 * before it. A write goes to {@value #TEMP_FILE_NAME}, is fsynced, the current file is renamed to
 * the previous one, the temporary file to the current one, and the directory is fsynced. Every
 * rename is atomic, so at every moment at least one complete checkpoint exists (or none yet).
 * Reading takes the current file if it is whole and valid, else the previous one, else "nothing
 * settled": a damaged checkpoint can only make Ferry redeliver more, never settle more.
 *
 * @param lowWater           every offset below is settled
 * @param deliveredHighWater every unsettled offset below was delivered before
 * @param settled            settled offsets above {@code lowWater}
 * @param cleanShutdown      written when the queue closed cleanly: its delivered high-water mark
 *                           is exact. Any other checkpoint may be up to an interval behind.
 * @param countedOffsets     unsettled offsets whose messages came back to the queue, ascending
 * @param returnCounts       how many times each of those came back (parallel to countedOffsets)
 * @param retryDueAt         when each of those is due back from its retry delay (epoch ms), or
 *                           {@link #NOT_WAITING} (parallel to countedOffsets)
 */
record AckCheckpoint(long lowWater, long deliveredHighWater, OffsetRuns settled, boolean cleanShutdown,
                     long[] countedOffsets, int[] returnCounts, long[] retryDueAt) {
    static final String FILE_NAME = "acks.checkpoint";
    static final String PREVIOUS_FILE_NAME = "acks.checkpoint.prev";
    static final String TEMP_FILE_NAME = "acks.checkpoint.tmp";
    static final int MAGIC = 0x46414B43;
    static final short VERSION = 3;
    private static final short FIRST_VERSION = 1;
    static final int HEADER_BYTES = 28;
    static final int RUN_BYTES = 12;
    static final int COUNTED_BYTES = 20;
    /** {@link #retryDueAt()} of a message that is not waiting out a retry delay. */
    static final long NOT_WAITING = -1;
    private static final short FLAG_CLEAN_SHUTDOWN = 1;
    private static final Logger LOG = LoggerFactory.getLogger(AckCheckpoint.class);

    /** Nothing settled, nothing delivered. */
    static final AckCheckpoint EMPTY = new AckCheckpoint(0, 0, new long[0]);

    /** A checkpoint taken while the queue runs, with no return counts. */
    AckCheckpoint(long lowWater, long deliveredHighWater, long[] settledAbove) {
        this(lowWater, deliveredHighWater, OffsetRuns.of(settledAbove), false, new long[0], new int[0], new long[0]);
    }

    /** With return counts of messages none of which waits out a retry delay. */
    AckCheckpoint(long lowWater, long deliveredHighWater, long[] settledAbove, boolean cleanShutdown,
                  long[] countedOffsets, int[] returnCounts) {
        this(lowWater, deliveredHighWater, OffsetRuns.of(settledAbove), cleanShutdown, countedOffsets, returnCounts,
                notWaiting(countedOffsets.length));
    }

    private static long[] notWaiting(int count) {
        long[] due = new long[count];
        Arrays.fill(due, NOT_WAITING);
        return due;
    }

    /** The same state, marked as written (or not) by a clean shutdown. */
    AckCheckpoint withCleanShutdown(boolean clean) {
        return new AckCheckpoint(lowWater, deliveredHighWater, settled, clean, countedOffsets, returnCounts, retryDueAt);
    }

    AckCheckpoint {
        if (lowWater < 0 || deliveredHighWater < 0) {
            throw new IllegalArgumentException("negative offsets in a checkpoint: " + lowWater + ", " + deliveredHighWater);
        }
        if (!settled.isEmpty() && settled.start(0) <= lowWater) {
            throw new IllegalArgumentException("settled runs must lie above the low-water mark " + lowWater + ": "
                    + settled);
        }
        if (countedOffsets.length != returnCounts.length || countedOffsets.length != retryDueAt.length) {
            throw new IllegalArgumentException("return counts do not match their offsets");
        }
        for (int i = 0; i < countedOffsets.length; i++) {
            if (countedOffsets[i] < lowWater || (i > 0 && countedOffsets[i] <= countedOffsets[i - 1])
                    || returnCounts[i] < 1 || (retryDueAt[i] < 0 && retryDueAt[i] != NOT_WAITING)) {
                throw new IllegalArgumentException("return counts must be positive, on ascending offsets at or above "
                        + lowWater + ", with due times at or above 0 or -1: " + Arrays.toString(countedOffsets) + " "
                        + Arrays.toString(returnCounts) + " " + Arrays.toString(retryDueAt));
            }
        }
    }

    /** The settled offsets above the low-water mark, one by one: for tests. */
    long[] settledAbove() {
        return settled.toOffsets();
    }

    /**
     * The same state for a log that ends at {@code logEndOffset} (its tail may have been cut off
     * by a crash after the checkpoint was written: offsets at or beyond the end belong to records
     * that are gone, and new records will reuse them, so they must not count as settled).
     */
    AckCheckpoint clampedTo(long logEndOffset) {
        int counted = 0;
        while (counted < countedOffsets.length && countedOffsets[counted] < logEndOffset) {
            counted++;
        }
        return new AckCheckpoint(Math.min(lowWater, logEndOffset), Math.min(deliveredHighWater, logEndOffset),
                settled.below(logEndOffset), cleanShutdown, Arrays.copyOf(countedOffsets, counted),
                Arrays.copyOf(returnCounts, counted), Arrays.copyOf(retryDueAt, counted));
    }

    byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + RUN_BYTES * settled.count() + 4
                + COUNTED_BYTES * countedOffsets.length + 4);
        buffer.putInt(MAGIC).putShort(VERSION).putShort(cleanShutdown ? FLAG_CLEAN_SHUTDOWN : 0);
        buffer.putLong(lowWater).putLong(deliveredHighWater).putInt(settled.count());
        for (int i = 0; i < settled.count(); i++) {
            buffer.putLong(settled.start(i)).putInt(settled.length(i));
        }
        buffer.putInt(countedOffsets.length);
        for (int i = 0; i < countedOffsets.length; i++) {
            buffer.putLong(countedOffsets[i]).putInt(returnCounts[i]).putLong(retryDueAt[i]);
        }
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) crc.getValue());
        return buffer.array();
    }

    /** @throws IOException with the reason when {@code bytes} are not one whole, valid checkpoint */
    static AckCheckpoint fromBytes(byte[] bytes) throws IOException {
        if (bytes.length < HEADER_BYTES + 4) {
            throw new IOException("only " + bytes.length + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int magic = buffer.getInt();
        if (magic != MAGIC) {
            throw new IOException("bad magic 0x" + Integer.toHexString(magic));
        }
        short version = buffer.getShort();
        if (version < FIRST_VERSION || version > VERSION) {
            throw new IOException("unknown version " + version);
        }
        // The CRC first: nothing read from a damaged file is trusted, not even a count.
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new IOException("CRC mismatch");
        }
        boolean clean = (buffer.getShort() & FLAG_CLEAN_SHUTDOWN) != 0;
        long lowWater = buffer.getLong();
        long deliveredHighWater = buffer.getLong();
        int count = buffer.getInt();
        int entryBytes = version >= 3 ? RUN_BYTES : 8;
        if (count < 0 || bytes.length < HEADER_BYTES + (long) entryBytes * count + 4) {
            throw new IOException(bytes.length + " bytes do not hold " + count + " settled entries");
        }
        OffsetRuns.Builder settled = new OffsetRuns.Builder();
        try {
            for (int i = 0; i < count; i++) {
                long start = buffer.getLong();
                settled.add(start, version >= 3 ? buffer.getInt() : 1);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
        int counted = 0;
        if (version >= 2) {
            if (bytes.length < buffer.position() + 8) {
                throw new IOException(bytes.length + " bytes end before the return counts");
            }
            counted = buffer.getInt();
        }
        int countedBytes = version >= 3 ? COUNTED_BYTES : 12;
        if (counted < 0 || bytes.length != buffer.position() + (long) countedBytes * counted + 4) {
            throw new IOException(bytes.length + " bytes do not hold " + count + " settled entries and " + counted
                    + " return counts");
        }
        long[] countedOffsets = new long[counted];
        int[] returnCounts = new int[counted];
        long[] retryDueAt = new long[counted];
        for (int i = 0; i < counted; i++) {
            countedOffsets[i] = buffer.getLong();
            returnCounts[i] = buffer.getInt();
            retryDueAt[i] = version >= 3 ? buffer.getLong() : NOT_WAITING;
        }
        try {
            return new AckCheckpoint(lowWater, deliveredHighWater, settled.build(), clean, countedOffsets, returnCounts,
                    retryDueAt);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }

    /** Writes this checkpoint durably as the current one in {@code directory}, on the real file system. */
    void write(Path directory) throws IOException {
        write(LogFileSystem.real(), directory);
    }

    /**
     * Writes this checkpoint durably as the current one in {@code directory} of {@code fileSystem}
     * (the one its queue's log is on); see the class comment. Returns once the directory is
     * fsynced; after an exception the write may not survive a crash (the previous checkpoint then
     * still counts).
     */
    void write(LogFileSystem fileSystem, Path directory) throws IOException {
        Path temp = directory.resolve(TEMP_FILE_NAME);
        try (FileChannel channel = fileSystem.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer data = ByteBuffer.wrap(toBytes());
            while (data.hasRemaining()) {
                channel.write(data);
            }
            channel.force(true);
        }
        Path current = directory.resolve(FILE_NAME);
        if (fileSystem.exists(current)) {
            fileSystem.moveAtomically(current, directory.resolve(PREVIOUS_FILE_NAME));
        }
        fileSystem.moveAtomically(temp, current);
        fileSystem.fsyncDirectory(directory);
    }

    /** The newest valid checkpoint in {@code directory} on the real file system, or {@link #EMPTY}. */
    static AckCheckpoint read(Path directory) {
        return read(LogFileSystem.real(), directory);
    }

    /** The newest valid checkpoint in {@code directory} of {@code fileSystem}, or {@link #EMPTY}; see the class comment. */
    static AckCheckpoint read(LogFileSystem fileSystem, Path directory) {
        for (String fileName : new String[] {FILE_NAME, PREVIOUS_FILE_NAME}) {
            Path file = directory.resolve(fileName);
            try {
                return fromBytes(readAll(fileSystem, file));
            } catch (NoSuchFileException e) {
                // Not written yet, or between the two renames of a write: try the previous one.
            } catch (IOException e) {
                LOG.warn("Ignoring damaged ack checkpoint {}: {}", file, e.getMessage());
            }
        }
        return EMPTY;
    }

    private static byte[] readAll(LogFileSystem fileSystem, Path file) throws IOException {
        try (FileChannel channel = fileSystem.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException(size + " bytes, more than any checkpoint");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
                continue; // to the end of the file
            }
            return Arrays.copyOf(bytes.array(), bytes.position());
        }
    }

    /** Makes renames in {@code directory} durable (Linux and macOS allow fsync of a directory). */
    static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("fsync of directory {} is not supported here: {}", directory, e.toString());
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AckCheckpoint that && lowWater == that.lowWater
                && deliveredHighWater == that.deliveredHighWater && settled.equals(that.settled)
                && cleanShutdown == that.cleanShutdown && Arrays.equals(countedOffsets, that.countedOffsets)
                && Arrays.equals(returnCounts, that.returnCounts) && Arrays.equals(retryDueAt, that.retryDueAt);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lowWater) * 31 + settled.hashCode();
    }

    @Override
    public String toString() {
        return "AckCheckpoint[lowWater=" + lowWater + ", deliveredHighWater=" + deliveredHighWater + ", settled="
                + settled.count() + " runs, " + countedOffsets.length + " counted" + (cleanShutdown ? ", clean shutdown" : "")
                + "]";
    }
}
