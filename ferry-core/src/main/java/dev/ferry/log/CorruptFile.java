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
 * they lay and which offsets they held. It is also the durable record of those losses: every open
 * of the log lists them in {@link Log#damage()} while the segment exists.
 *
 * <p>Layout, big-endian: a 16-byte file header, then one entry per damaged region, back to back
 * until the end of the file (a later repair of the same segment adds entries after the earlier
 * ones):
 * <pre>
 *   file header
 *   0        4        6        8                               16
 *   +--------+--------+--------+-------------------------------+
 *   | magic  | version| zero   | base offset of the segment    |
 *   | "FXCR" | int16  | int16  | int64                         |
 *   +--------+--------+--------+-------------------------------+
 *
 *   entry
 *   0        4                 12         16                 24                 32        36        40
 *   +--------+-----------------+----------+------------------+------------------+---------+---------+----------+
 *   | magic  | position in the | length N | first offset     | last offset      | CRC32C  | CRC32C  | the N    |
 *   | "FXCE" | segment (int64) | int32    | lost (int64)     | lost (int64)     | of 0..32| of the  | raw bytes|
 *   |        |                 |          |                  |                  |         | N bytes |          |
 *   +--------+-----------------+----------+------------------+------------------+---------+---------+----------+
 * </pre>
 * File magic {@code 0x46584352}, version 1; entry magic {@code 0x46584345}. The position is in the
 * segment file as it was before the repair that removed the region. When the region held no
 * offsets (bytes after the segment's last offset) the last offset is the first minus one.
 *
 * <p>Design note: each entry carries its own magic and a CRC of its header, so a reader that meets
 * a damaged entry (or a damaged file header) finds the next entry by scanning for a magic whose
 * header CRC holds: damage to this file costs at most the entry it hits, never the record of the
 * losses after it. The bytes have a CRC of their own, so a damaged entry's region is still known.
 *
 * <p>A crash after this file is renamed into place but before the repaired segment is means the
 * next start finds the same damage again and adds the same region a second time; readers should
 * expect a region to appear more than once.
 *
 * <p>Not thread-safe; written by the loader only, while the log is opening.
 */
final class CorruptFile {
    static final int MAGIC = 0x46584352;
    static final short VERSION = 1;
    static final int ENTRY_MAGIC = 0x46584345;
    static final int HEADER_BYTES = 16;
    static final int ENTRY_HEADER_BYTES = 40;
    private static final int HEADER_CRC_POSITION = 32;
    private static final int BYTES_CRC_POSITION = 36;
    private static final int COPY_CHUNK_BYTES = 64 * 1024;

    private CorruptFile() {
    }

    static Path path(Path directory, long baseOffset) {
        return directory.resolve(LogSegment.fileStem(baseOffset) + ".corrupt");
    }

    /** One damaged region to keep: where it lay in the segment, its length, and the offsets it held. */
    record Region(long position, int length, long firstOffsetLost, long lastOffsetLost) {
    }

    /** A region read back from a file, with its bytes and whether they still match their CRC. */
    record Entry(Region region, byte[] bytes, boolean bytesIntact) {
    }

    /**
     * Adds {@code regions}, their bytes copied from {@code segment}, to the file at {@code file}
     * (creating it): the earlier content and the new entries are written to a temporary file,
     * which is fsynced and renamed into place. The caller fsyncs the directory.
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
                long entryStart = at;
                at += ENTRY_HEADER_BYTES;
                CRC32C bytesCrc = new CRC32C();
                for (long copied = 0; copied < region.length(); ) {
                    int bytes = (int) Math.min(chunk.capacity(), region.length() - copied);
                    chunk.clear().limit(bytes);
                    segment.readFully(chunk, region.position() + copied);
                    chunk.flip();
                    bytesCrc.update(chunk.duplicate());
                    at += writeFully(out, chunk, at);
                    copied += bytes;
                }
                writeFully(out, entryHeader(region, (int) bytesCrc.getValue()), entryStart);
            }
            out.force(true);
        }
        fileSystem.moveAtomically(temporary, file);
    }

    private static ByteBuffer entryHeader(Region region, int bytesCrc) {
        ByteBuffer header = ByteBuffer.allocate(ENTRY_HEADER_BYTES);
        header.putInt(ENTRY_MAGIC).putLong(region.position()).putInt(region.length()).putLong(region.firstOffsetLost())
                .putLong(region.lastOffsetLost());
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().flip());
        header.putInt((int) crc.getValue()).putInt(bytesCrc);
        return header.flip();
    }

    /**
     * The regions recorded in a {@code .corrupt} file, from the entry headers, skipping any entry
     * (or file header) that is damaged.
     */
    static List<Region> readRegions(LogFileSystem fileSystem, Path file) throws IOException {
        List<Region> regions = new ArrayList<>();
        for (Entry entry : read(fileSystem, file, false)) {
            regions.add(entry.region());
        }
        return regions;
    }

    /** Every entry of a {@code .corrupt} file with its bytes (for operators' tools and tests). */
    static List<Entry> read(LogFileSystem fileSystem, Path file) throws IOException {
        return read(fileSystem, file, true);
    }

    private static List<Entry> read(LogFileSystem fileSystem, Path file, boolean withBytes) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (FileChannel in = fileSystem.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            ByteBuffer header = ByteBuffer.allocate(ENTRY_HEADER_BYTES);
            for (long at = HEADER_BYTES; at + ENTRY_HEADER_BYTES <= size; ) {
                header.clear();
                readFully(in, header, at);
                Region region = intactEntryHeader(header, size - at - ENTRY_HEADER_BYTES);
                if (region == null) {
                    at++; // damaged: look for the next entry's magic
                    continue;
                }
                byte[] bytes = null;
                boolean intact = false;
                if (withBytes) {
                    ByteBuffer content = ByteBuffer.allocate(region.length());
                    readFully(in, content, at + ENTRY_HEADER_BYTES);
                    CRC32C crc = new CRC32C();
                    crc.update(content.duplicate().flip());
                    bytes = content.array();
                    intact = (int) crc.getValue() == header.getInt(BYTES_CRC_POSITION);
                }
                entries.add(new Entry(region, bytes, intact));
                at += ENTRY_HEADER_BYTES + region.length();
            }
        }
        return entries;
    }

    /** The region an entry header describes, or null if it is not an intact entry header. */
    private static Region intactEntryHeader(ByteBuffer header, long bytesAfter) {
        if (header.getInt(0) != ENTRY_MAGIC) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().position(0).limit(HEADER_CRC_POSITION));
        if ((int) crc.getValue() != header.getInt(HEADER_CRC_POSITION)) {
            return null;
        }
        int length = header.getInt(12);
        if (length < 0 || length > bytesAfter) {
            return null;
        }
        return new Region(header.getLong(4), length, header.getLong(16), header.getLong(24));
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
