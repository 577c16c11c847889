package dev.ferry.log;

/**
 * The offsets an append was given: its records hold {@code firstOffset..lastOffset}, contiguous.
 *
 * @param firstOffset the offset of the append's first record
 * @param lastOffset the offset of the append's last record
 */
public record AppendResult(long firstOffset, long lastOffset) {
    public long recordCount() {
        return lastOffset - firstOffset + 1;
    }
}
