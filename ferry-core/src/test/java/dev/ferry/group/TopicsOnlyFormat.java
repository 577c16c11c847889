package dev.ferry.group;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** A consumer protocol format for tests that only need the subscribed topics out of a member's metadata. */
final class TopicsOnlyFormat implements ConsumerProtocolFormat {
    private final Function<byte[], Optional<Set<String>>> topics;

    TopicsOnlyFormat(Function<byte[], Optional<Set<String>>> topics) {
        this.topics = topics;
    }

    @Override
    public Optional<Set<String>> topics(byte[] protocolMetadata) {
        return topics.apply(protocolMetadata);
    }

    @Override
    public Optional<Subscription> subscription(byte[] protocolMetadata) {
        return topics.apply(protocolMetadata).map(set -> new Subscription(List.copyOf(set), List.of(), null));
    }

    @Override
    public Optional<Assignment> assignment(byte[] assignment) {
        return Optional.empty();
    }

    @Override
    public byte[] assignmentBytes(List<PartitionRef> partitions, byte[] subscription) {
        throw new UnsupportedOperationException("topics only");
    }
}
