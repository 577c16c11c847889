package dev.ferry.kafka.fetch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The node's fetch sessions (KIP-227), at most {@code max.incremental.fetch.session.cache.slots}
 * of them. In memory only, as in Kafka: sessions are per node and a restart forgets them.
 *
 * <p>Sessions outlive their connection (a client may reconnect and go on with its session, as
 * Kafka allows); they leave when a full fetch names them (epoch 0 replaces, epoch -1 closes), when
 * an incremental fetch forgets their last partition, or when a new session needs the slot. Kafka's
 * eviction rule: the least recently used session goes if it has not been used for the eviction time
 * (2 minutes, Kafka's {@code MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS}); otherwise a session older
 * than that (when last used) with fewer partitions than the new one, the smallest first; otherwise
 * the new session is not made and the client gets session id 0, so it goes on with full fetches.
 * Kafka also privileges follower sessions; this node serves no followers.
 *
 * <p>Thread-safe: one monitor, taken once per fetch request (never per record). A full cache scans
 * its sessions to pick one to evict; a thousand slots make that cheaper than keeping ordered indexes.
 */
public final class FetchSessionCache {
    /** Kafka's {@code max.incremental.fetch.session.cache.slots} default. */
    public static final int DEFAULT_SLOTS = 1000;
    /** Kafka's minimum time before a session may be evicted (not configurable there either). */
    public static final long EVICTION_MS = 120_000;

    private final int slots;
    private final long evictionMs;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private long evictions;
    private long incrementalFetches;

    public FetchSessionCache(int slots) {
        this(slots, EVICTION_MS);
    }

    /** With the eviction time given, for tests that drive the clock. */
    public FetchSessionCache(int slots, long evictionMs) {
        if (slots < 0) {
            throw new IllegalArgumentException("fetch session slots must be 0 or more, got " + slots);
        }
        this.slots = slots;
        this.evictionMs = evictionMs;
    }

    /** What an incremental fetch request finds: an error, the session to read, or no session (it forgot every partition). */
    public record Incremental(Errors error, FetchSession session) {
    }

    /**
     * A new session for a full fetch that was answered with {@code answer}, if there is a slot (or
     * one can be freed by eviction); its id, else {@link FetchEpochs#NO_SESSION}.
     */
    public synchronized int create(long nowMs, boolean usesTopicIds, List<FetchTopic> requested,
                                   FetchResponseData answer) {
        int size = 0;
        for (FetchTopic topic : requested) {
            size += topic.partitions().size();
        }
        if (sessions.size() >= slots && !evictFor(size, nowMs)) {
            return FetchEpochs.NO_SESSION;
        }
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id));
        FetchSession session = new FetchSession(id, usesTopicIds, nowMs);
        session.start(requested, answer);
        session.touch(nowMs, evictionMs);
        sessions.put(id, session);
        return id;
    }

    /** Drops a session a full fetch names; nothing if it is not (or no longer) here. */
    public synchronized void remove(int sessionId) {
        sessions.remove(sessionId);
    }

    /**
     * An incremental fetch of session {@code sessionId} at {@code epoch}: FETCH_SESSION_ID_NOT_FOUND,
     * INVALID_FETCH_SESSION_EPOCH (the session stays as it was) or FETCH_SESSION_TOPIC_ID_ERROR (a
     * request version that names topics otherwise than the session does); else the session updated
     * and its epoch moved on, or none when the request forgot its last partition (it is dropped).
     */
    public synchronized Incremental incremental(int sessionId, int epoch, boolean usesTopicIds,
                                                List<FetchTopic> requested, List<ForgottenTopic> forgotten,
                                                long nowMs) {
        FetchSession session = sessions.get(sessionId);
        if (session == null) {
            return new Incremental(Errors.FETCH_SESSION_ID_NOT_FOUND, null);
        }
        if (session.epoch() != epoch) {
            return new Incremental(Errors.INVALID_FETCH_SESSION_EPOCH, null);
        }
        if (session.usesTopicIds() != usesTopicIds) {
            return new Incremental(Errors.FETCH_SESSION_TOPIC_ID_ERROR, null);
        }
        session.update(requested, forgotten);
        if (session.size() == 0) {
            sessions.remove(sessionId);
            return new Incremental(Errors.NONE, null);
        }
        session.touch(nowMs, evictionMs);
        incrementalFetches++;
        return new Incremental(Errors.NONE, session);
    }

    /** Frees a slot for a session of {@code size} partitions, if Kafka's rule allows one to go. */
    private boolean evictFor(int size, long nowMs) {
        FetchSession leastRecent = null;
        FetchSession smallestEvictable = null;
        for (FetchSession session : sessions.values()) {
            if (leastRecent == null || session.lastUsedMs() < leastRecent.lastUsedMs()
                    || session.lastUsedMs() == leastRecent.lastUsedMs() && session.id() < leastRecent.id()) {
                leastRecent = session;
            }
            if (session.evictable() && (smallestEvictable == null
                    || session.evictableSize() < smallestEvictable.evictableSize()
                    || session.evictableSize() == smallestEvictable.evictableSize()
                        && session.id() < smallestEvictable.id())) {
                smallestEvictable = session;
            }
        }
        FetchSession victim = null;
        if (leastRecent != null && nowMs - leastRecent.lastUsedMs() > evictionMs) {
            victim = leastRecent;
        } else if (smallestEvictable != null && size > smallestEvictable.evictableSize()) {
            victim = smallestEvictable;
        }
        if (victim == null) {
            return false;
        }
        sessions.remove(victim.id());
        evictions++;
        return true;
    }

    /** Sessions held now. */
    public synchronized int size() {
        return sessions.size();
    }

    /** Partitions over every session held now (Kafka's NumIncrementalFetchPartitionsCached). */
    public synchronized long partitionCount() {
        long count = 0;
        for (FetchSession session : sessions.values()) {
            count += session.size();
        }
        return count;
    }

    /** Sessions evicted for new ones since start. */
    public synchronized long evictions() {
        return evictions;
    }

    /** Incremental fetches accepted since start. */
    public synchronized long incrementalFetches() {
        return incrementalFetches;
    }

    public int slots() {
        return slots;
    }
}
