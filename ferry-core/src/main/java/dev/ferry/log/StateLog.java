package dev.ferry.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * A broker's internal state log: records of one kind (consumer groups' records, the transaction
 * coordinator's), each with a key, in a {@link Log} of its own (fsync {@link FsyncPolicy#ALWAYS}),
 * encoded by a {@link Codec}. The records of one command go in one batch (one CRC, one write), so a
 * command is on disk entirely or not at all.
 *
 * <p><b>Start.</b> {@link #open} replays every record in order; {@link #compact} then rewrites the
 * log as just what stands (the latest record of each key, tombstones dropped) whenever it holds
 * more records than that, so the log grows only with the changes of one run. The rewrite goes to
 * {@code <dir>.new/}, is fsynced, and replaces {@code <dir>/} by renames (a {@code .new} directory
 * found at start is unfinished and deleted; a {@code .old} one is deleted, or renamed back if
 * {@code <dir>/} is missing).
 *
 * <p><b>Damage.</b> The log's own recovery cuts a torn tail (the command it held was never
 * answered) and sets damaged batches aside with an ERROR; a record that is intact but does not
 * decode is skipped with an ERROR naming its offset. Either way the broker starts with every record
 * that could be read.
 *
 * <p>Thread safety: one owner at a time (the coordinator's thread while the broker runs).
 *
 * @param <R> the record type
 */
public final class StateLog<R> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateLog.class);

    /** How a record is stored: key and value bytes (a null value is a tombstone), and back. */
    public interface Codec<R> {
        byte[] key(R record);

        /** The value, or null for a tombstone. */
        byte[] value(R record);

        R decode(ByteBuffer key, ByteBuffer value);
    }

    private static final int READ_BYTES = 1024 * 1024;
    static final int BATCH_BYTES_MAX = 16 * 1024 * 1024;

    private final String what;
    private final Codec<R> codec;
    private final Path directory;
    private final LogFlusher flusher;
    private final FileHandleCache files;
    /** Replaced by {@link #compact} at start; read by the log cleaner's thread. */
    private volatile Log log;
    private final List<R> recovered;
    private long recordsInLog;

    private StateLog(String what, Codec<R> codec, Path directory, LogFlusher flusher, FileHandleCache files, Log log,
            List<R> recovered) {
        this.what = what;
        this.codec = codec;
        this.directory = directory;
        this.flusher = flusher;
        this.files = files;
        this.log = log;
        this.recovered = recovered;
        this.recordsInLog = recovered.size();
    }

    /**
     * Opens (creating if needed) the log in {@code directory} and reads it back.
     *
     * @param what how log lines name it
     * @param flusher the broker's shared flusher, or null for a private one
     */
    public static <R> StateLog<R> open(String what, Codec<R> codec, Path directory, LogFlusher flusher,
            FileHandleCache files) {
        try {
            finishInterruptedCompaction(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("tidying up after an interrupted compaction of " + directory + " failed", e);
        }
        Log log = Log.open(directory, config(), flusher, files);
        try {
            List<R> records = replay(what, codec, directory, log);
            return new StateLog<>(what, codec, directory, flusher, files, log, records);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /** The log as the broker's {@link LogCleaner} compacts it while it runs, with {@code settings}. */
    public LogCleaner.Target cleanerTarget(CompactionSettings settings) {
        return new LogCleaner.Target(log, settings);
    }

    public static LogConfig config() {
        return new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(64 * 1024 * 1024)
                .batchBytesMax(BATCH_BYTES_MAX).segmentDeleteDelayMs(0);
    }

    private static <R> List<R> replay(String what, Codec<R> codec, Path directory, Log log) {
        List<R> records = new ArrayList<>();
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            LogSlice slice = log.read(offset, READ_BYTES);
            List<Record> batch;
            try {
                batch = slice.readRecords();
            } catch (LogCorruptedException e) {
                long next = nextSegmentAfter(log, offset, end);
                LOG.error("{} {}: offsets {}..{} are damaged and skipped (what they held is lost): {}", what, directory,
                        offset, next - 1, e.getMessage());
                offset = next;
                continue;
            }
            for (Record record : batch) {
                try {
                    records.add(codec.decode(record.key(), record.hasValue() ? record.value() : null));
                } catch (RuntimeException e) {
                    LOG.error("{} {}: the record at offset {} is intact but does not decode, skipped: {}", what,
                            directory, record.offset(), e.getMessage());
                }
                offset = record.offset() + 1;
            }
            if (batch.isEmpty()) {
                long next = slice.nextOffset();
                if (next <= offset) {
                    LOG.error("{} {}: nothing readable from offset {} to {}; replay stops there", what, directory,
                            offset, end);
                    break;
                }
                offset = next;
            }
        }
        return records;
    }

    private static long nextSegmentAfter(Log log, long offset, long end) {
        for (long base : log.segmentBaseOffsets()) {
            if (base > offset) {
                return base;
            }
        }
        return end;
    }

    /** The records read at open, in log order. */
    public List<R> recovered() {
        return recovered;
    }

    /**
     * Appends the records of one command as one batch; the future completes after the fsync that
     * covers them (on the flusher's thread).
     */
    public CompletableFuture<Void> append(List<? extends R> records) {
        List<SimpleRecord> encoded = new ArrayList<>(records.size());
        for (R record : records) {
            encoded.add(new SimpleRecord(-1L, codec.key(record), codec.value(record)));
        }
        recordsInLog += records.size();
        return log.append(encoded).thenApply(result -> null);
    }

    /**
     * Rewrites the log as exactly {@code standing} when it holds more records than that. Called at
     * start, after the replay and before the first {@link #append}.
     */
    public void compact(List<? extends R> standing) {
        if (recordsInLog <= standing.size() && log.logEndOffset() - log.logStartOffset() == recordsInLog) {
            return;
        }
        Path fresh = sibling(directory, ".new");
        Path old = sibling(directory, ".old");
        try {
            FileTrees.deleteRecursively(fresh);
            try (Log compacted = Log.open(fresh, config(), flusher, files)) {
                List<SimpleRecord> batch = new ArrayList<>();
                int bytes = 0;
                for (R record : standing) {
                    byte[] key = codec.key(record);
                    byte[] value = codec.value(record);
                    int size = key.length + (value == null ? 0 : value.length) + 32;
                    if (bytes + size > BATCH_BYTES_MAX / 2 && !batch.isEmpty()) {
                        compacted.append(batch);
                        batch = new ArrayList<>();
                        bytes = 0;
                    }
                    batch.add(new SimpleRecord(-1L, key, value));
                    bytes += size;
                }
                if (!batch.isEmpty()) {
                    compacted.append(batch);
                }
            }
            log.close();
            Files.move(directory, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(directory.toAbsolutePath().getParent());
            FileTrees.deleteRecursively(old);
            log = Log.open(directory, config(), flusher, files);
            LOG.info("{} compacted: {} records became {}", what, recordsInLog, standing.size());
            recordsInLog = standing.size();
        } catch (IOException e) {
            throw new UncheckedIOException("compacting the " + what + " " + directory + " failed", e);
        } finally {
            if (log.isClosed()) {
                log = Log.open(Files.exists(directory) ? directory : old, config(), flusher, files);
            }
        }
    }

    /** Records written since the log was last compacted (or opened, when it was already compact). */
    public long recordsInLog() {
        return recordsInLog;
    }

    @Override
    public void close() {
        log.close();
    }

    private static Path sibling(Path directory, String suffix) {
        return directory.resolveSibling(directory.getFileName() + suffix);
    }

    private static void finishInterruptedCompaction(Path directory) throws IOException {
        FileTrees.deleteRecursively(sibling(directory, ".new"));
        Path old = sibling(directory, ".old");
        if (Files.exists(old)) {
            if (Files.exists(directory)) {
                FileTrees.deleteRecursively(old);
            } else {
                Files.move(old, directory, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
