package dev.ferry.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;

/**
 * What the metadata log's segment files hold, checked batch by batch before the log is opened:
 * how many intact batches and records, which byte ranges are damaged, and whether the newest
 * file ends in a torn write. It reads and never writes, so it sees the files as the last run left
 * them, before any recovery changes them.
 *
 * <p>Why the metadata log is checked here and not only by the log's own recovery: the metadata is
 * what tells the broker which queue directories are data, so before anything is cut or rewritten
 * Ferry must know whether the files are damaged (then a copy is kept aside as evidence, see
 * {@link MetadataLog}) and whether anything at all is readable (if not, the broker must not start
 * with no metadata). The check is cheap: the metadata log is compacted at every start.
 *
 * <p>Classification of a file's bytes, front to back:
 * <ul>
 *   <li>a batch whose header is consistent (magic 2, length within the file, record count
 *       matching the last offset delta) and whose CRC32C is right is <em>intact</em>; so is a
 *       batch with no records but a valid CRC, the placeholder a log's recovery leaves for a
 *       damaged batch it took out (its offsets stay, holding nothing);</li>
 *   <li>anything else is <em>damaged</em> up to the next position where an intact batch starts
 *       (found by trying each following byte), or to the end of the file;</li>
 *   <li>except a <em>torn tail</em>: at the end of the newest file, bytes that are the beginning of
 *       a batch a crash interrupted (all zeros, or a header whose length runs past the end) and
 *       that do not check out as a whole batch whose length field alone is wrong. A torn write was
 *       never acknowledged, so it is not damage.</li>
 * </ul>
 *
 * <p>Thread safety: immutable once built.
 */
final class MetadataLogScan {
    private static final Pattern SEGMENT_FILE = Pattern.compile("\\d{20}\\.log");
    private static final int LENGTH_POSITION = Records.SIZE_OFFSET;
    private static final int MAGIC_POSITION = Records.MAGIC_OFFSET;
    private static final int HEADER_BYTES = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    private static final int SMALLEST_LENGTH = HEADER_BYTES - Records.LOG_OVERHEAD;

    /** Bytes of a segment file that hold no intact batch. {@code offsetGuess} is the offset the first lost record most likely had (-1 if unknown). */
    record Damage(Path file, long position, long bytes, long offsetGuess) {
        @Override
        public String toString() {
            return file + " bytes " + position + ".." + (position + bytes - 1)
                    + (offsetGuess >= 0 ? " (from offset " + offsetGuess + ")" : "");
        }
    }

    private final List<Path> files;
    private final long totalBytes;
    private final long intactRecords;
    private final List<Damage> damage;
    private final long tornTailBytes;

    private MetadataLogScan(List<Path> files, long totalBytes, long intactRecords, List<Damage> damage,
                            long tornTailBytes) {
        this.files = List.copyOf(files);
        this.totalBytes = totalBytes;
        this.intactRecords = intactRecords;
        this.damage = List.copyOf(damage);
        this.tornTailBytes = tornTailBytes;
    }

    /**
     * Checks every segment file in {@code directory} (none if it does not exist).
     *
     * @throws IOException if the directory cannot be listed
     * @throws MetadataUnreadableException if a segment file cannot be read (a directory where it
     *                                     should be, say), naming the file
     */
    static MetadataLogScan of(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.exists(directory)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                for (Path entry : entries) {
                    if (SEGMENT_FILE.matcher(entry.getFileName().toString()).matches()) {
                        files.add(entry);
                    }
                }
            }
        }
        files.sort(null);
        long totalBytes = 0;
        long intactRecords = 0;
        long tornTailBytes = 0;
        List<Damage> damage = new ArrayList<>();
        long nextOffset = -1;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            ByteBuffer bytes;
            try {
                bytes = readFully(file);
            } catch (IOException e) {
                throw new MetadataUnreadableException(file, e.toString(), e);
            }
            totalBytes += bytes.limit();
            FileScan scan = new FileScan(file, bytes, i == files.size() - 1, nextOffset);
            scan.run();
            intactRecords += scan.intactRecords;
            tornTailBytes += scan.tornTailBytes;
            damage.addAll(scan.damage);
            nextOffset = scan.nextOffset;
        }
        return new MetadataLogScan(files, totalBytes, intactRecords, damage, tornTailBytes);
    }

    private static ByteBuffer readFully(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(file + " is " + size + " bytes, larger than any metadata segment");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, buffer.position()) < 0) {
                    throw new IOException(file + " ended at byte " + buffer.position() + " of " + size);
                }
            }
            return buffer.flip();
        }
    }

    /** The segment files, oldest first. */
    List<Path> files() {
        return files;
    }

    long totalBytes() {
        return totalBytes;
    }

    /** Records in intact batches. */
    long intactRecords() {
        return intactRecords;
    }

    List<Damage> damage() {
        return damage;
    }

    boolean hasDamage() {
        return !damage.isEmpty();
    }

    /** Bytes at the end of the newest file left by an interrupted (never acknowledged) write. */
    long tornTailBytes() {
        return tornTailBytes;
    }

    /**
     * Whether the files hold written data of which not one record can be read: the broker must
     * not start as if the metadata were empty. A torn first write alone is not that (nothing was
     * ever acknowledged).
     */
    boolean isUnreadable() {
        return intactRecords == 0 && totalBytes > tornTailBytes;
    }

    /** The walk over one file. */
    private static final class FileScan {
        private final Path file;
        private final ByteBuffer bytes;
        private final boolean newest;
        private final List<Damage> damage = new ArrayList<>();
        private long intactRecords;
        private long tornTailBytes;
        private long nextOffset;

        FileScan(Path file, ByteBuffer bytes, boolean newest, long nextOffset) {
            this.file = file;
            this.bytes = bytes;
            this.newest = newest;
            this.nextOffset = nextOffset;
        }

        void run() {
            int size = bytes.limit();
            int position = 0;
            while (position < size) {
                MutableRecordBatch batch = intactBatchAt(position);
                if (batch != null) {
                    intactRecords += bytes.getInt(position + DefaultRecordBatch.RECORDS_COUNT_OFFSET);
                    nextOffset = batch.lastOffset() + 1;
                    position += batch.sizeInBytes();
                    continue;
                }
                int next = nextIntactBatch(position + 1);
                if (next < 0 && newest && isTornTail(position)) {
                    tornTailBytes = size - position;
                    return;
                }
                int end = next < 0 ? size : next;
                damage.add(new Damage(file, position, end - position, nextOffset));
                if (next < 0) {
                    return;
                }
                position = next;
            }
        }

        /** The batch starting at {@code position} if it is whole and intact, else null. */
        private MutableRecordBatch intactBatchAt(int position) {
            int available = bytes.limit() - position;
            if (available < HEADER_BYTES || bytes.get(position + MAGIC_POSITION) != RecordBatch.MAGIC_VALUE_V2) {
                return null;
            }
            int length = bytes.getInt(position + LENGTH_POSITION);
            if (length < SMALLEST_LENGTH || length > available - Records.LOG_OVERHEAD) {
                return null;
            }
            int recordCount = bytes.getInt(position + DefaultRecordBatch.RECORDS_COUNT_OFFSET);
            int lastOffsetDelta = bytes.getInt(position + DefaultRecordBatch.LAST_OFFSET_DELTA_OFFSET);
            // A batch without records that covers offsets is a placeholder a log's recovery left for
            // a damaged batch it took out: intact, holding nothing.
            boolean placeholder = recordCount == 0 && lastOffsetDelta >= 0;
            if (!placeholder && (recordCount <= 0 || lastOffsetDelta != recordCount - 1)) {
                return null;
            }
            return checked(position, Records.LOG_OVERHEAD + length);
        }

        private MutableRecordBatch checked(int position, int batchBytes) {
            ByteBuffer view = bytes.slice(position, batchBytes);
            MutableRecordBatch batch = MemoryRecords.readableRecords(view).batches().iterator().next();
            return batch.isValid() ? batch : null;
        }

        private int nextIntactBatch(int from) {
            for (int candidate = from; candidate + HEADER_BYTES <= bytes.limit(); candidate++) {
                if (intactBatchAt(candidate) != null) {
                    return candidate;
                }
            }
            return -1;
        }

        /**
         * Whether the bytes from {@code position} to the end look like a write a crash cut short:
         * zeros (space the file system allocated but the data never reached), or the start of a
         * batch whose length runs past the end. A batch that is whole and checks out once its
         * length is taken as "to the end of the file" had its length field damaged instead: the
         * CRC does not cover the length, so this tells the two apart.
         */
        private boolean isTornTail(int position) {
            int available = bytes.limit() - position;
            boolean zeros = true;
            for (int i = position; i < bytes.limit() && zeros; i++) {
                zeros = bytes.get(i) == 0;
            }
            if (zeros) {
                return true;
            }
            if (available < Records.LOG_OVERHEAD) {
                return true;
            }
            int length = bytes.getInt(position + LENGTH_POSITION);
            if (length <= available - Records.LOG_OVERHEAD) {
                return false; // claims to be whole, and is not intact: damage
            }
            if (available > MAGIC_POSITION && bytes.get(position + MAGIC_POSITION) != RecordBatch.MAGIC_VALUE_V2) {
                return false;
            }
            if (available < HEADER_BYTES) {
                return true;
            }
            ByteBuffer wholeToTheEnd = ByteBuffer.allocate(available).put(bytes.slice(position, available)).flip();
            wholeToTheEnd.putInt(LENGTH_POSITION, available - Records.LOG_OVERHEAD);
            return !MemoryRecords.readableRecords(wholeToTheEnd).batches().iterator().next().isValid();
        }
    }
}
