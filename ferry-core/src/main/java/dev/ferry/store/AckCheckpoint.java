package dev.ferry.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settled state of a queue's log at one moment, as kept in a file beside the log.
 *
 * <pre>
 * offset   size  field
 * 0        4     magic 0x46414B43 ("FAKC")
 * 4        2     format version = 2 (version 1, without the return counts, is still read)
 * 6        2     flags: bit 0 set = written by a clean shutdown (nothing was delivered after it);
 *                other bits 0
 * 8        8     low-water offset: every offset below it is settled
 * 16       8     delivered high-water offset: every unsettled offset below it was delivered at
 *                least once before (it comes back with redelivered = true)
 * 24       4     n: how many settled offsets follow
 * 28       8·n   settled offsets above the low-water offset, strictly ascending
 * then     4     m: how many return counts follow (version 2)
 *          12·m  unsettled offsets (strictly ascending, 8 bytes) with how many times each message
 *                came back to the queue unsettled (4 bytes, at least 1): x-delivery-limit's count
 * last     4     CRC32C of every byte before it
 * </pre>
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
 * @param settledAbove       settled offsets above {@code lowWater}, ascending
 * @param cleanShutdown      written when the queue closed cleanly: its delivered high-water mark
 *                           is exact. Any other checkpoint may be up to an interval behind.
 * @param countedOffsets     unsettled offsets whose messages came back to the queue, ascending
 * @param returnCounts       how many times each of those came back (parallel to countedOffsets)
 */
record AckCheckpoint(long lowWater, long deliveredHighWater, long[] settledAbove, boolean cleanShutdown,
                     long[] countedOffsets, int[] returnCounts) {
    static final String FILE_NAME = "acks.checkpoint";
    static final String PREVIOUS_FILE_NAME = "acks.checkpoint.prev";
    static final String TEMP_FILE_NAME = "acks.checkpoint.tmp";
    static final int MAGIC = 0x46414B43;
    static final short VERSION = 2;
    private static final short FIRST_VERSION = 1;
    static final int HEADER_BYTES = 28;
    private static final short FLAG_CLEAN_SHUTDOWN = 1;
    private static final Logger LOG = LoggerFactory.getLogger(AckCheckpoint.class);

    /** Nothing settled, nothing delivered. */
    static final AckCheckpoint EMPTY = new AckCheckpoint(0, 0, new long[0]);

    /** A checkpoint taken while the queue runs, with no return counts. */
    AckCheckpoint(long lowWater, long deliveredHighWater, long[] settledAbove) {
        this(lowWater, deliveredHighWater, settledAbove, false, new long[0], new int[0]);
    }

    /** The same state, marked as written (or not) by a clean shutdown. */
    AckCheckpoint withCleanShutdown(boolean clean) {
        return new AckCheckpoint(lowWater, deliveredHighWater, settledAbove, clean, countedOffsets, returnCounts);
    }

    AckCheckpoint {
        if (lowWater < 0 || deliveredHighWater < 0) {
            throw new IllegalArgumentException("negative offsets in a checkpoint: " + lowWater + ", " + deliveredHighWater);
        }
        for (int i = 0; i < settledAbove.length; i++) {
            if (settledAbove[i] <= lowWater || (i > 0 && settledAbove[i] <= settledAbove[i - 1])) {
                throw new IllegalArgumentException("settled offsets must be ascending and above the low-water mark "
                        + lowWater + ": " + Arrays.toString(settledAbove));
            }
        }
        if (countedOffsets.length != returnCounts.length) {
            throw new IllegalArgumentException("return counts do not match their offsets");
        }
        for (int i = 0; i < countedOffsets.length; i++) {
            if (countedOffsets[i] < lowWater || (i > 0 && countedOffsets[i] <= countedOffsets[i - 1])
                    || returnCounts[i] < 1) {
                throw new IllegalArgumentException("return counts must be positive, on ascending offsets at or above "
                        + lowWater + ": " + Arrays.toString(countedOffsets) + " " + Arrays.toString(returnCounts));
            }
        }
    }

    /**
     * The same state for a log that ends at {@code logEndOffset} (its tail may have been cut off
     * by a crash after the checkpoint was written: offsets at or beyond the end belong to records
     * that are gone, and new records will reuse them, so they must not count as settled).
     */
    AckCheckpoint clampedTo(long logEndOffset) {
        long[] kept = Arrays.stream(settledAbove).filter(offset -> offset < logEndOffset).toArray();
        int counted = 0;
        while (counted < countedOffsets.length && countedOffsets[counted] < logEndOffset) {
            counted++;
        }
        return new AckCheckpoint(Math.min(lowWater, logEndOffset), Math.min(deliveredHighWater, logEndOffset), kept,
                cleanShutdown, Arrays.copyOf(countedOffsets, counted), Arrays.copyOf(returnCounts, counted));
    }

    byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + 8 * settledAbove.length + 4 + 12 * countedOffsets.length + 4);
        buffer.putInt(MAGIC).putShort(VERSION).putShort(cleanShutdown ? FLAG_CLEAN_SHUTDOWN : 0);
        buffer.putLong(lowWater).putLong(deliveredHighWater).putInt(settledAbove.length);
        for (long offset : settledAbove) {
            buffer.putLong(offset);
        }
        buffer.putInt(countedOffsets.length);
        for (int i = 0; i < countedOffsets.length; i++) {
            buffer.putLong(countedOffsets[i]).putInt(returnCounts[i]);
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
        if (version != VERSION && version != FIRST_VERSION) {
            throw new IOException("unknown version " + version);
        }
        boolean clean = (buffer.getShort() & FLAG_CLEAN_SHUTDOWN) != 0;
        long lowWater = buffer.getLong();
        long deliveredHighWater = buffer.getLong();
        int count = buffer.getInt();
        if (count < 0 || bytes.length < HEADER_BYTES + 8L * count + 4) {
            throw new IOException(bytes.length + " bytes do not hold " + count + " offsets");
        }
        long[] settled = new long[count];
        for (int i = 0; i < count; i++) {
            settled[i] = buffer.getLong();
        }
        int counted = 0;
        if (version >= 2) {
            if (bytes.length < buffer.position() + 8) {
                throw new IOException(bytes.length + " bytes end before the return counts");
            }
            counted = buffer.getInt();
        }
        if (counted < 0 || bytes.length != buffer.position() + 12L * counted + 4) {
            throw new IOException(bytes.length + " bytes do not hold " + count + " offsets and " + counted
                    + " return counts");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new IOException("CRC mismatch");
        }
        long[] countedOffsets = new long[counted];
        int[] returnCounts = new int[counted];
        for (int i = 0; i < counted; i++) {
            countedOffsets[i] = buffer.getLong();
            returnCounts[i] = buffer.getInt();
        }
        try {
            return new AckCheckpoint(lowWater, deliveredHighWater, settled, clean, countedOffsets, returnCounts);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }

    /** Writes this checkpoint durably as the current one in {@code directory}; see the class comment. */
    void write(Path directory) throws IOException {
        Path temp = directory.resolve(TEMP_FILE_NAME);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer data = ByteBuffer.wrap(toBytes());
            while (data.hasRemaining()) {
                channel.write(data);
            }
            channel.force(true);
        }
        Path current = directory.resolve(FILE_NAME);
        if (Files.exists(current)) {
            atomicMove(current, directory.resolve(PREVIOUS_FILE_NAME));
        }
        atomicMove(temp, current);
        syncDirectory(directory);
    }

    /** The newest valid checkpoint in {@code directory}, or {@link #EMPTY}; see the class comment. */
    static AckCheckpoint read(Path directory) {
        for (String fileName : new String[] {FILE_NAME, PREVIOUS_FILE_NAME}) {
            Path file = directory.resolve(fileName);
            try {
                return fromBytes(Files.readAllBytes(file));
            } catch (NoSuchFileException e) {
                // Not written yet, or between the two renames of a write: try the previous one.
            } catch (IOException e) {
                LOG.warn("Ignoring damaged ack checkpoint {}: {}", file, e.getMessage());
            }
        }
        return EMPTY;
    }

    private static void atomicMove(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
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
                && deliveredHighWater == that.deliveredHighWater && Arrays.equals(settledAbove, that.settledAbove)
                && cleanShutdown == that.cleanShutdown && Arrays.equals(countedOffsets, that.countedOffsets)
                && Arrays.equals(returnCounts, that.returnCounts);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lowWater) * 31 + Arrays.hashCode(settledAbove);
    }

    @Override
    public String toString() {
        return "AckCheckpoint[lowWater=" + lowWater + ", deliveredHighWater=" + deliveredHighWater + ", settledAbove="
                + settledAbove.length + " offsets" + (cleanShutdown ? ", clean shutdown" : "") + "]";
    }
}
