package dev.ferry.stream;

/**
 * What a {@link Partition#append} gave a producer's batch, as a Produce response reports it.
 *
 * @param baseOffset the offset of the batch's first record
 * @param lastOffset the offset of its last record
 * @param logAppendTimeMs the time the partition stamped into the batch when the topic's
 *     {@code message.timestamp.type} is {@code LogAppendTime}; -1 under {@code CreateTime}
 * @param logStartOffset the partition's log start offset when the append was applied
 */
public record AppendResult(long baseOffset, long lastOffset, long logAppendTimeMs, long logStartOffset) {
    public long recordCount() {
        return lastOffset - baseOffset + 1;
    }
}
