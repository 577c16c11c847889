package dev.ferry.kafka.fetch;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;

/**
 * One partition of a fetch session: what the client last asked for it (fetch offset, byte limit,
 * leader epoch; an incremental request that leaves the partition out keeps them) and what the
 * client was last told about it (high watermark, last stable offset, log start offset), so that an
 * incremental answer can leave out a partition that has nothing new. Guarded by its session.
 */
final class SessionPartition {
    /** Kafka's "not yet sent" high watermark: a partition just added is always in the next answer. */
    static final long UNKNOWN_OFFSET = -1;

    final Key key;
    private long fetchOffset;
    private int maxBytes;
    private int currentLeaderEpoch;
    private long highWatermark = UNKNOWN_OFFSET;
    private long lastStableOffset = UNKNOWN_OFFSET;
    private long logStartOffset = UNKNOWN_OFFSET;

    /**
     * A partition as a request names it: by topic id from Fetch v13 (the name then empty), by name
     * before (the id then zero), so the same session never mixes the two.
     */
    record Key(Uuid topicId, String topic, int partition) {
    }

    SessionPartition(Key key, FetchPartition requested) {
        this.key = key;
        updateRequest(requested);
    }

    /** What an incremental request sends for a partition it adds or changes. */
    void updateRequest(FetchPartition requested) {
        fetchOffset = requested.fetchOffset();
        maxBytes = requested.partitionMaxBytes();
        currentLeaderEpoch = requested.currentLeaderEpoch();
    }

    /** The partition as a request would name it, to read it again for an incremental fetch. */
    FetchPartition asRequested() {
        return new FetchPartition().setPartition(key.partition()).setFetchOffset(fetchOffset)
                .setPartitionMaxBytes(maxBytes).setCurrentLeaderEpoch(currentLeaderEpoch);
    }

    /**
     * Whether an incremental answer must carry this partition: it has records, an error, or offsets
     * the client has not been told yet. Remembers what it reports; after an error the high
     * watermark is forgotten, so that the partition is reported again once the error has gone.
     */
    boolean mustReport(PartitionData answer) {
        boolean report = answer.records() != null && answer.records().sizeInBytes() > 0;
        if (answer.highWatermark() != highWatermark) {
            report = true;
            highWatermark = answer.highWatermark();
        }
        if (answer.lastStableOffset() != lastStableOffset) {
            report = true;
            lastStableOffset = answer.lastStableOffset();
        }
        if (answer.logStartOffset() != logStartOffset) {
            report = true;
            logStartOffset = answer.logStartOffset();
        }
        if (answer.errorCode() != Errors.NONE.code()) {
            report = true;
            highWatermark = UNKNOWN_OFFSET;
        }
        return report;
    }

    /** What a full fetch answered, the state a new session starts from. */
    void answered(PartitionData answer) {
        mustReport(answer);
    }
}
