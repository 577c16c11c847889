package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The header and the write-then-rename discipline shared by {@link OffsetIndex} and
 * {@link TimeIndex}, so both file formats check damage the same way.
 *
 * <p>Header, 24 bytes, big-endian, followed by {@code entryCount} fixed-size entries:
 * <pre>
 *   0        4        6        8                       16          20          24
 *   +--------+--------+--------+------------------------+-----------+-----------+
 *   | magic  | version| entry  | base offset of the     | entry     | CRC32C of |
 *   | int32  | int16  | bytes  | segment (int64)        | count     | all entry |
 *   |        |        | int16  |                        | int32     | bytes     |
 *   +--------+--------+--------+------------------------+-----------+-----------+
 * </pre>
 * The file length must be exactly {@code 24 + entryCount * entryBytes}; anything else, or a CRC
 * mismatch, means the file is damaged and the index is rebuilt from its segment.
 *
 * <p>Design note: an index file is written whole, once, when its segment is sealed (again if a
 * load finds it missing or damaged, or repairs the segment), to a temporary name, fsynced, then
 * renamed into place. A crash therefore leaves either no file or a complete one, and the hot
 * append path never writes index files at all. The newest segment has none: it is validated and
 * indexed from its data at every open.
 */
final class IndexFile {
    static final int HEADER_BYTES = 24;
    private static final int CRC_POSITION = 20;

    private IndexFile() {
    }

    /** A buffer holding a header (CRC still zero) and room for the entries, positioned after the header. */
    static ByteBuffer allocate(int magic, short version, int entryBytes, long baseOffset, int entryCount) {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + entryCount * entryBytes);
        buffer.putInt(magic).putShort(version).putShort((short) entryBytes).putLong(baseOffset)
                .putInt(entryCount).putInt(0);
        return buffer;
    }

    /** Fills in the CRC over the entries, then writes the buffer to {@code file} atomically and durably. */
    static void writeAtomically(LogFileSystem fileSystem, Path file, ByteBuffer filledBuffer) throws IOException {
        filledBuffer.flip();
        CRC32C crc = new CRC32C();
        crc.update(filledBuffer.duplicate().position(HEADER_BYTES));
        filledBuffer.putInt(CRC_POSITION, (int) crc.getValue());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = fileSystem.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (long at = 0; filledBuffer.hasRemaining(); ) {
                at += channel.write(filledBuffer, at);
            }
            channel.force(true);
        }
        fileSystem.moveAtomically(temporary, file);
    }

    /**
     * Reads and checks a whole index file.
     *
     * @param segmentBytes the size of the segment the file indexes: it holds at most one entry per
     *     batch, so a file longer than that many entries is damaged and is not read at all
     * @return the entries, positioned at the first one, with exactly {@code entryCount * entryBytes} remaining
     * @throws DamagedException naming what is wrong, when the file is missing or fails any check
     */
    static ByteBuffer readChecked(LogFileSystem fileSystem, Path file, int magic, short version, int entryBytes,
            long baseOffset, int segmentBytes) throws DamagedException {
        byte[] content;
        try {
            if (!fileSystem.exists(file)) {
                throw new DamagedException("missing");
            }
            content = readAll(fileSystem, file, entryBytes, segmentBytes);
        } catch (IOException e) {
            throw new DamagedException("unreadable: " + e);
        }
        ByteBuffer buffer = ByteBuffer.wrap(content);
        if (content.length < HEADER_BYTES) {
            throw new DamagedException("shorter than its header (" + content.length + " bytes)");
        }
        int foundMagic = buffer.getInt();
        if (foundMagic != magic) {
            throw new DamagedException("magic " + Integer.toHexString(foundMagic) + ", expected " + Integer.toHexString(magic));
        }
        short foundVersion = buffer.getShort();
        if (foundVersion != version) {
            throw new DamagedException("version " + foundVersion + ", expected " + version);
        }
        short foundEntryBytes = buffer.getShort();
        if (foundEntryBytes != entryBytes) {
            throw new DamagedException("entry size " + foundEntryBytes + ", expected " + entryBytes);
        }
        long foundBaseOffset = buffer.getLong();
        if (foundBaseOffset != baseOffset) {
            throw new DamagedException("base offset " + foundBaseOffset + ", expected " + baseOffset);
        }
        int entryCount = buffer.getInt();
        int expectedCrc = buffer.getInt();
        if (entryCount < 0 || (long) HEADER_BYTES + (long) entryCount * entryBytes != content.length) {
            throw new DamagedException(entryCount + " entries do not match the file length " + content.length);
        }
        CRC32C crc = new CRC32C();
        crc.update(content, HEADER_BYTES, content.length - HEADER_BYTES);
        if ((int) crc.getValue() != expectedCrc) {
            throw new DamagedException("entry CRC mismatch");
        }
        return buffer;
    }

    /** Every entry names a batch of its own, and no batch is shorter than its header. */
    static long maxEntries(int segmentBytes) {
        return segmentBytes / BatchFormat.HEADER_BYTES + 1;
    }

    // The length is checked before anything is allocated: a damaged file must cost a rebuild of the
    // index, never an array as large as whatever length the damage left (an OutOfMemoryError).
    private static byte[] readAll(LogFileSystem fileSystem, Path file, int entryBytes, int segmentBytes)
            throws IOException, DamagedException {
        long maxBytes = HEADER_BYTES + maxEntries(segmentBytes) * entryBytes;
        try (FileChannel channel = fileSystem.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > maxBytes) {
                throw new DamagedException(size + " bytes, longer than an index of a segment of " + segmentBytes
                        + " bytes can be (" + maxBytes + ")");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, buffer.position()) < 0) {
                    throw new IOException("ended after " + buffer.position() + " of " + size + " bytes");
                }
            }
            return buffer.array();
        }
    }

    /** Why an index file cannot be used; the caller rebuilds the index from the segment. */
    static final class DamagedException extends Exception {
        DamagedException(String reason) {
            super(reason, null, false, false);
        }
    }
}
