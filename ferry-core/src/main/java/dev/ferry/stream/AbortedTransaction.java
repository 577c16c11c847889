package dev.ferry.stream;

/**
 * An aborted transaction as a partition's index keeps it: the records of {@code producerId} from
 * {@code firstOffset} up to its abort marker at {@code markerOffset} are aborted. A
 * {@code read_committed} Fetch lists the ones its data overlaps (Kafka's {@code aborted_transactions}).
 */
public record AbortedTransaction(long producerId, long firstOffset, long markerOffset) {
}
