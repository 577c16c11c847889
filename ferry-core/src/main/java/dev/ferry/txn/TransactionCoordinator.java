package dev.ferry.txn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.coordinator.CoordinatorThread;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.PartitionRef;
import dev.ferry.log.CompactionSettings;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.LogCleaner;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.StateLog;
import dev.ferry.stream.Partition;
import dev.ferry.stream.TopicRegistry;
import dev.ferry.text.LogSafe;

/**
 * The broker's transaction coordinator (Kafka's, for transactional producers): owns
 * {@link Transactions} on one thread ({@code ferry-transactions}), turns each request into a
 * {@link TransactionCommand}, applies it, writes the records it produced to the transaction log
 * ({@code data/transactions/}, a {@link StateLog}) and answers once they are durable.
 *
 * <p>Completing a transaction: once its PREPARE_COMMIT / PREPARE_ABORT record is durable, a marker
 * is written to every partition of the transaction ({@link Partition#writeTransactionMarker}) and,
 * for a commit, the offsets it carried are committed to their groups; when all of that is durable a
 * {@link TransactionCommand.MarkersWritten} completes it, and only then is the EndTxn answered
 * (Kafka answers after the prepare record; answering later means a client that has heard "committed"
 * finds the data readable). A failed marker write is retried every second.
 *
 * <p>Restart: the log is replayed; a transaction found preparing has its markers written again (a
 * second marker for a closed transaction changes nothing), an ongoing one is aborted by the
 * timeout check like any other, so after a crash every transaction ends committed or aborted.
 *
 * <p>Every method may be called from any thread and returns at once; futures complete on the
 * coordinator's thread (or a partition's flusher) and what is chained to them must not block.
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionCoordinator.class);
    /** Kafka's {@code transaction.abort.timed.out.transaction.cleanup.interval.ms} default. */
    public static final long ABORT_CHECK_INTERVAL_MS = 10_000;
    private static final long MARKER_RETRY_MS = 1_000;

    private final Transactions transactions;
    /**
     * Kafka's transaction state topic defaults: cleaned once half its sealed bytes are new, no lag;
     * each record holds a transactional id's whole state, so the latest per id is all a replay needs.
     */
    static final CompactionSettings COMPACTION = new CompactionSettings(86_400_000L, 0.5, 0);

    private final StateLog<TransactionMetadata> log;
    private final TopicRegistry topics;
    private final GroupCoordinator groups;
    private final LongSupplier clockMs;
    private final CoordinatorThread thread = new CoordinatorThread("ferry-transactions", "Transaction coordinator",
            TransactionCoordinator::notAvailable);
    // Owner thread only.
    private long nextRequestId = 1;
    private final Map<Long, CompletableFuture<TransactionResult>> waiting = new HashMap<>();

    private TransactionCoordinator(Transactions transactions, StateLog<TransactionMetadata> log, TopicRegistry topics,
                                   GroupCoordinator groups, LongSupplier clockMs, long abortCheckIntervalMs) {
        this.transactions = transactions;
        this.log = log;
        this.topics = topics;
        this.groups = groups;
        this.clockMs = clockMs;
        thread.scheduleWithFixedDelay(this::expireTransactions, abortCheckIntervalMs);
    }

    /** The transaction log and the settings the broker's log cleaner compacts it with while it runs. */
    public LogCleaner.Target cleanerTarget() {
        return log.cleanerTarget(COMPACTION);
    }

    /**
     * Opens the transaction log in {@code directory}, restores every transactional id from it,
     * compacts the log, starts the coordinator and completes the transactions found preparing.
     *
     * @param abortCheckIntervalMs how often ongoing transactions are checked against their timeout
     */
    public static TransactionCoordinator open(Path directory, TopicRegistry topics, GroupCoordinator groups,
                                              LogFlusher flusher, FileHandleCache files, LongSupplier clockMs,
                                              long abortCheckIntervalMs) {
        StateLog<TransactionMetadata> log = StateLog.open("Transaction log", TransactionRecordCodec.INSTANCE, directory,
                flusher, files);
        try {
            Transactions transactions = new Transactions();
            log.recovered().forEach(transactions::restore);
            log.compact(transactions.snapshot());
            TransactionCoordinator coordinator = new TransactionCoordinator(transactions, log, topics, groups, clockMs,
                    abortCheckIntervalMs);
            List<TransactionMetadata> preparing = transactions.all().stream().filter(m -> m.state().isPreparing())
                    .toList();
            LOG.info("Transactions: {} records replayed, {} transactional ids restored, {} transactions to complete",
                    log.recovered().size(), transactions.all().size(), preparing.size());
            coordinator.thread.submit(() -> preparing.forEach(coordinator::writeMarkers));
            return coordinator;
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- requests

    /**
     * InitProducerId with a transactional id: the producer id and the new epoch, after aborting an
     * ongoing transaction of an earlier epoch (answered CONCURRENT_TRANSACTIONS meanwhile).
     */
    public CompletableFuture<TransactionResult> initProducerId(String transactionalId, int timeoutMs,
                                                               long expectedProducerId, short expectedEpoch) {
        CompletableFuture<TransactionResult> future = new CompletableFuture<>();
        thread.execute(future, () -> {
            if (!transactions.needsNewProducerId(transactionalId)) {
                submitOnThread(future, (requestId, nowMs) -> new TransactionCommand.InitProducerId(requestId,
                        transactionalId, timeoutMs, expectedProducerId, expectedEpoch, -1, nowMs));
                return;
            }
            topics.allocateProducerId().whenComplete((producerId, failure) -> thread.execute(future, () -> {
                if (failure != null) {
                    future.completeExceptionally(failure);
                    return;
                }
                submitOnThread(future, (requestId, nowMs) -> new TransactionCommand.InitProducerId(requestId,
                        transactionalId, timeoutMs, expectedProducerId, expectedEpoch, producerId, nowMs));
            }));
        });
        return future;
    }

    public CompletableFuture<TransactionResult> addPartitions(String transactionalId, long producerId, short epoch,
                                                              Set<PartitionRef> partitions) {
        return submit((requestId, nowMs) -> new TransactionCommand.AddPartitions(requestId, transactionalId, producerId,
                epoch, partitions, nowMs));
    }

    public CompletableFuture<TransactionResult> addOffsets(String transactionalId, long producerId, short epoch,
                                                           String groupId) {
        return submit((requestId, nowMs) -> new TransactionCommand.AddOffsets(requestId, transactionalId, producerId,
                epoch, groupId, nowMs));
    }

    public CompletableFuture<TransactionResult> commitOffsets(String transactionalId, long producerId, short epoch,
                                                              String groupId, List<OffsetToCommit> offsets) {
        return submit((requestId, nowMs) -> new TransactionCommand.CommitOffsets(requestId, transactionalId,
                producerId, epoch, groupId, offsets, nowMs));
    }

    /** EndTxn: answered once the transaction is complete (every marker durable). */
    public CompletableFuture<TransactionResult> endTransaction(String transactionalId, long producerId, short epoch,
                                                               boolean commit) {
        return submit((requestId, nowMs) -> new TransactionCommand.EndTxn(requestId, transactionalId, producerId,
                epoch, commit, nowMs));
    }

    public CompletableFuture<Optional<TransactionMetadata>> describe(String transactionalId) {
        return thread.query(() -> Optional.ofNullable(transactions.get(transactionalId)));
    }

    /**
     * KIP-890's verification of a transactional produce, a query that changes nothing: null when
     * {@code partition} is in the ongoing transaction of {@code transactionalId} under
     * {@code producerId} at {@code epoch}, else the refusal ({@link Transactions#verificationError}).
     */
    public CompletableFuture<ErrorCode> verifyPartition(String transactionalId, long producerId, short epoch,
                                                        PartitionRef partition) {
        return thread.query(() -> Transactions.verificationError(transactions.get(transactionalId), producerId, epoch,
                partition));
    }

    public CompletableFuture<List<TransactionMetadata>> list() {
        return thread.query(() -> new ArrayList<>(transactions.all()));
    }

    /**
     * The partitions of {@code groupId} with offsets held by a transaction not yet complete: what an
     * OffsetFetch with {@code require_stable} answers UNSTABLE_OFFSET_COMMIT for.
     */
    public CompletableFuture<Set<PartitionRef>> pendingOffsets(String groupId) {
        return thread.query(() -> {
            Set<PartitionRef> pending = new TreeSet<>();
            for (TransactionMetadata metadata : transactions.all()) {
                if (metadata.state() == TransactionState.ONGOING || metadata.state() == TransactionState.PREPARE_COMMIT) {
                    for (OffsetToCommit offset : metadata.pendingOffsets().getOrDefault(groupId, List.of())) {
                        pending.add(offset.partition());
                    }
                }
            }
            return pending;
        });
    }

    // ---------------------------------------------------------------- the owner thread

    @FunctionalInterface
    private interface CommandFactory {
        TransactionCommand create(long requestId, long nowMs);
    }

    private CompletableFuture<TransactionResult> submit(CommandFactory factory) {
        CompletableFuture<TransactionResult> future = new CompletableFuture<>();
        thread.execute(future, () -> submitOnThread(future, factory));
        return future;
    }

    private void submitOnThread(CompletableFuture<TransactionResult> future, CommandFactory factory) {
        long requestId = nextRequestId++;
        waiting.put(requestId, future);
        apply(factory.create(requestId, clockMs.getAsLong()));
    }

    private static BrokerException notAvailable() {
        return new BrokerException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the transaction coordinator is closed");
    }

    private void apply(TransactionCommand command) {
        TransactionOutcome outcome = transactions.apply(command);
        for (TransactionMetadata record : outcome.records()) {
            LOG.debug("Transaction {}: {} (producer {} epoch {})", LogSafe.text(record.transactionalId()),
                    record.state().kafkaName(), record.producerId(), record.producerEpoch());
        }
        if (outcome.records().isEmpty()) {
            complete(outcome.replies(), null);
            return;
        }
        CompletableFuture<Void> written;
        try {
            written = log.append(outcome.records());
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        // Once closed, the replies fail in close() and unwritten markers are written after the restart.
        written.whenComplete((ignored, failure) -> thread.submit(() -> {
            complete(outcome.replies(), failure);
            if (failure == null) {
                outcome.toComplete().forEach(this::writeMarkers);
            }
        }));
    }

    private void complete(List<TransactionOutcome.Reply> replies, Throwable writeFailure) {
        if (writeFailure != null) {
            LOG.error("Transaction log: a write failed, {} answers report COORDINATOR_NOT_AVAILABLE: {}",
                    replies.size(), writeFailure.toString());
        }
        for (TransactionOutcome.Reply reply : replies) {
            CompletableFuture<TransactionResult> future = waiting.remove(reply.requestId());
            if (future != null) {
                future.complete(writeFailure == null ? reply.result()
                        : TransactionResult.failed(ErrorCode.COORDINATOR_NOT_AVAILABLE));
            }
        }
    }

    /** Writes the markers (and a commit's group offsets) of a preparing transaction, then completes it. */
    private void writeMarkers(TransactionMetadata metadata) {
        if (thread.isClosed()) {
            return;
        }
        boolean commit = metadata.state() == TransactionState.PREPARE_COMMIT;
        long nowMs = clockMs.getAsLong();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (PartitionRef ref : metadata.partitions()) {
            writes.add(marker(ref, metadata, commit, nowMs));
        }
        if (commit) {
            metadata.pendingOffsets().forEach((group, offsets) -> {
                if (!offsets.isEmpty()) {
                    writes.add(groups.commitTransactionalOffsets(group, offsets));
                }
            });
        }
        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.warn("Transaction {}: writing its {} markers failed ({}); retrying in {} ms",
                        LogSafe.text(metadata.transactionalId()), commit ? "commit" : "abort", failure.toString(),
                        MARKER_RETRY_MS);
                thread.schedule(() -> retryMarkers(metadata), MARKER_RETRY_MS); // or after the restart
                return;
            }
            thread.submit(() -> apply(new TransactionCommand.MarkersWritten(metadata.transactionalId(),
                    metadata.producerId(), metadata.producerEpoch(), commit, clockMs.getAsLong())));
        });
    }

    private CompletableFuture<Long> marker(PartitionRef ref, TransactionMetadata metadata, boolean commit, long nowMs) {
        try {
            Partition partition = topics.partition(ref.topic(), ref.partition());
            return partition.writeTransactionMarker(metadata.producerId(), metadata.producerEpoch(), commit, 0, nowMs)
                    .exceptionallyCompose(failure -> settledAnyway(failure) ? CompletableFuture.completedFuture(-1L)
                            : CompletableFuture.failedFuture(failure));
        } catch (BrokerException e) {
            if (settledAnyway(e)) {
                return CompletableFuture.completedFuture(-1L); // the topic is gone: nothing there to decide
            }
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A marker that need not be written: the partition is gone, or a newer epoch of the producer wrote there. */
    private static boolean settledAnyway(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof BrokerException)) {
            cause = cause.getCause();
        }
        return cause instanceof BrokerException refused
                && (refused.errorCode() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                || refused.errorCode() == ErrorCode.INVALID_PRODUCER_EPOCH);
    }

    private void retryMarkers(TransactionMetadata metadata) {
        TransactionMetadata current = transactions.get(metadata.transactionalId());
        if (current != null && current.state() == metadata.state() && current.producerId() == metadata.producerId()
                && current.producerEpoch() == metadata.producerEpoch()) {
            writeMarkers(current);
        }
    }

    private void expireTransactions() {
        if (thread.isClosed()) {
            return;
        }
        try {
            long nowMs = clockMs.getAsLong();
            for (TransactionMetadata metadata : transactions.all()) {
                if (metadata.state() == TransactionState.ONGOING && nowMs - metadata.startTimeMs() >= metadata.timeoutMs()) {
                    LOG.info("Transaction {}: open for more than its timeout of {} ms; aborted, producer {} fenced",
                            LogSafe.text(metadata.transactionalId()), metadata.timeoutMs(), metadata.producerId());
                }
            }
            apply(new TransactionCommand.ExpireTransactions(nowMs));
        } catch (RuntimeException | AssertionError e) {
            LOG.error("Transactions: the timeout check failed: {}", e.toString(), e);
        }
    }

    /** Stops the thread (requests still waiting fail) and closes the log, after what was written is durable. */
    @Override
    public void close() {
        if (!thread.close(() -> { })) {
            return;
        }
        log.close();
        for (CompletableFuture<TransactionResult> future : waiting.values()) {
            future.completeExceptionally(notAvailable());
        }
        waiting.clear();
    }
}
