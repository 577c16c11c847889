package dev.ferry.group;

import java.util.Objects;

/** A topic partition named in a group's committed offsets. */
public record PartitionRef(String topic, int partition) implements Comparable<PartitionRef> {
    public PartitionRef {
        Objects.requireNonNull(topic, "topic");
    }

    @Override
    public int compareTo(PartitionRef other) {
        int byTopic = topic.compareTo(other.topic);
        return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
