package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.fetch.FetchEpochs;
import dev.ferry.kafka.fetch.FetchSession;
import dev.ferry.kafka.fetch.FetchSessionCache;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.HashMap;
import java.util.Map;
import dev.ferry.kafka.wire.LogSliceRecords;
import dev.ferry.log.LogSlice;
import dev.ferry.stream.AbortedTransaction;
import dev.ferry.stream.HighWatermarkWait;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Fetch: whole batches from each partition's segment files, never above the high watermark (what
 * is fsynced), sent without re-encoding as file regions ({@link LogSliceRecords}).
 *
 * <p>Long poll: when the partitions hold fewer than {@code min.bytes} new bytes, the request parks
 * on every partition it reads ({@link Partition#whenHighWatermarkAbove}) and on a timer at
 * {@code max.wait.ms}; the first to fire reads again, on the connection's event loop, and either
 * answers or parks again until the deadline. Nothing is held while parked but the waits.
 *
 * <p>Fetch sessions (KIP-227, v7+), kept in a {@link FetchSessionCache} as Kafka does: a full fetch
 * at epoch 0 opens a session (its answer carries the new id, or 0 when the cache has no slot); an
 * incremental fetch names only the partitions it adds, changes or forgets, is read over every
 * partition of the session and answered with those that have records, an error or moved offsets;
 * epoch -1 asks for no session and closes the one it names. A wrong session id or epoch gets
 * FETCH_SESSION_ID_NOT_FOUND or INVALID_FETCH_SESSION_EPOCH and no data.
 *
 * <p>{@code read_uncommitted} reads up to the high watermark; {@code read_committed} up to the last
 * stable offset (the first offset of the earliest undecided transaction), with the aborted
 * transactions the data overlaps listed so that the consumer drops their records.
 */
public final class FetchHandler implements ApiHandler {
    /** Kafka's {@code IsolationLevel.READ_COMMITTED} id in a Fetch or ListOffsets request. */
    static final byte READ_COMMITTED = 1;
    private final TopicRegistry topics;
    private final KafkaAcls acls;
    private final FetchSessionCache sessions;

    public FetchHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL, new FetchSessionCache(FetchSessionCache.DEFAULT_SLOTS));
    }

    /**
     * With ACLs (a topic the user may not READ gets TOPIC_AUTHORIZATION_FAILED on each of its
     * partitions) and the node's fetch sessions.
     */
    public FetchHandler(TopicRegistry topics, KafkaAcls acls, FetchSessionCache sessions) {
        this.topics = topics;
        this.acls = acls;
        this.sessions = sessions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FETCH;
    }

    @Override
    public short oldestVersion() {
        return 4;
    }

    @Override
    public short latestVersion() {
        return 18;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        FetchRequestData data = (FetchRequestData) request;
        if (context.apiVersion() < 7) {
            // Before v7 the request has no session fields: every fetch is full and sessionless.
            return poll(context, data, data.topics(), answer -> { });
        }
        boolean usesTopicIds = context.apiVersion() >= 13;
        if (FetchEpochs.isFull(data.sessionEpoch())) {
            if (data.sessionId() != FetchEpochs.NO_SESSION) {
                sessions.remove(data.sessionId());
            }
            if (data.sessionEpoch() == FetchEpochs.FINAL) {
                return poll(context, data, data.topics(), answer -> { });
            }
            // As Kafka, the session is made once the full answer is known: it starts from what the client was told.
            return poll(context, data, data.topics(), answer -> answer.setSessionId(
                    sessions.create(System.currentTimeMillis(), usesTopicIds, data.topics(), answer)));
        }
        FetchSessionCache.Incremental incremental = sessions.incremental(data.sessionId(), data.sessionEpoch(),
                usesTopicIds, data.topics(), data.forgottenTopicsData(), context.receivedAtMs());
        if (incremental.error() != Errors.NONE) {
            return CompletableFuture.completedFuture(new FetchResponseData().setErrorCode(incremental.error().code())
                    .setSessionId(FetchEpochs.NO_SESSION));
        }
        FetchSession session = incremental.session();
        if (session == null) {
            // Every partition forgotten: the session is gone and this fetch is answered as a sessionless one.
            return poll(context, data, data.topics(), answer -> { });
        }
        return poll(context, data, session.toFetch(), answer -> {
            session.keepIncremental(answer);
            answer.setSessionId(session.id());
        });
    }

    private CompletionStage<ApiMessage> poll(RequestContext context, FetchRequestData data, List<FetchTopic> toRead,
                                             Consumer<FetchResponseData> finish) {
        LongPoll poll = new LongPoll(context, data, toRead, finish);
        poll.attempt(false);
        return poll.result;
    }

    /** One Fetch request from its first read until it is answered. */
    private final class LongPoll {
        private final RequestContext context;
        private final FetchRequestData request;
        /** The request's partitions, or for an incremental fetch every partition of its session. */
        private final List<FetchTopic> toRead;
        /** Applied to the answer before it goes: the session's part (its id, leaving out what has not changed). */
        private final Consumer<FetchResponseData> finish;
        private final long deadlineMs;
        private final CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        private final List<HighWatermarkWait> waits = new ArrayList<>();
        /** Per topic name, asked once per request however often a long poll reads again. */
        private final Map<String, Boolean> authorized = new HashMap<>();
        private ScheduledFuture<?> timer;
        private boolean woken;

        LongPoll(RequestContext context, FetchRequestData request, List<FetchTopic> toRead,
                 Consumer<FetchResponseData> finish) {
            this.context = context;
            this.request = request;
            this.toRead = toRead;
            this.finish = finish;
            this.deadlineMs = context.receivedAtMs() + Math.max(0, request.maxWaitMs());
        }

        /** Reads every partition; answers, or parks until data arrives or the deadline. Event loop only. */
        void attempt(boolean finalAttempt) {
            int remainingBytes = request.maxBytes() > 0 ? request.maxBytes() : Integer.MAX_VALUE;
            long totalBytes = 0;
            boolean anyError = false;
            List<Parked> parkable = new ArrayList<>();
            FetchResponseData response = new FetchResponseData().setErrorCode(Errors.NONE.code())
                    .setSessionId(FetchEpochs.NO_SESSION);
            boolean readCommitted = request.isolationLevel() == READ_COMMITTED;
            for (FetchTopic fetchTopic : toRead) {
                FetchableTopicResponse topicResponse = new FetchableTopicResponse().setTopic(fetchTopic.topic())
                        .setTopicId(fetchTopic.topicId());
                response.responses().add(topicResponse);
                Optional<Topic> topic = TopicIds.find(topics, fetchTopic.topic(), fetchTopic.topicId());
                boolean mayRead = authorized.computeIfAbsent(topic.map(Topic::name).orElse(fetchTopic.topic()),
                        name -> acls.allowed(context, Operation.READ, ResourceType.TOPIC, name));
                for (FetchPartition fetchPartition : fetchTopic.partitions()) {
                    PartitionData partitionResponse = new PartitionData().setPartitionIndex(fetchPartition.partition())
                            .setRecords(MemoryRecords.EMPTY);
                    topicResponse.partitions().add(partitionResponse);
                    if (!mayRead) {
                        fail(partitionResponse, Errors.TOPIC_AUTHORIZATION_FAILED);
                        anyError = true;
                        continue;
                    }
                    if (topic.isEmpty() || fetchPartition.partition() < 0
                            || fetchPartition.partition() >= topic.get().partitionCount()) {
                        Errors error = topic.isEmpty() && TopicIds.byId(fetchTopic.topicId()) ? Errors.UNKNOWN_TOPIC_ID
                                : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                        fail(partitionResponse, error);
                        anyError = true;
                        continue;
                    }
                    if (!readCommitted) {
                        // Kafka sends a null list (not an empty one) for a partition it reads uncommitted.
                        partitionResponse.setAbortedTransactions(null);
                    }
                    Partition partition = topic.get().partition(fetchPartition.partition());
                    Errors epochError = LeaderEpochs.check(fetchPartition.currentLeaderEpoch(), partition.leaderEpoch());
                    if (epochError != Errors.NONE) {
                        fail(partitionResponse, epochError);
                        anyError = true;
                        continue;
                    }
                    try {
                        long highWatermark = partition.highWatermark();
                        long lastStable = partition.lastStableOffset();
                        long logStart = partition.logStartOffset();
                        // The response's byte budget spent, later partitions only report their offsets.
                        LogSlice slice = null;
                        if (remainingBytes > 0 || totalBytes == 0) {
                            int limit = Math.max(1, Math.min(fetchPartition.partitionMaxBytes(), remainingBytes));
                            slice = readCommitted ? partition.readCommitted(fetchPartition.fetchOffset(), limit)
                                    : partition.read(fetchPartition.fetchOffset(), limit);
                        }
                        partitionResponse.setHighWatermark(highWatermark).setLastStableOffset(lastStable)
                                .setLogStartOffset(logStart);
                        if (slice != null && !slice.isEmpty()) {
                            partitionResponse.setRecords(new LogSliceRecords(slice));
                            if (readCommitted) {
                                partitionResponse.setAbortedTransactions(abortedTransactions(partition,
                                        fetchPartition.fetchOffset(), slice.nextOffset()));
                            }
                            totalBytes += slice.sizeInBytes();
                            remainingBytes -= slice.sizeInBytes();
                        } else {
                            // read_committed below an open transaction: only a marker made durable moves the
                            // last stable offset, and it moves the high watermark too.
                            long wakeAbove = readCommitted ? Math.max(fetchPartition.fetchOffset(), highWatermark)
                                    : fetchPartition.fetchOffset();
                            parkable.add(new Parked(partition, wakeAbove));
                        }
                    } catch (RuntimeException e) {
                        fail(partitionResponse, KafkaErrors.of(e));
                        anyError = true;
                    }
                }
            }
            boolean enough = totalBytes >= Math.max(1, request.minBytes());
            long waitMs = deadlineMs - System.currentTimeMillis();
            if (finalAttempt || enough || anyError || request.minBytes() <= 0 || waitMs <= 0 || parkable.isEmpty()) {
                try {
                    finish.accept(response);
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                    return;
                }
                result.complete(response);
                return;
            }
            park(parkable, waitMs);
        }

        private void park(List<Parked> parkable, long waitMs) {
            woken = false;
            for (Parked parked : parkable) {
                waits.add(parked.partition.whenHighWatermarkAbove(parked.offset, this::wakeFromAnyThread));
            }
            timer = context.eventLoop().schedule(() -> wake(true), waitMs, TimeUnit.MILLISECONDS);
        }

        private void wakeFromAnyThread() {
            context.eventLoop().execute(() -> wake(false));
        }

        /** The first wake of a parking reads again; later ones (other partitions, the timer) find it done. */
        private void wake(boolean timedOut) {
            if (woken) {
                return;
            }
            woken = true;
            for (HighWatermarkWait wait : waits) {
                wait.cancel();
            }
            waits.clear();
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            attempt(timedOut);
        }
    }

    private static List<FetchResponseData.AbortedTransaction> abortedTransactions(Partition partition, long fromOffset,
                                                                                 long toOffset) {
        List<FetchResponseData.AbortedTransaction> aborted = new ArrayList<>();
        for (AbortedTransaction transaction : partition.abortedTransactions(fromOffset, toOffset)) {
            aborted.add(new FetchResponseData.AbortedTransaction().setProducerId(transaction.producerId())
                    .setFirstOffset(transaction.firstOffset()));
        }
        return aborted;
    }

    private static void fail(PartitionData partitionResponse, Errors error) {
        partitionResponse.setErrorCode(error.code()).setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1)
                .setRecords(MemoryRecords.EMPTY);
    }

    private record Parked(Partition partition, long offset) {
    }
}
