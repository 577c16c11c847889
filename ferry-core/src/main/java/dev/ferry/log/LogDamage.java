package dev.ferry.log;

import java.nio.file.Path;

/**
 * One damaged region of a log's segments and what it cost: the records with offsets
 * {@code firstOffset..lastOffset} are gone (their place in the segment holds an empty batch, so
 * offsets stay contiguous), and the damaged bytes are kept in {@code corruptFile}. The owner of
 * the log (a queue store) reports the loss and settles those offsets.
 *
 * <p>A region is listed by every open of the log for as long as its segment exists, not only by
 * the open that found it ({@code newlyFound}): a crash or a failed open between the repair and the
 * owner's own bookkeeping can then never make a loss silent. Settling the same offsets twice must
 * therefore be harmless for the owner.
 *
 * @param segmentFile the segment file's name, e.g. {@code 00000000000000000000.log}
 * @param position where the region began in the segment file before the repair
 * @param bytes how many bytes the region held (0 when records at the end of a sealed segment were missing altogether)
 * @param firstOffset the first offset lost
 * @param lastOffset the last offset lost; {@code firstOffset - 1} when the bytes held no offsets
 * @param corruptFile the file the bytes were moved to
 * @param reason the first check the region failed, e.g. "CRC mismatch"; for a region found by an
 *     earlier open, "found at an earlier open"
 * @param newlyFound whether this open found the region (and logged an ERROR for it), rather than
 *     an earlier one (whose record of it is in {@code corruptFile})
 */
public record LogDamage(String segmentFile, long position, long bytes, long firstOffset, long lastOffset,
        Path corruptFile, String reason, boolean newlyFound) {

    /** How many offsets were lost; 0 when the damaged bytes held none. */
    public long offsetsLost() {
        return Math.max(0, lastOffset - firstOffset + 1);
    }

    /** Whether {@code offset} is one of those lost. */
    public boolean covers(long offset) {
        return offset >= firstOffset && offset <= lastOffset;
    }
}
