package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The {@code <baseOffset>.corrupt} file beside a segment: the bytes recovery removed from the
 * segment because they failed validation, kept so nothing damaged is ever destroyed, with where
 * they lay and which offsets they held.
 *
 * <p>Layout, big-endian: a 16-byte header, then one entry per damaged region, back to back until
 * the end of the file (a later repair of the same segment adds entries after the earlier ones):
 * <pre>
 *   header
 *   0        4        6        8                               16
 *   +--------+--------+--------+-------------------------------+
 *   | magic  | version| zero   | base offset of the segment    |
 *   | "FXCR" | int16  | int16  | int64                         |
 *   +--------+--------+--------+-------------------------------+
 *
 *   entry
 *   0                  8          12                 20                 28         32
 *   +------------------+----------+------------------+------------------+----------+------------+
 *   | position in the  | length N | first offset     | last offset      | CRC32C   | the N raw  |
 *   | segment file     | int32    | lost (int64)     | lost (int64)     | of bytes | bytes      |
 *   | (int64)          |          |                  |                  | 0..28+N  |            |
 *   +------------------+----------+------------------+------------------+----------+------------+
 * </pre>
 * Magic {@code 0x46584352}, version 1. The position is in the segment file as it was before the
 * repair that removed the region. When the region held no offsets (bytes after the segment's
 * last offset) the last offset is the first minus one. The CRC covers the entry's first 28 bytes
 * and its raw bytes, so an entry damaged in turn is recognisable.
 *
 * <p>A crash after this file is renamed into place but before the repaired segment is means the
 * next start finds the same damage again and adds the same region a second time; readers of the
 * file should expect a region to appear more than once.
 *
 * <p>Not thread-safe; written by the loader only, while the log is opening.
 */
final class CorruptFile {
    static final int MAGIC = 0x46584352;
    static final short VERSION = 1;
    static final int HEADER_BYTES = 16;
    static final int ENTRY_HEADER_BYTES = 32;
    private static final int ENTRY_CRC_POSITION = 28;
    private static final int COPY_CHUNK_BYTES = 64 * 1024;

    private CorruptFile() {
    }

    static Path path(Path directory, long baseOffset) {
        return directory.resolve(LogSegment.fileStem(baseOffset) + ".corrupt");
    }

    /** One damaged region to keep: where it lay in the segment, its length, and the offsets it held. */
    record Region(long position, int length, long firstOffsetLost, long lastOffsetLost) {
    }

    /** A region read back from a file, with its bytes and whether its CRC still matches. */
    record Entry(Region region, byte[] bytes, boolean crcMatches) {
    }

    /**
     * Adds {@code regions}, their bytes copied from {@code segment}, to the file at {@code file}
     * (creating it): the earlier entries and the new ones are written to a temporary file, which
     * is fsynced and renamed into place. The caller fsyncs the directory.
     */
    static void append(LogFileSystem fileSystem, Path file, long segmentBaseOffset, List<Region> regions,
            SegmentFile segment) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out = fileSystem.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            long at = 0;
            if (fileSystem.exists(file)) {
                at = copyWhole(fileSystem, file, out);
            } else {
                ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
                header.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(segmentBaseOffset).flip();
                at += writeFully(out, header, at);
            }
            ByteBuffer chunk = ByteBuffer.allocate(COPY_CHUNK_BYTES);
            for (Region region : regions) {
                ByteBuffer entryHeader = ByteBuffer.allocate(ENTRY_HEADER_BYTES);
                entryHeader.putLong(region.position()).putInt(region.length()).putLong(region.firstOffsetLost())
                        .putLong(region.lastOffsetLost()).putInt(0).flip();
                CRC32C crc = new CRC32C();
                crc.update(entryHeader.duplicate().limit(ENTRY_CRC_POSITION));
                long entryStart = at;
                at += ENTRY_HEADER_BYTES;
                for (long copied = 0; copied < region.length(); ) {
                    int bytes = (int) Math.min(chunk.capacity(), region.length() - copied);
                    chunk.clear().limit(bytes);
                    segment.readFully(chunk, region.position() + copied);
                    chunk.flip();
                    crc.update(chunk.duplicate());
                    at += writeFully(out, chunk, at);
                    copied += bytes;
                }
                entryHeader.putInt(ENTRY_CRC_POSITION, (int) crc.getValue());
                writeFully(out, entryHeader, entryStart);
            }
            out.force(true);
        }
        fileSystem.moveAtomically(temporary, file);
    }

    /**
     * Reads every entry of a {@code .corrupt} file (for operators' tools and tests).
     *
     * @throws IOException if the header is wrong or an entry runs past the end of the file
     */
    static List<Entry> read(LogFileSystem fileSystem, Path file) throws IOException {
        long size = fileSystem.size(file);
        if (size > Integer.MAX_VALUE) {
            throw new IOException(file + " is too large to read at once");
        }
        ByteBuffer content = ByteBuffer.allocate((int) size);
        try (FileChannel in = fileSystem.open(file, StandardOpenOption.READ)) {
            while (content.hasRemaining()) {
                if (in.read(content, content.position()) < 0) {
                    throw new IOException(file + " ended early");
                }
            }
        }
        content.flip();
        if (content.remaining() < HEADER_BYTES || content.getInt(0) != MAGIC || content.getShort(4) != VERSION) {
            throw new IOException(file + " is not a version " + VERSION + " .corrupt file");
        }
        List<Entry> entries = new ArrayList<>();
        int at = HEADER_BYTES;
        while (at < content.limit()) {
            if (content.limit() - at < ENTRY_HEADER_BYTES) {
                throw new IOException(file + ": entry header at byte " + at + " is cut short");
            }
            int length = content.getInt(at + 8);
            if (length < 0 || content.limit() - at - ENTRY_HEADER_BYTES < length) {
                throw new IOException(file + ": entry at byte " + at + " has length " + length + " past the end");
            }
            Region region = new Region(content.getLong(at), length, content.getLong(at + 12), content.getLong(at + 20));
            byte[] bytes = new byte[length];
            content.get(at + ENTRY_HEADER_BYTES, bytes);
            CRC32C crc = new CRC32C();
            crc.update(content.duplicate().position(at).limit(at + ENTRY_CRC_POSITION));
            crc.update(bytes);
            entries.add(new Entry(region, bytes, (int) crc.getValue() == content.getInt(at + ENTRY_CRC_POSITION)));
            at += ENTRY_HEADER_BYTES + length;
        }
        return entries;
    }

    /**
     * The regions recorded in a {@code .corrupt} file, reading only the entry headers. Stops at the
     * first entry whose header does not fit in the file (a damaged file), returning what came before.
     *
     * @throws IOException if the file cannot be read or its file header is wrong
     */
    static List<Region> readRegions(LogFileSystem fileSystem, Path file) throws IOException {
        List<Region> regions = new ArrayList<>();
        try (FileChannel in = fileSystem.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            readFully(in, header, 0);
            if (header.getInt(0) != MAGIC || header.getShort(4) != VERSION) {
                throw new IOException(file + " is not a version " + VERSION + " .corrupt file");
            }
            ByteBuffer entry = ByteBuffer.allocate(ENTRY_HEADER_BYTES);
            for (long at = HEADER_BYTES; at + ENTRY_HEADER_BYTES <= size; ) {
                entry.clear();
                readFully(in, entry, at);
                int length = entry.getInt(8);
                if (length < 0 || at + ENTRY_HEADER_BYTES + length > size) {
                    break;
                }
                regions.add(new Region(entry.getLong(0), length, entry.getLong(12), entry.getLong(20)));
                at += ENTRY_HEADER_BYTES + length;
            }
        }
        return regions;
    }

    private static void readFully(FileChannel in, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static long copyWhole(LogFileSystem fileSystem, Path file, FileChannel out) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(COPY_CHUNK_BYTES);
        long at = 0;
        try (FileChannel in = fileSystem.open(file, StandardOpenOption.READ)) {
            while (true) {
                chunk.clear();
                int read = in.read(chunk, at);
                if (read < 0) {
                    return at;
                }
                chunk.flip();
                writeFully(out, chunk, at);
                at += read;
            }
        }
    }

    private static int writeFully(FileChannel out, ByteBuffer buffer, long position) throws IOException {
        int bytes = buffer.remaining();
        long at = position;
        while (buffer.hasRemaining()) {
            at += out.write(buffer, at);
        }
        return bytes;
    }
}
