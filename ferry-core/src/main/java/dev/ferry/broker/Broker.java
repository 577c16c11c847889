package dev.ferry.broker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.error.BrokerException;
import dev.ferry.queue.EnqueueBacklog;
import dev.ferry.queue.MailboxLimits;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueExecutorPool;
import dev.ferry.queue.QueueServices;
import dev.ferry.queue.SystemQueueTimer;
import dev.ferry.text.LogSafe;

/**
 * The broker's messaging state: its virtual hosts, each with exchanges, queues and bindings. A
 * protocol front looks up the virtual host a connection opened and works through it. The default
 * virtual host {@code /} always exists.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public final class Broker implements AutoCloseable {
    public static final String DEFAULT_VIRTUAL_HOST = "/";
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final Supplier<? extends Executor> queueOwners;
    private final QueueExecutorPool ownedPool;
    private final BrokerStorage storage;
    private final MailboxLimits mailboxLimits;
    private final EnqueueBacklog backlog;
    private final long deadLetterRetryMs;
    private final ConcurrentHashMap<String, VirtualHost> virtualHosts = new ConcurrentHashMap<>();

    /** A broker whose queues are owned by a pool of {@code queueThreads} threads, closed with it. */
    public static Broker withQueueThreads(int queueThreads) {
        return withQueueThreads(queueThreads, BrokerStorage.IN_MEMORY);
    }

    /** As {@link #withQueueThreads(int)}, keeping durable metadata and messages in {@code storage}. */
    public static Broker withQueueThreads(int queueThreads, BrokerStorage storage) {
        return withQueueThreads(queueThreads, storage, MailboxLimits.DEFAULTS);
    }

    /** As {@link #withQueueThreads(int, BrokerStorage)}, with each queue's mailbox bounded by {@code mailboxLimits}. */
    public static Broker withQueueThreads(int queueThreads, BrokerStorage storage, MailboxLimits mailboxLimits) {
        return withQueueThreads(queueThreads, storage, mailboxLimits, QueueServices.DEFAULT_DEAD_LETTER_RETRY_MS);
    }

    /**
     * As {@link #withQueueThreads(int, BrokerStorage, MailboxLimits)}; an at-least-once dead letter
     * that could not be handed over is routed again after {@code deadLetterRetryMs}.
     */
    public static Broker withQueueThreads(int queueThreads, BrokerStorage storage, MailboxLimits mailboxLimits,
                                          long deadLetterRetryMs) {
        return withQueueThreads(queueThreads, storage, mailboxLimits, deadLetterRetryMs, EnqueueBacklog.unbounded());
    }

    /**
     * As {@link #withQueueThreads(int, BrokerStorage, MailboxLimits, long)}, with the publishes
     * waiting in all mailboxes together counted, and bounded, by {@code backlog}.
     */
    public static Broker withQueueThreads(int queueThreads, BrokerStorage storage, MailboxLimits mailboxLimits,
                                          long deadLetterRetryMs, EnqueueBacklog backlog) {
        QueueExecutorPool pool = new QueueExecutorPool(queueThreads);
        return new Broker(pool::assign, pool, storage, mailboxLimits, deadLetterRetryMs, backlog);
    }

    /**
     * A broker whose queues get their owner executors from {@code queueOwners}; tests pass a direct
     * or manual executor here to run queue commands deterministically.
     */
    public static Broker withQueueOwners(Supplier<? extends Executor> queueOwners) {
        return new Broker(queueOwners, null, BrokerStorage.IN_MEMORY, MailboxLimits.DEFAULTS,
                QueueServices.DEFAULT_DEAD_LETTER_RETRY_MS, EnqueueBacklog.unbounded());
    }

    /** As {@link #withQueueOwners(Supplier)}, with storage. */
    public static Broker withQueueOwners(Supplier<? extends Executor> queueOwners, BrokerStorage storage) {
        return new Broker(queueOwners, null, storage, MailboxLimits.DEFAULTS, QueueServices.DEFAULT_DEAD_LETTER_RETRY_MS,
                EnqueueBacklog.unbounded());
    }

    private Broker(Supplier<? extends Executor> queueOwners, QueueExecutorPool ownedPool, BrokerStorage storage,
                   MailboxLimits mailboxLimits, long deadLetterRetryMs, EnqueueBacklog backlog) {
        this.deadLetterRetryMs = deadLetterRetryMs;
        this.backlog = Objects.requireNonNull(backlog, "backlog");
        this.queueOwners = Objects.requireNonNull(queueOwners, "queueOwners");
        this.ownedPool = ownedPool;
        this.storage = Objects.requireNonNull(storage, "storage");
        this.mailboxLimits = Objects.requireNonNull(mailboxLimits, "mailboxLimits");
        addVirtualHost(DEFAULT_VIRTUAL_HOST);
    }

    /** The publishes waiting in all queues' mailboxes, across virtual hosts. */
    public EnqueueBacklog backlog() {
        return backlog;
    }

    /** Creates a virtual host, or returns the existing one of that name. */
    public VirtualHost addVirtualHost(String name) {
        return virtualHosts.computeIfAbsent(name,
                n -> new VirtualHost(n, queueOwners, SystemQueueTimer.INSTANCE, storage, mailboxLimits,
                        deadLetterRetryMs, backlog));
    }

    /**
     * Deletes a virtual host's queues and exchanges and then the virtual host, except the default
     * one, which stays (empty) because fronts fall back on it. Completes when the deletions are durable.
     */
    public CompletableFuture<Void> deleteVirtualHost(String name) {
        VirtualHost virtualHost = name.equals(DEFAULT_VIRTUAL_HOST) ? virtualHosts.get(name) : virtualHosts.remove(name);
        if (virtualHost == null) {
            return CompletableFuture.completedFuture(null);
        }
        return virtualHost.deleteContents();
    }

    /** The virtual host a connection names in connection.open; empty means refuse (402 / 530). */
    public Optional<VirtualHost> virtualHost(String name) {
        return Optional.ofNullable(virtualHosts.get(name));
    }

    public VirtualHost defaultVirtualHost() {
        return virtualHosts.get(DEFAULT_VIRTUAL_HOST);
    }

    public Collection<VirtualHost> virtualHosts() {
        return List.copyOf(virtualHosts.values());
    }

    /**
     * Replays recorded metadata (already folded to declarations) into the virtual hosts, before any
     * client connects. Records of a virtual host that is not configured are skipped and returned,
     * so that the caller can keep them.
     */
    public List<MetadataRecord> restore(List<MetadataRecord> records) {
        List<MetadataRecord> skipped = new ArrayList<>();
        for (MetadataRecord record : records) {
            VirtualHost virtualHost = virtualHosts.get(record.virtualHost());
            if (virtualHost == null) {
                skipped.add(record);
                continue;
            }
            try {
                virtualHost.restore(record);
            } catch (BrokerException e) {
                LOG.warn("Recorded metadata no longer applies, skipped: {} ({})", LogSafe.text(record),
                        LogSafe.text(e.getMessage()));
            }
        }
        return skipped;
    }

    /** Every virtual host's durable metadata as declarations (what a compacted metadata log holds). */
    public List<MetadataRecord> durableMetadata() {
        List<MetadataRecord> records = new ArrayList<>();
        for (VirtualHost virtualHost : virtualHosts.values()) {
            records.addAll(virtualHost.durableMetadata());
        }
        return records;
    }

    /**
     * Stops the queues: each queue's store makes everything durable and closes its files after the
     * commands already queued (checkpoints written, logs fsynced), then the owner threads this
     * broker created stop.
     */
    @Override
    public void close() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (VirtualHost virtualHost : virtualHosts.values()) {
            for (MessageQueue queue : virtualHost.queues()) {
                closing.add(queue.closeStore());
            }
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("Closing the queue stores failed", e);
        }
        if (ownedPool != null) {
            ownedPool.close();
        }
    }
}
