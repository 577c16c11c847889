package dev.ferry.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A partition's producer state written to {@code producer-state.snapshot} in its directory, so
 * that opening the partition scans only the batches after it rather than the whole log. Written
 * atomically (temporary file, fsync, rename) at close and by maintenance; read at open, where a
 * snapshot that fails its checks, or claims an offset beyond the log's end (a torn tail was cut),
 * is ignored and the whole log scanned instead.
 *
 * <p>Layout (big-endian):
 * <pre>
 *   int    magic 0x46505353 ("FPSS")
 *   short  version (1)
 *   long   offset: the log end offset the state covers (the scan resumes here)
 *   int    producer count
 *   per producer:
 *     long   producer id
 *     short  epoch
 *     long   last update ms
 *     byte   batch count (at most {@link ProducerStateTable#BATCHES_KEPT})
 *     per batch: int first sequence, int last sequence, long first offset, long last offset, long max timestamp
 *   int    CRC32C of every byte before it
 * </pre>
 */
final class ProducerStateSnapshot {
    static final String FILE = "producer-state.snapshot";
    private static final int MAGIC = 0x46505353;
    private static final short VERSION = 1;
    private static final int BATCH_BYTES = 4 + 4 + 8 + 8 + 8;

    private ProducerStateSnapshot() {
    }

    static void write(Path directory, long offset, ProducerStateTable table) throws IOException {
        Map<Long, ProducerStateTable.ProducerEntry> entries = table.entries();
        int bytes = 4 + 2 + 8 + 4 + 4;
        for (ProducerStateTable.ProducerEntry entry : entries.values()) {
            bytes += 8 + 2 + 8 + 1 + entry.batches().size() * BATCH_BYTES;
        }
        ByteBuffer buffer = ByteBuffer.allocate(bytes);
        buffer.putInt(MAGIC).putShort(VERSION).putLong(offset).putInt(entries.size());
        for (Map.Entry<Long, ProducerStateTable.ProducerEntry> e : entries.entrySet()) {
            ProducerStateTable.ProducerEntry entry = e.getValue();
            buffer.putLong(e.getKey()).putShort(entry.epoch()).putLong(entry.lastUpdateMs())
                    .put((byte) entry.batches().size());
            for (ProducerStateTable.BatchMetadata batch : entry.batches()) {
                buffer.putInt(batch.firstSequence()).putInt(batch.lastSequence()).putLong(batch.firstOffset())
                        .putLong(batch.lastOffset()).putLong(batch.maxTimestampMs());
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) crc.getValue());
        SmallFiles.writeDurably(directory.resolve(FILE), buffer.array());
    }

    /**
     * Loads the snapshot into {@code table} (which must be empty) and returns the offset to scan
     * from, or -1 (table untouched) if there is none or it cannot be trusted.
     *
     * @param problem receives why a snapshot present was not used
     */
    static long load(Path directory, ProducerStateTable table, long logEndOffset, StringBuilder problem) {
        Path file = directory.resolve(FILE);
        if (!Files.exists(file)) {
            return -1;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file));
            if (buffer.remaining() < 4 + 2 + 8 + 4 + 4) {
                problem.append("it is ").append(buffer.remaining()).append(" bytes long");
                return -1;
            }
            CRC32C crc = new CRC32C();
            crc.update(buffer.array(), 0, buffer.limit() - 4);
            if ((int) crc.getValue() != buffer.getInt(buffer.limit() - 4)) {
                problem.append("it fails its CRC check");
                return -1;
            }
            if (buffer.getInt() != MAGIC || buffer.getShort() != VERSION) {
                problem.append("wrong magic or version");
                return -1;
            }
            long offset = buffer.getLong();
            if (offset > logEndOffset) {
                problem.append("it covers offsets up to ").append(offset).append(", beyond the log end ").append(logEndOffset);
                return -1;
            }
            int producers = buffer.getInt();
            ProducerStateTable loaded = new ProducerStateTable();
            for (int i = 0; i < producers; i++) {
                long producerId = buffer.getLong();
                short epoch = buffer.getShort();
                long lastUpdateMs = buffer.getLong();
                int batches = buffer.get();
                for (int b = 0; b < batches; b++) {
                    loaded.record(producerId, epoch, new ProducerStateTable.BatchMetadata(buffer.getInt(), buffer.getInt(),
                            buffer.getLong(), buffer.getLong(), buffer.getLong()), lastUpdateMs);
                }
            }
            loaded.entries().forEach((producerId, entry) -> {
                for (ProducerStateTable.BatchMetadata batch : entry.batches()) {
                    table.record(producerId, entry.epoch(), batch, entry.lastUpdateMs());
                }
            });
            return offset;
        } catch (IOException | RuntimeException e) {
            problem.append(e);
            return -1;
        }
    }
}
