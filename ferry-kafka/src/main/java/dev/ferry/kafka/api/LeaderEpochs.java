package dev.ferry.kafka.api;

import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-320's check of the leader epoch a client believes current against the partition's: an older
 * one means the client's metadata is stale (FENCED_LEADER_EPOCH), a newer one that the broker is
 * behind (UNKNOWN_LEADER_EPOCH); -1 means the client does not check.
 */
final class LeaderEpochs {
    private LeaderEpochs() {
    }

    static Errors check(int requestEpoch, int partitionEpoch) {
        if (requestEpoch < 0 || requestEpoch == partitionEpoch) {
            return Errors.NONE;
        }
        return requestEpoch < partitionEpoch ? Errors.FENCED_LEADER_EPOCH : Errors.UNKNOWN_LEADER_EPOCH;
    }
}
