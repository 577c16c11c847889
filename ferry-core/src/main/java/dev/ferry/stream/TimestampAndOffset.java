package dev.ferry.stream;

/**
 * A record's timestamp and offset, as ListOffsets answers a query by time.
 *
 * @param timestampMs the record's timestamp
 * @param offset the record's offset
 */
public record TimestampAndOffset(long timestampMs, long offset) {
}
