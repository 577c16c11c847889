package dev.ferry.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.record.internal.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.broker.MetadataRecord;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogCorruptedException;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.LogSlice;

/**
 * The broker's durable metadata: a {@link Log} in {@code data/metadata/} with
 * {@link FsyncPolicy#ALWAYS}, one record per change, each in a RecordBatch of its own
 * ({@link MetadataRecordCodec#encodeBatch}) so that each has its own CRC. Opening it checks the
 * files ({@link MetadataLogScan}), opens the log and replays the records ({@link MetadataReplay});
 * {@link #compact} then rewrites it as just the standing declarations, so it grows only with what
 * changes during one run. While the broker runs, its {@link MetadataWriter} owns it.
 *
 * <p>Damage is never silent and never costs more than the damaged records:
 * <ul>
 *   <li>a damaged batch is skipped with an ERROR naming the file, bytes and offset; so is a record
 *       whose batch is intact but which does not decode (an unknown kind, a bad field);</li>
 *   <li>before anything is rewritten, a copy of the log as found is kept in
 *       {@code metadata.damaged-<n>/} beside it (ERROR saying where), and the compaction that
 *       follows always runs, so the live log is clean again;</li>
 *   <li>a log that cannot be read at all (an I/O error, or written bytes without one intact
 *       record) throws {@link MetadataUnreadableException} before anything on disk is changed.</li>
 * </ul>
 * Offsets that carry no record (a batch the log's recovery emptied) are simply absent from the
 * replay.
 *
 * <p>Compaction never leaves the metadata without one complete log: the new log is written and
 * closed (fsynced) in {@code metadata.new/}, then {@code metadata/} is renamed to
 * {@code metadata.old/}, {@code metadata.new/} to {@code metadata/}, and {@code metadata.old/} is
 * deleted. On open, a left-over {@code metadata.new/} is incomplete and deleted; a left-over
 * {@code metadata.old/} is deleted when {@code metadata/} exists and renamed back when it does not.
 *
 * <p>Thread safety: {@link #open}, {@link #recovered} and {@link #compact} on one thread during
 * start; from the first {@link #writer()} on, the writer's thread owns the log.
 */
final class MetadataLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataLog.class);
    private static final int READ_BYTES = 1024 * 1024;
    private static final int BATCH_BYTES_MAX = 16 * 1024 * 1024;
    static final String DAMAGED_COPY_PREFIX = ".damaged-";

    private final Path directory;
    private final LogFlusher flusher;
    private final FileHandleCache files;
    private Log log;
    private final List<MetadataRecord> recovered;
    private final long recordsRead;
    private final boolean rewriteNeeded;
    private MetadataWriter writer;

    private MetadataLog(Path directory, LogFlusher flusher, FileHandleCache files, Log log,
                        List<MetadataRecord> recovered, long recordsRead, boolean rewriteNeeded) {
        this.directory = directory;
        this.flusher = flusher;
        this.files = files;
        this.log = log;
        this.recovered = recovered;
        this.recordsRead = recordsRead;
        this.rewriteNeeded = rewriteNeeded;
    }

    /**
     * Checks, opens and replays the metadata log in {@code directory}.
     *
     * @throws MetadataUnreadableException if it cannot be read at all; nothing was changed then
     */
    static MetadataLog open(Path directory, LogFlusher flusher) {
        return open(directory, flusher, FileHandleCache.processDefault());
    }

    /** As {@link #open(Path, LogFlusher)}, with the log's files opened through the broker's {@code files}. */
    static MetadataLog open(Path directory, LogFlusher flusher, FileHandleCache files) {
        try {
            finishInterruptedCompaction(directory);
        } catch (IOException e) {
            throw new MetadataUnreadableException(directory, "tidying up after an interrupted compaction failed: " + e, e);
        }
        MetadataLogScan scan;
        try {
            scan = MetadataLogScan.of(directory);
        } catch (IOException e) {
            throw new MetadataUnreadableException(directory, e.toString(), e);
        }
        if (scan.isUnreadable()) {
            throw new MetadataUnreadableException(scan.files().get(0), scan.totalBytes()
                    + " bytes in the segment files and not one intact record (damaged: " + scan.damage() + ")", null);
        }
        Path damagedCopy = null;
        if (scan.hasDamage()) {
            for (MetadataLogScan.Damage damage : scan.damage()) {
                LOG.error("Metadata log: {} damaged bytes in {}; the records there are skipped", damage.bytes(), damage);
            }
            damagedCopy = keepDamagedCopy(directory);
        }
        Log log;
        try {
            log = Log.open(directory, config(), flusher, files);
        } catch (RuntimeException e) {
            throw new MetadataUnreadableException(directory, e.getMessage(), damagedCopy, e);
        }
        try {
            Replay replay = new Replay(directory, log);
            replay.run();
            if (replay.decoded == 0 && scan.intactRecords() > 0) {
                throw new MetadataUnreadableException(directory, scan.intactRecords()
                        + " intact records in the files, none of which came back from the log or decoded",
                        damagedCopy != null ? damagedCopy : keepDamagedCopy(directory), null);
            }
            if (replay.read < scan.intactRecords()) {
                LOG.error("Metadata log {}: {} intact records were found in the files but only {} came back from the"
                        + " log after its recovery; the rest are in the copy {}", directory, scan.intactRecords(),
                        replay.read, damagedCopy);
            }
            if ((replay.undecodable > 0 || replay.damagedBatches > 0) && damagedCopy == null) {
                damagedCopy = keepDamagedCopy(directory);
            }
            List<MetadataRecord> live = replay.folded.live();
            LOG.info("Metadata: {} records replayed, {} declarations standing", replay.decoded, live.size());
            boolean rewrite = damagedCopy != null || replay.offsetsWithoutRecords > 0;
            return new MetadataLog(directory, flusher, files, log, live, replay.decoded, rewrite);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /** Reads every record back, skipping (with an ERROR) what is damaged or does not decode. */
    private static final class Replay {
        // Where a RecordBatch v2 header keeps its last offset delta (after base offset, length,
        // leader epoch, magic, CRC and attributes).
        private static final int LAST_OFFSET_DELTA_POSITION = 23;

        private final Path directory;
        private final Log log;
        final MetadataReplay folded = new MetadataReplay();
        long read;
        long decoded;
        long undecodable;
        long damagedBatches;
        long offsetsWithoutRecords;

        Replay(Path directory, Log log) {
            this.directory = directory;
            this.log = log;
        }

        void run() {
            long offset = log.logStartOffset();
            long end = log.logEndOffset();
            while (offset < end) {
                LogSlice slice = log.read(offset, READ_BYTES);
                List<Record> records;
                try {
                    records = slice.readRecords();
                } catch (LogCorruptedException e) {
                    damagedBatches++;
                    long next = offsetAfterDamagedBatch(slice, offset, end);
                    LOG.error("Metadata log {}: offsets {}..{} in {} are damaged and skipped: {}", directory, offset,
                            next - 1, segmentFile(offset), e.getMessage());
                    offset = next;
                    continue;
                }
                for (Record record : records) {
                    offsetsWithoutRecords += record.offset() - offset;
                    read++;
                    apply(record);
                    offset = record.offset() + 1;
                }
                if (records.isEmpty()) {
                    // Only batches whose records the log's recovery took out (their offsets stay).
                    long next = endOfWholeBatches(slice);
                    if (next <= offset) {
                        LOG.error("Metadata log {}: nothing readable from offset {} to {} in {}; replay stops there",
                                directory, offset, end, segmentFile(offset));
                        return;
                    }
                    offsetsWithoutRecords += next - offset;
                    offset = next;
                }
            }
        }

        private void apply(Record record) {
            MetadataRecord change;
            try {
                change = MetadataRecordCodec.decode(record);
            } catch (IOException | RuntimeException e) {
                undecodable++;
                LOG.error("Metadata log {}: the record at offset {} in {} is intact but does not decode, skipped: {}",
                        directory, record.offset(), segmentFile(record.offset()), e.getMessage());
                return;
            }
            decoded++;
            folded.apply(change);
        }

        /** Where to go on after a batch that failed its check: past it if its header says where, else the next segment. */
        private long offsetAfterDamagedBatch(LogSlice slice, long offset, long end) {
            // The header's base offset and last offset delta are not covered by the CRC, but a
            // span within the log's bounds is the best guess of where the damaged batch ends.
            ByteBuffer bytes = slice.readBytes();
            if (bytes.remaining() >= LAST_OFFSET_DELTA_POSITION + 4) {
                long last = bytes.getLong(0) + bytes.getInt(LAST_OFFSET_DELTA_POSITION);
                if (last >= offset && last < end) {
                    return last + 1;
                }
            }
            for (long base : log.segmentBaseOffsets()) {
                if (base > offset) {
                    return base;
                }
            }
            return end;
        }

        private static long endOfWholeBatches(LogSlice slice) {
            return slice.nextOffset();
        }

        private String segmentFile(long offset) {
            long base = log.logStartOffset();
            for (long candidate : log.segmentBaseOffsets()) {
                if (candidate <= offset) {
                    base = candidate;
                }
            }
            return String.format("%020d.log", base);
        }
    }

    static LogConfig config() {
        return new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(BATCH_BYTES_MAX)
                .batchBytesMax(BATCH_BYTES_MAX).segmentDeleteDelayMs(0);
    }

    private static Path sibling(Path directory, String suffix) {
        return directory.resolveSibling(directory.getFileName() + suffix);
    }

    private static void finishInterruptedCompaction(Path directory) throws IOException {
        StorageFiles.deleteRecursively(sibling(directory, ".new"));
        Path old = sibling(directory, ".old");
        if (Files.exists(old)) {
            if (Files.exists(directory)) {
                StorageFiles.deleteRecursively(old);
            } else {
                Files.move(old, directory, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /**
     * Copies the log's files as they are to the first free {@code metadata.damaged-<n>/}, before
     * any recovery or compaction changes them, and says so.
     */
    private static Path keepDamagedCopy(Path directory) {
        Path copy;
        int n = 1;
        while (Files.exists(copy = sibling(directory, DAMAGED_COPY_PREFIX + n))) {
            n++;
        }
        try {
            Files.createDirectories(copy);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
                for (Path file : files) {
                    if (Files.isRegularFile(file) && !file.getFileName().toString().equals(".lock")) {
                        Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            LOG.error("Metadata log {} is damaged: a copy of it as found is kept in {}; the broker starts with every"
                    + " record that could be read (see ferry-core/README.md, 'store', for what to do)", directory, copy);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a copy of the damaged metadata log " + directory + " in " + copy, e);
        }
        return copy;
    }

    /** The declarations standing when the log was opened, exchanges first, then queues, then bindings. */
    List<MetadataRecord> recovered() {
        return recovered;
    }

    /**
     * The owner of the log from now on (created on first use; compaction must come before).
     */
    synchronized MetadataWriter writer() {
        if (writer == null) {
            writer = new MetadataWriter(log);
        }
        return writer;
    }

    /**
     * Rewrites the log as exactly {@code standing} (the broker's durable metadata after replay),
     * when that is shorter than what was read or the log had damage. Called once at start, before
     * clients connect and before the {@link #writer()} exists. Each record is a batch of its own;
     * they go to the new log in a few large writes and one fsync.
     */
    synchronized void compact(List<MetadataRecord> standing) {
        if (writer != null) {
            throw new IllegalStateException("the metadata log is compacted at start, before any change is written");
        }
        if (!rewriteNeeded && standing.size() >= recordsRead
                && log.logEndOffset() - log.logStartOffset() == recordsRead) {
            return;
        }
        Path fresh = sibling(directory, ".new");
        Path old = sibling(directory, ".old");
        try {
            StorageFiles.deleteRecursively(fresh);
            try (Log compacted = Log.open(fresh, config(), flusher, files)) {
                List<ByteBuffer> batches = new ArrayList<>();
                int bytes = 0;
                for (MetadataRecord record : standing) {
                    ByteBuffer batch = MetadataRecordCodec.encodeBatch(record);
                    if (bytes + batch.remaining() > BATCH_BYTES_MAX) {
                        compacted.appendBatch(concatenate(batches, bytes));
                        batches.clear();
                        bytes = 0;
                    }
                    batches.add(batch);
                    bytes += batch.remaining();
                }
                if (!batches.isEmpty()) {
                    compacted.appendBatch(concatenate(batches, bytes));
                }
            }
            log.close();
            Files.move(directory, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
            AckCheckpoint.syncDirectory(directory.getParent());
            StorageFiles.deleteRecursively(old);
            log = Log.open(directory, config(), flusher, files);
            LOG.info("Metadata compacted: {} records became {}", recordsRead, standing.size());
        } catch (IOException e) {
            throw new UncheckedIOException("compacting the metadata log failed", e);
        } finally {
            if (log.isClosed()) {
                log = Log.open(Files.exists(directory) ? directory : old, config(), flusher, files);
            }
        }
    }

    private static ByteBuffer concatenate(List<ByteBuffer> batches, int bytes) {
        ByteBuffer buffer = ByteBuffer.allocate(bytes);
        for (ByteBuffer batch : batches) {
            buffer.put(batch.duplicate());
        }
        return buffer.flip();
    }

    /** Stops the writer (after what it holds is durable) and closes the log. */
    @Override
    public synchronized void close() {
        if (writer != null) {
            writer.close();
        } else {
            log.close();
        }
    }
}
