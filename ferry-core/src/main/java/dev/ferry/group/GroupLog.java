package dev.ferry.group;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.log.CompactionSettings;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogCleaner;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogCorruptedException;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.LogSlice;

/**
 * The durable side of consumer groups: committed offsets and each group's last completed
 * generation, as {@link GroupRecord}s in a {@link Log} of its own ({@code data/groups/}, fsync
 * {@link FsyncPolicy#ALWAYS}), keyed as {@link GroupRecordCodec} describes. The records of one
 * command go in one batch (one CRC, one write), so a command is on disk entirely or not at all.
 *
 * <p><b>Start.</b> {@link #open} replays every record in order; {@link #compact} then rewrites the
 * log as just what stands (the latest record of each key, tombstones dropped) whenever it holds
 * more records than that, so the log grows only with the changes of one run. The rewrite goes to
 * {@code groups.new/}, is fsynced, and replaces {@code groups/} by renames (a {@code groups.new/}
 * found at start is unfinished and deleted; a {@code groups.old/} is deleted, or renamed back if
 * {@code groups/} is missing). While the broker runs, the broker's {@link LogCleaner} compacts
 * the log's sealed segments like a compacted topic's ({@link #cleanerTarget}): Kafka's offsets
 * topic is compacted the same way. Its tombstones go at the first cleaning (records carry no
 * timestamp): only this log's own replay ever reads it, and it reads it whole.
 *
 * <p><b>Damage.</b> The log's own recovery cuts a torn tail (the commit it held was never
 * answered) and sets damaged batches aside with an ERROR; a record that is intact but does not
 * decode is skipped with an ERROR naming its offset. Either way the broker starts with every record
 * that could be read: a lost offset commit means the group reads some records again, never that
 * it skips any.
 *
 * <p>Thread safety: one owner at a time; while the broker runs, the {@link GroupCoordinator}'s thread.
 */
public final class GroupLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupLog.class);
    private static final int READ_BYTES = 1024 * 1024;
    static final int BATCH_BYTES_MAX = 16 * 1024 * 1024;
    static final int SEGMENT_BYTES_MAX = 64 * 1024 * 1024;
    /** Kafka's offsets topic defaults: cleaned once half its sealed bytes are new; no lag. */
    static final CompactionSettings COMPACTION = new CompactionSettings(86_400_000L, 0.5, 0);

    private final Path directory;
    private final LogFlusher flusher;
    private final FileHandleCache files;
    private final int segmentBytesMax;
    /** Replaced by {@link #compact} at start; read by the log cleaner's thread. */
    private volatile Log log;
    private final List<GroupRecord> recovered;
    private long recordsInLog;

    private GroupLog(Path directory, LogFlusher flusher, FileHandleCache files, int segmentBytesMax, Log log,
            List<GroupRecord> recovered) {
        this.directory = directory;
        this.segmentBytesMax = segmentBytesMax;
        this.flusher = flusher;
        this.files = files;
        this.log = log;
        this.recovered = recovered;
        this.recordsInLog = recovered.size();
    }

    /**
     * Opens (creating if needed) the groups' log in {@code directory} and reads it back.
     *
     * @param flusher the broker's shared flusher, or null for a private one
     */
    public static GroupLog open(Path directory, LogFlusher flusher, FileHandleCache files) {
        return open(directory, flusher, files, SEGMENT_BYTES_MAX);
    }

    /** As {@link #open(Path, LogFlusher, FileHandleCache)} with segments of {@code segmentBytesMax}, for tests. */
    static GroupLog open(Path directory, LogFlusher flusher, FileHandleCache files, int segmentBytesMax) {
        try {
            finishInterruptedCompaction(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("tidying up after an interrupted compaction of " + directory + " failed", e);
        }
        Log log = Log.open(directory, config(segmentBytesMax), flusher, files);
        try {
            List<GroupRecord> records = replay(directory, log);
            return new GroupLog(directory, flusher, files, segmentBytesMax, log, records);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    static LogConfig config(int segmentBytesMax) {
        return new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(segmentBytesMax)
                .batchBytesMax(Math.min(BATCH_BYTES_MAX, segmentBytesMax)).segmentDeleteDelayMs(0);
    }

    /** The log and settings the broker's {@link LogCleaner} compacts it with. */
    public LogCleaner.Target cleanerTarget() {
        return new LogCleaner.Target(log, COMPACTION);
    }

    private static List<GroupRecord> replay(Path directory, Log log) {
        List<GroupRecord> records = new ArrayList<>();
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            LogSlice slice = log.read(offset, READ_BYTES);
            List<Record> batch;
            try {
                batch = slice.readRecords();
            } catch (LogCorruptedException e) {
                long next = nextSegmentAfter(log, offset, end);
                LOG.error("Groups log {}: offsets {}..{} are damaged and skipped (committed offsets there are lost;"
                        + " their groups read those records again): {}", directory, offset, next - 1, e.getMessage());
                offset = next;
                continue;
            }
            for (Record record : batch) {
                try {
                    records.add(GroupRecordCodec.decode(record.key(), record.hasValue() ? record.value() : null));
                } catch (RuntimeException e) {
                    LOG.error("Groups log {}: the record at offset {} is intact but does not decode, skipped: {}",
                            directory, record.offset(), e.getMessage());
                }
                offset = record.offset() + 1;
            }
            if (batch.isEmpty()) {
                long next = slice.nextOffset();
                if (next <= offset) {
                    LOG.error("Groups log {}: nothing readable from offset {} to {}; replay stops there", directory,
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
    public List<GroupRecord> recovered() {
        return recovered;
    }

    /**
     * Appends the records of one command as one batch; the future completes after the fsync that
     * covers them (on the flusher's thread).
     */
    public CompletableFuture<Void> append(List<GroupRecord> records) {
        List<SimpleRecord> encoded = new ArrayList<>(records.size());
        for (GroupRecord record : records) {
            GroupRecordCodec.Encoded bytes = GroupRecordCodec.encode(record);
            encoded.add(new SimpleRecord(-1L, bytes.key(), bytes.value()));
        }
        recordsInLog += records.size();
        return log.append(encoded).thenApply(result -> null);
    }

    /**
     * Rewrites the log as exactly {@code standing} when it holds more records than that. Called at
     * start, after the replay and before the first {@link #append}.
     */
    public void compact(List<GroupRecord> standing) {
        if (recordsInLog <= standing.size() && log.logEndOffset() - log.logStartOffset() == recordsInLog) {
            return;
        }
        Path fresh = sibling(directory, ".new");
        Path old = sibling(directory, ".old");
        try {
            deleteRecursively(fresh);
            try (Log compacted = Log.open(fresh, config(segmentBytesMax), flusher, files)) {
                List<SimpleRecord> batch = new ArrayList<>();
                int bytes = 0;
                for (GroupRecord record : standing) {
                    GroupRecordCodec.Encoded encoded = GroupRecordCodec.encode(record);
                    int size = encoded.key().length + encoded.value().length + 32;
                    if (bytes + size > BATCH_BYTES_MAX / 2 && !batch.isEmpty()) {
                        compacted.append(batch);
                        batch = new ArrayList<>();
                        bytes = 0;
                    }
                    batch.add(new SimpleRecord(-1L, encoded.key(), encoded.value()));
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
            deleteRecursively(old);
            log = Log.open(directory, config(segmentBytesMax), flusher, files);
            LOG.info("Groups log compacted: {} records became {}", recordsInLog, standing.size());
            recordsInLog = standing.size();
        } catch (IOException e) {
            throw new UncheckedIOException("compacting the groups log " + directory + " failed", e);
        } finally {
            if (log.isClosed()) {
                log = Log.open(Files.exists(directory) ? directory : old, config(segmentBytesMax), flusher, files);
            }
        }
    }

    /** Records written since the log was last compacted (or opened, when it was already compact). */
    long recordsInLog() {
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
        deleteRecursively(sibling(directory, ".new"));
        Path old = sibling(directory, ".old");
        if (Files.exists(old)) {
            if (Files.exists(directory)) {
                deleteRecursively(old);
            } else {
                Files.move(old, directory, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
