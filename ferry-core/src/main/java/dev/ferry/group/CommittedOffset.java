package dev.ferry.group;

import java.util.Objects;

/**
 * An offset a group committed for one partition: the next offset the group will read, the leader
 * epoch of the record before it ({@code -1} when the client gave none), the client's metadata
 * string, and when it was committed (the command's time).
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
    public CommittedOffset {
        Objects.requireNonNull(metadata, "metadata");
    }
}
