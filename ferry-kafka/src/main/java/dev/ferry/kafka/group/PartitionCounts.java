package dev.ferry.kafka.group;

import java.util.SortedMap;
import java.util.TreeMap;

import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;

/**
 * Every client-visible topic's partition count, as group commands carry it: the broker assigns
 * partitions to consumer-protocol members (and to classic members inside such a group), and
 * applying a group command must need nothing but its data.
 */
public final class PartitionCounts {
    private PartitionCounts() {
    }

    public static SortedMap<String, Integer> of(TopicRegistry topics) {
        SortedMap<String, Integer> counts = new TreeMap<>();
        for (Topic topic : topics.topics()) {
            if (!topic.isInternal()) {
                counts.put(topic.name(), topic.partitionCount());
            }
        }
        return counts;
    }
}
