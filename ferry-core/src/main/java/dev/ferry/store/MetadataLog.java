package dev.ferry.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.broker.MetadataRecord;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;

/**
 * The broker's durable metadata: a {@link Log} in {@code data/metadata/} with
 * {@link FsyncPolicy#ALWAYS}, one record per change ({@link MetadataRecordCodec}). Opening it
 * replays the records ({@link MetadataReplay}); {@link #compact} then rewrites the log as just the
 * standing declarations, so it grows only with what changes during one run.
 *
 * <p>Compaction never leaves the metadata without one complete log: the new log is written and
 * closed (fsynced) in {@code metadata.new/}, then {@code metadata/} is renamed to
 * {@code metadata.old/}, {@code metadata.new/} to {@code metadata/}, and {@code metadata.old/} is
 * deleted. On open, a left-over {@code metadata.new/} is incomplete and deleted; a left-over
 * {@code metadata.old/} is deleted when {@code metadata/} exists and renamed back when it does not.
 *
 * <p>Thread safety: {@link #append} is synchronized (metadata changes are rare and each waits for
 * its fsync); the log's single-writer rule holds through that lock.
 */
final class MetadataLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataLog.class);
    private static final int READ_BYTES = 1024 * 1024;

    private final Path directory;
    private final LogFlusher flusher;
    private Log log;
    private final List<MetadataRecord> recovered;
    private final long recordsRead;

    private MetadataLog(Path directory, LogFlusher flusher, Log log, List<MetadataRecord> recovered, long recordsRead) {
        this.directory = directory;
        this.flusher = flusher;
        this.log = log;
        this.recovered = recovered;
        this.recordsRead = recordsRead;
    }

    static MetadataLog open(Path directory, LogFlusher flusher) {
        try {
            finishInterruptedCompaction(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tidy up " + directory, e);
        }
        Log log = Log.open(directory, config(), flusher);
        try {
            MetadataReplay replay = new MetadataReplay();
            long offset = log.logStartOffset();
            while (offset < log.logEndOffset()) {
                List<Record> records = log.read(offset, READ_BYTES).readRecords();
                if (records.isEmpty()) {
                    break;
                }
                for (Record record : records) {
                    replay.apply(MetadataRecordCodec.decode(record));
                    offset = record.offset() + 1;
                }
            }
            List<MetadataRecord> live = replay.live();
            LOG.info("Metadata: {} records replayed, {} declarations standing", replay.applied(), live.size());
            return new MetadataLog(directory, flusher, log, live, replay.applied());
        } catch (IOException | RuntimeException e) {
            log.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot read the metadata log in " + directory, io);
            }
            throw (RuntimeException) e;
        }
    }

    private static LogConfig config() {
        return new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(16 * 1024 * 1024)
                .batchBytesMax(16 * 1024 * 1024).segmentDeleteDelayMs(0);
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

    /** The declarations standing when the log was opened, exchanges first, then queues, then bindings. */
    List<MetadataRecord> recovered() {
        return recovered;
    }

    /** Appends one change and returns after the fsync that covers it. */
    synchronized void append(MetadataRecord change) {
        try {
            log.append(List.of(MetadataRecordCodec.encode(change))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while storing " + change, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("storing " + change + " failed", cause);
        }
    }

    /**
     * Rewrites the log as exactly {@code standing} (the broker's durable metadata after replay),
     * when that is shorter than what was read. Called once at start, before clients connect.
     */
    synchronized void compact(List<MetadataRecord> standing) {
        if (standing.size() >= recordsRead && log.logEndOffset() - log.logStartOffset() == recordsRead) {
            return;
        }
        Path fresh = sibling(directory, ".new");
        Path old = sibling(directory, ".old");
        try {
            StorageFiles.deleteRecursively(fresh);
            try (Log compacted = Log.open(fresh, config(), flusher)) {
                List<SimpleRecord> records = new ArrayList<>();
                for (MetadataRecord record : standing) {
                    records.add(MetadataRecordCodec.encode(record));
                    if (records.size() == 1000) {
                        compacted.append(records);
                        records.clear();
                    }
                }
                if (!records.isEmpty()) {
                    compacted.append(records);
                }
            }
            log.close();
            Files.move(directory, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
            AckCheckpoint.syncDirectory(directory.getParent());
            StorageFiles.deleteRecursively(old);
            log = Log.open(directory, config(), flusher);
            LOG.info("Metadata compacted: {} records became {}", recordsRead, standing.size());
        } catch (IOException e) {
            throw new UncheckedIOException("compacting the metadata log failed", e);
        } finally {
            if (log.isClosed()) {
                log = Log.open(Files.exists(directory) ? directory : old, config(), flusher);
            }
        }
    }

    @Override
    public synchronized void close() {
        log.close();
    }
}
