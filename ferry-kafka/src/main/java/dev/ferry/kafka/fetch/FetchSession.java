package dev.ferry.kafka.fetch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;

/**
 * A fetch session (KIP-227): the partitions one consumer reads from this node, so that its
 * incremental fetches name only what changed and their answers carry only partitions with
 * something new. In memory only, as Kafka's: a restarted node knows no session and clients start
 * a new one when told FETCH_SESSION_ID_NOT_FOUND.
 *
 * <p>The epoch counts the requests: the session expects {@link #epoch()} next and moves it on
 * each incremental fetch it accepts, so a request sent twice, or out of order, is refused with
 * INVALID_FETCH_SESSION_EPOCH. Partitions are kept in order; one that answered with records moves
 * to the end, so that under a byte limit the others get their turn (as Kafka rotates them).
 *
 * <p>Thread-safe: requests of one session may come from any connection's event loop; each method
 * holds the session's monitor, and {@link FetchSessionCache} calls in while holding its own.
 */
public final class FetchSession {
    private final int id;
    private final boolean usesTopicIds;
    private final long createdMs;
    private final Map<SessionPartition.Key, SessionPartition> partitions = new LinkedHashMap<>();
    private int epoch = FetchEpochs.next(FetchEpochs.INITIAL);
    private long lastUsedMs;
    /** Kafka's rule: a session may be evicted for a bigger one once it was older than the eviction time when last used. */
    private boolean evictable;
    /** The partition count when last used: the size eviction compares (Kafka's cached size). */
    private int evictableSize;

    FetchSession(int id, boolean usesTopicIds, long createdMs) {
        this.id = id;
        this.usesTopicIds = usesTopicIds;
        this.createdMs = createdMs;
        this.lastUsedMs = createdMs;
    }

    public int id() {
        return id;
    }

    /** The epoch the next incremental fetch must carry. */
    public synchronized int epoch() {
        return epoch;
    }

    /** Whether the session names topics by id (Fetch v13+) rather than by name. */
    public boolean usesTopicIds() {
        return usesTopicIds;
    }

    public synchronized int size() {
        return partitions.size();
    }

    synchronized long lastUsedMs() {
        return lastUsedMs;
    }

    synchronized boolean evictable() {
        return evictable;
    }

    synchronized int evictableSize() {
        return evictableSize;
    }

    /** Marks the session used at {@code nowMs}: the LRU order and the eviction rank follow. */
    synchronized void touch(long nowMs, long evictionMs) {
        lastUsedMs = nowMs;
        evictable = nowMs - createdMs > evictionMs;
        evictableSize = partitions.size();
    }

    /** A new session's partitions: the full fetch's, with what its answer told the client. */
    synchronized void start(List<FetchTopic> requested, FetchResponseData answer) {
        apply(requested, List.of());
        keepChanged(answer, false);
    }

    /**
     * An incremental fetch: partitions it names are added or take its new fetch offset, then the
     * forgotten ones leave (a partition both named and forgotten is gone), and the epoch moves on.
     */
    synchronized void update(List<FetchTopic> requested, List<ForgottenTopic> forgotten) {
        apply(requested, forgotten);
        epoch = FetchEpochs.next(epoch);
    }

    private void apply(List<FetchTopic> requested, List<ForgottenTopic> forgotten) {
        for (FetchTopic topic : requested) {
            for (FetchPartition partition : topic.partitions()) {
                SessionPartition.Key key = key(topic.topicId(), topic.topic(), partition.partition());
                SessionPartition known = partitions.get(key);
                if (known == null) {
                    partitions.put(key, new SessionPartition(key, partition));
                } else {
                    known.updateRequest(partition);
                }
            }
        }
        for (ForgottenTopic topic : forgotten) {
            for (int partition : topic.partitions()) {
                partitions.remove(key(topic.topicId(), topic.topic(), partition));
            }
        }
    }

    /** Every partition of the session as a full request would name it, in the session's order. */
    public synchronized List<FetchTopic> toFetch() {
        List<FetchTopic> topics = new ArrayList<>();
        FetchTopic current = null;
        for (SessionPartition partition : partitions.values()) {
            SessionPartition.Key key = partition.key;
            if (current == null || !current.topicId().equals(key.topicId()) || !current.topic().equals(key.topic())) {
                current = new FetchTopic().setTopicId(key.topicId()).setTopic(key.topic());
                topics.add(current);
            }
            current.partitions().add(partition.asRequested());
        }
        return topics;
    }

    /**
     * Cuts an answer read from {@link #toFetch()} down to the partitions the client must hear about
     * (records, an error, moved offsets), remembering what it reports; partitions that answered
     * with records move to the end of the session's order.
     */
    public synchronized void keepIncremental(FetchResponseData answer) {
        keepChanged(answer, true);
    }

    private void keepChanged(FetchResponseData answer, boolean dropUnchanged) {
        Iterator<FetchableTopicResponse> topics = answer.responses().iterator();
        while (topics.hasNext()) {
            FetchableTopicResponse topic = topics.next();
            Iterator<PartitionData> answered = topic.partitions().iterator();
            while (answered.hasNext()) {
                PartitionData partition = answered.next();
                SessionPartition.Key key = key(topic.topicId(), topic.topic(), partition.partitionIndex());
                SessionPartition known = partitions.get(key);
                boolean report = known != null && known.mustReport(partition);
                if (dropUnchanged && !report) {
                    answered.remove();
                } else if (dropUnchanged && partition.records() != null && partition.records().sizeInBytes() > 0) {
                    partitions.remove(key);
                    partitions.put(key, known);
                }
            }
            if (dropUnchanged && topic.partitions().isEmpty()) {
                topics.remove();
            }
        }
    }

    private SessionPartition.Key key(Uuid topicId, String topic, int partition) {
        return usesTopicIds ? new SessionPartition.Key(topicId, "", partition)
                : new SessionPartition.Key(Uuid.ZERO_UUID, topic, partition);
    }
}
