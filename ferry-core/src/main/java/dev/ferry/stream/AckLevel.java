package dev.ferry.stream;

/**
 * When a partition answers an append: the producer's choice, Kafka's {@code acks}. Either way the
 * batch is fsynced by the group commit, and readers see it only then (the high watermark is the
 * durable end); the level decides only how long the producer waits.
 */
public enum AckLevel {
    /**
     * Once the batch is written to the partition's log: in the operating system's page cache, so it
     * survives the broker process being killed, not the machine losing power before the fsync.
     * Kafka's acks=1 (and acks=0, which is not answered at all): the leader has the batch in its log.
     * With replication this stays the leader's own write.
     */
    WRITTEN,
    /**
     * Once the batch is fsynced: Kafka's acks=all, and every AMQP publisher confirm. With
     * replication this becomes "committed by a majority".
     */
    DURABLE
}
