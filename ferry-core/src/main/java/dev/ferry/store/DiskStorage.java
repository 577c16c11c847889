package dev.ferry.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.broker.BrokerStorage;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.QueueSettings;
import dev.ferry.text.LogSafe;

/**
 * The broker's storage in its data directory: the {@link MetadataLog}, one {@link LogMessageStore}
 * per queue (a durable queue's log, or a non-durable queue's spill log for paging), one shared {@link LogFlusher} for all of them (one fsync thread per disk: a
 * group commit covers appends of many queues), and one maintenance thread that asks every durable
 * queue to checkpoint its acks (and every queue to release settled segments) each interval and writes those checkpoint files.
 *
 * <p>Start: {@link #open} replays the metadata; the broker restores {@link #recoveredMetadata()}
 * (opening each durable queue's store with {@code recover}); then {@link #compactMetadata} rewrites
 * the metadata log as what stands. Stop: the broker closes the queue stores on their owners, then
 * {@link #close()} stops the maintenance thread, the metadata log and the flusher.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class DiskStorage implements BrokerStorage, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DiskStorage.class);

    private final Path dataDir;
    private final StorageSettings settings;
    private final LogFlusher flusher;
    private final MetadataLog metadata;
    private final ScheduledExecutorService maintenance;
    private final Set<MessageQueue> queues = ConcurrentHashMap.newKeySet();
    private final AtomicLong spillLogs = new AtomicLong();

    private DiskStorage(Path dataDir, StorageSettings settings, LogFlusher flusher, MetadataLog metadata) {
        this.dataDir = dataDir;
        this.settings = settings;
        this.flusher = flusher;
        this.metadata = metadata;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ferry-store-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        maintenance.scheduleWithFixedDelay(this::maintainQueues, settings.ackCheckpointIntervalMs(),
                settings.ackCheckpointIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /** Opens the data directory's storage and replays its metadata. The caller holds the data directory lock. */
    public static DiskStorage open(Path dataDir, StorageSettings settings) {
        LogFlusher flusher = new LogFlusher("ferry-fsync");
        try {
            MetadataLog metadata = MetadataLog.open(dataDir.resolve(StorageFiles.METADATA_DIRECTORY), flusher);
            // Spill logs of non-durable queues from an earlier run hold nothing anyone can ask for.
            StorageFiles.deleteRecursively(dataDir.resolve(StorageFiles.PAGING_DIRECTORY));
            return new DiskStorage(dataDir, settings, flusher, metadata);
        } catch (RuntimeException e) {
            flusher.close();
            throw e;
        }
    }

    /** The durable declarations found on disk, to be restored before clients connect. */
    public List<MetadataRecord> recoveredMetadata() {
        return metadata.recovered();
    }

    /**
     * Rewrites the metadata log as {@code standing} and removes queue directories that belong to no
     * standing queue (left by a deletion interrupted by a crash).
     */
    public void compactMetadata(List<MetadataRecord> standing) {
        metadata.compact(standing);
        Set<Path> live = new HashSet<>();
        for (MetadataRecord record : standing) {
            if (record instanceof MetadataRecord.QueueDeclared queue) {
                live.add(StorageFiles.queueDirectory(dataDir, queue.virtualHost(), queue.name()));
            }
        }
        Path queues = dataDir.resolve(StorageFiles.QUEUES_DIRECTORY);
        if (!Files.isDirectory(queues)) {
            return;
        }
        try (Stream<Path> hosts = Files.list(queues)) {
            for (Path host : hosts.toList()) {
                try (Stream<Path> queueDirs = Files.list(host)) {
                    for (Path queueDir : queueDirs.toList()) {
                        if (!live.contains(queueDir)) {
                            LOG.info("Removing {}: no durable queue owns it", queueDir);
                            StorageFiles.deleteRecursively(queueDir);
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not look for orphaned queue directories: {}", e.toString());
        }
    }

    @Override
    public void record(MetadataRecord change) {
        metadata.append(change);
    }

    @Override
    public MessageStore openQueueStore(QueueSettings queue, boolean recover) {
        Path directory = StorageFiles.queueDirectory(dataDir, queue.virtualHost(), queue.name());
        if (!recover) {
            StorageFiles.deleteRecursively(directory);
        }
        LogConfig config = queueLogConfig().fsyncPolicy(settings.queueFsync()).flushIntervalMs(settings.fsyncIntervalMs());
        return LogMessageStore.open(directory, config, flusher, maintenance, settings.paging(),
                LogSafe.text(queue.description()));
    }

    /** A non-durable queue pages to a spill log of its own, never fsynced (nothing in it survives a restart). */
    @Override
    public MessageStore openTransientQueueStore(QueueSettings queue) {
        Path directory = dataDir.resolve(StorageFiles.PAGING_DIRECTORY).resolve(Long.toString(spillLogs.incrementAndGet()));
        return LogMessageStore.openTransient(directory, queueLogConfig().fsyncPolicy(FsyncPolicy.NEVER), flusher,
                settings.paging(), LogSafe.text(queue.description()));
    }

    private LogConfig queueLogConfig() {
        return new LogConfig()
                .segmentBytesMax(settings.queueSegmentBytes())
                .batchBytesMax(settings.queueSegmentBytes())
                .segmentDeleteDelayMs(0);
    }

    @Override
    public void queueOpened(MessageQueue queue) {
        queues.add(queue);
    }

    private void maintainQueues() {
        queues.removeIf(MessageQueue::isDeleted);
        for (MessageQueue queue : queues) {
            queue.maintainStore();
        }
    }

    /** Stops housekeeping (pending checkpoint writes finish), closes the metadata log and the flusher. */
    @Override
    public void close() {
        maintenance.shutdown();
        try {
            if (!maintenance.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Store maintenance did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            metadata.close();
        } finally {
            flusher.close();
        }
    }
}
