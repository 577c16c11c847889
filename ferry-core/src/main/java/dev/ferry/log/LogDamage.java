package dev.ferry.log;

import java.nio.file.Path;

/**
 * One damaged region a {@link Log} found in a segment while opening, and what it cost: the
 * records with offsets {@code firstOffset..lastOffset} are gone (their place in the segment now
 * holds an empty batch, so offsets stay contiguous), and the damaged bytes are kept in
 * {@code corruptFile}. The owner of the log (a queue store) reports the loss and settles those
 * offsets.
 *
 * @param segmentFile the segment file's name, e.g. {@code 00000000000000000000.log}
 * @param position where the region began in the segment file before the repair
 * @param bytes how many bytes the region held (0 when records at the end of a sealed segment were missing altogether)
 * @param firstOffset the first offset lost
 * @param lastOffset the last offset lost; {@code firstOffset - 1} when the bytes held no offsets
 * @param corruptFile the file the bytes were moved to
 * @param reason the first check the region failed, e.g. "CRC mismatch"
 */
public record LogDamage(String segmentFile, long position, long bytes, long firstOffset, long lastOffset,
        Path corruptFile, String reason) {

    /** How many offsets were lost; 0 when the damaged bytes held none. */
    public long offsetsLost() {
        return Math.max(0, lastOffset - firstOffset + 1);
    }

    /** Whether {@code offset} is one of those lost. */
    public boolean covers(long offset) {
        return offset >= firstOffset && offset <= lastOffset;
    }
}
