package dev.ferry.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.broker.BrokerStorage;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.broker.QueueStore;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.queue.MessagePriority;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.MessageStore;
import dev.ferry.queue.QueueSettings;
import dev.ferry.text.LogSafe;

/**
 * The broker's storage in its data directory: the {@link MetadataLog} (owned, while the broker
 * runs, by its {@link MetadataWriter} thread, which group-commits changes), one
 * {@link LogMessageStore} per queue (a durable queue's log, or a non-durable queue's spill log for
 * paging), one shared {@link LogFlusher} for all of them (one fsync thread per disk: a group commit
 * covers appends of many queues and the metadata), one {@link FileHandleCache} through which all of
 * their segment files are opened ({@link StorageSettings#openFilesMax()} of them at most; an idle
 * queue holds no descriptor), and one maintenance thread that asks every
 * durable queue to checkpoint its acks (and every queue to release settled segments) each interval
 * and writes those checkpoint files.
 *
 * <p>A new durable queue's files are created by a few {@link QueueFileThreads}, so that no event
 * loop waits for the fsyncs that creating them takes.
 *
 * <p>Start: {@link #open} checks and replays the metadata (or throws
 * {@link MetadataUnreadableException}); the broker restores {@link #recoveredMetadata()} (opening
 * each durable queue's store with {@code recover}); then {@link #compactMetadata} rewrites the
 * metadata log as what stands and sets aside queue directories nothing owns. Stop: the broker
 * closes the queue stores on their owners, then {@link #close()} stops the maintenance thread, the
 * metadata writer (after what it holds is durable) and the flusher.
 *
 * <p>Never deletes queue data it does not know to be garbage: a directory no declaration owns, or
 * one found under the name of a newly declared queue, goes to {@code data/orphans/} ({@link Orphans}).
 *
 * <p>Thread safety: every method may be called from any thread; none waits for the disk except
 * {@link #open}, {@link #compactMetadata}, {@link #close} and a {@code recover} open, which run at
 * start and stop.
 */
public final class DiskStorage implements BrokerStorage, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DiskStorage.class);
    /** Threads creating new durable queues' files: enough for a burst of declares to share fsyncs, few for one disk. */
    static final int QUEUE_FILE_THREADS = 4;
    /**
     * Fsyncs of different logs at the same time: on ext4 they share one journal commit, so a
     * producer writing three partitions waits for about one fsync instead of three in a row
     * ({@link LogFlusher}). Four covers a producer's usual partitions and the metadata log; more
     * would only park.
     */
    static final int SYNC_THREADS = 4;

    private final Path dataDir;
    private final StorageSettings settings;
    private final LogFlusher flusher;
    private final FileHandleCache files;
    private final MetadataLog metadata;
    private final StoreMaintenance maintenance;
    private final Set<MessageQueue> queues = ConcurrentHashMap.newKeySet();
    private final AtomicLong spillLogs = new AtomicLong();
    private final Orphans orphans;
    private final QueueFileThreads queueFiles = new QueueFileThreads(QUEUE_FILE_THREADS);

    private DiskStorage(Path dataDir, StorageSettings settings, LogFlusher flusher, FileHandleCache files,
                        MetadataLog metadata) {
        this.dataDir = dataDir;
        this.settings = settings;
        this.flusher = flusher;
        this.files = files;
        this.metadata = metadata;
        this.orphans = new Orphans(dataDir, Instant.now());
        this.maintenance = new StoreMaintenance(this::maintainQueues, settings.ackCheckpointIntervalMs());
    }

    /**
     * Opens the data directory's storage and replays its metadata. The caller holds the data directory lock.
     *
     * @throws MetadataUnreadableException if the metadata log cannot be read at all; nothing was changed then
     */
    public static DiskStorage open(Path dataDir, StorageSettings settings) {
        LogFlusher flusher = new LogFlusher("ferry-fsync", SYNC_THREADS);
        FileHandleCache files = new FileHandleCache(settings.openFilesMax());
        try {
            MetadataLog metadata = MetadataLog.open(dataDir.resolve(StorageFiles.METADATA_DIRECTORY), flusher, files);
            // Spill logs of non-durable queues from an earlier run hold nothing anyone can ask for.
            StorageFiles.deleteRecursively(dataDir.resolve(StorageFiles.PAGING_DIRECTORY));
            return new DiskStorage(dataDir, settings, flusher, files, metadata);
        } catch (RuntimeException e) {
            flusher.close();
            throw e;
        }
    }

    /** The broker's fsync threads (group commit): topics share it with queues and metadata. */
    public LogFlusher flusher() {
        return flusher;
    }

    /** The broker's one cache of open segment files: topics share it with queues and metadata. */
    public FileHandleCache fileHandles() {
        return files;
    }

    /** The durable declarations found on disk, to be restored before clients connect. */
    public List<MetadataRecord> recoveredMetadata() {
        return metadata.recovered();
    }

    /**
     * Rewrites the metadata log as {@code standing} and sets aside (in {@code data/orphans/}) every
     * queue directory that belongs to no standing queue: left by a deletion a crash interrupted, or
     * by a declaration the metadata lost. Called once at start, before clients connect.
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
                            setAside(queueDir, "the metadata has no declaration for it");
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not look for orphaned queue directories: {}", e.toString());
        }
    }

    /** The threads that create new queues' files; for tests that need to hold them still. */
    QueueFileThreads queueFileThreads() {
        return queueFiles;
    }

    private void setAside(Path queueDirectory, String why) {
        try {
            orphans.setAside(queueDirectory, why);
        } catch (IOException e) {
            LOG.error("Queue data {} is not owned by any durable queue ({}), and could not be moved aside: {};"
                    + " left where it is", queueDirectory, why, e.toString());
        }
    }

    /** Makes a metadata change durable through the metadata writer (group commit); never waits. */
    @Override
    public CompletableFuture<Void> record(MetadataRecord change) {
        ByteBuffer batch;
        try {
            batch = MetadataRecordCodec.encodeBatch(change);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return metadata.writer().append(batch);
    }

    /**
     * A durable queue's store. At start ({@code recover}) it is opened here. A new queue's files
     * are created on one of the {@link QueueFileThreads} (never on an event loop), and the queue's
     * work waits for them ({@link OpeningQueueStore}); anything already under its name is first set
     * aside in {@code data/orphans/}.
     */
    @Override
    public QueueStore openQueueStore(QueueSettings queue, boolean recover, Executor owner,
                                     CompletableFuture<Void> declarationDurable) {
        Path directory = StorageFiles.queueDirectory(dataDir, queue.virtualHost(), queue.name());
        if (recover) {
            return QueueStore.ready(openLogStore(directory, queue, declarationDurable), owner);
        }
        OpeningQueueStore opening = new OpeningQueueStore(owner);
        try {
            queueFiles.execute(() -> {
                try {
                    if (Files.exists(directory)) {
                        orphans.setAside(directory, "a new queue of that name was declared, and its files are no"
                                + " queue's the broker knew of");
                    }
                    opening.opened(openLogStore(directory, queue, declarationDurable));
                } catch (IOException | RuntimeException e) {
                    LOG.error("Creating the files of {} in {} failed: {}", LogSafe.text(queue.description()), directory, e.toString());
                    opening.failed(e);
                }
            });
        } catch (RejectedExecutionException e) {
            opening.failed(e);
        }
        return new QueueStore(opening, opening.owner(), opening.ready());
    }

    private LogMessageStore openLogStore(Path directory, QueueSettings queue, CompletableFuture<Void> declarationDurable) {
        LogConfig config = queueLogConfig().fsyncPolicy(settings.queueFsync()).flushIntervalMs(settings.fsyncIntervalMs());
        LogMessageStore store = LogMessageStore.open(directory, config, flusher, files, maintenance, settings.paging(),
                LogSafe.text(queue.description()), MessagePriority.topLevel(queue.arguments()),
                queue.arguments().deduplication().orElse(null));
        store.holdConfirmsUntil(declarationDurable);
        if (queue.arguments().queueType().keepsEveryMessage()) {
            store.keepTransientMessages();
        }
        return store;
    }

    @Override
    public MessageStore openTransientQueueStore(QueueSettings queue) {
        Path directory = dataDir.resolve(StorageFiles.PAGING_DIRECTORY).resolve(Long.toString(spillLogs.incrementAndGet()));
        return LogMessageStore.openTransient(directory, queueLogConfig().fsyncPolicy(FsyncPolicy.NEVER), flusher, files,
                settings.paging(), LogSafe.text(queue.description()), MessagePriority.topLevel(queue.arguments()));
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

    /**
     * Stops housekeeping (pending checkpoint writes finish), then the metadata writer (what it holds
     * becomes durable first) and the flusher.
     */
    @Override
    public void close() {
        maintenance.close();
        queueFiles.close();
        try {
            metadata.close();
        } finally {
            flusher.close();
            files.closeIdle();
        }
    }
}
