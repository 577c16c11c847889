package dev.ferry.group;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The assignors a consumer-protocol group (KIP-848) runs on the broker, by the names clients ask
 * for in {@code group.remote.assignor}. Both are deterministic: the same members, subscriptions,
 * partition counts and previous assignment give the same answer, so replaying the group's commands
 * rebuilds the same target assignment.
 */
public enum ServerAssignor {
    /**
     * Kafka's default: every member gets as many partitions as any other eligible one, give or take
     * one, and keeps what it had where that does not upset the balance (a rebalance moves as few
     * partitions as it can).
     */
    UNIFORM("uniform") {
        @Override
        SortedMap<String, TreeSet<PartitionRef>> assign(SortedMap<String, Set<String>> subscriptions,
                                                        SortedMap<String, Integer> partitionCounts,
                                                        Map<String, TreeSet<PartitionRef>> previous) {
            SortedMap<String, TreeSet<PartitionRef>> target = emptyTarget(subscriptions);
            List<PartitionRef> unassigned = new ArrayList<>();
            // Every member first keeps what it had and still subscribes to; balancing then moves
            // only what must move. (Capping what a member keeps at an even share of all partitions
            // moved partitions between members when one joined on a topic of its own.)
            Set<PartitionRef> kept = new HashSet<>();
            for (Map.Entry<String, TreeSet<PartitionRef>> member : previous.entrySet()) {
                Set<String> topics = subscriptions.get(member.getKey());
                if (topics == null) {
                    continue; // gone from the group
                }
                for (PartitionRef partition : member.getValue()) {
                    Integer count = partitionCounts.get(partition.topic());
                    if (topics.contains(partition.topic()) && count != null && partition.partition() < count
                            && kept.add(partition)) {
                        target.get(member.getKey()).add(partition);
                    }
                }
            }
            for (Map.Entry<String, Integer> topic : partitionCounts.entrySet()) {
                for (int p = 0; p < topic.getValue(); p++) {
                    PartitionRef partition = new PartitionRef(topic.getKey(), p);
                    if (!kept.contains(partition)) {
                        unassigned.add(partition);
                    }
                }
            }
            for (PartitionRef partition : unassigned) {
                String least = null;
                for (Map.Entry<String, Set<String>> member : subscriptions.entrySet()) {
                    if (member.getValue().contains(partition.topic())
                            && (least == null || target.get(member.getKey()).size() < target.get(least).size())) {
                        least = member.getKey();
                    }
                }
                if (least != null) {
                    target.get(least).add(partition);
                }
            }
            balance(subscriptions, target);
            return target;
        }
    },
    /**
     * Per topic, the members subscribed to it (by member id) take contiguous ranges of its
     * partitions, the first ones one more when the count does not divide.
     */
    RANGE("range") {
        @Override
        SortedMap<String, TreeSet<PartitionRef>> assign(SortedMap<String, Set<String>> subscriptions,
                                                        SortedMap<String, Integer> partitionCounts,
                                                        Map<String, TreeSet<PartitionRef>> previous) {
            SortedMap<String, TreeSet<PartitionRef>> target = emptyTarget(subscriptions);
            for (Map.Entry<String, Integer> topic : partitionCounts.entrySet()) {
                List<String> subscribers = new ArrayList<>();
                for (Map.Entry<String, Set<String>> member : subscriptions.entrySet()) {
                    if (member.getValue().contains(topic.getKey())) {
                        subscribers.add(member.getKey());
                    }
                }
                if (subscribers.isEmpty()) {
                    continue;
                }
                int each = topic.getValue() / subscribers.size();
                int extra = topic.getValue() % subscribers.size();
                int next = 0;
                for (int i = 0; i < subscribers.size(); i++) {
                    int count = each + (i < extra ? 1 : 0);
                    for (int p = next; p < next + count; p++) {
                        target.get(subscribers.get(i)).add(new PartitionRef(topic.getKey(), p));
                    }
                    next += count;
                }
            }
            return target;
        }
    };

    /** The assignor a group uses when none of its members names one. */
    public static final ServerAssignor DEFAULT = UNIFORM;

    private final String assignorName;

    ServerAssignor(String assignorName) {
        this.assignorName = assignorName;
    }

    /** The name clients use ({@code group.remote.assignor}). */
    public String assignorName() {
        return assignorName;
    }

    /** The assignor called {@code name}, or null if the broker has none of that name. */
    public static ServerAssignor named(String name) {
        for (ServerAssignor assignor : values()) {
            if (assignor.assignorName.equals(name)) {
                return assignor;
            }
        }
        return null;
    }

    /** The names of every assignor, for the error that lists them. */
    public static String names() {
        List<String> names = new ArrayList<>();
        for (ServerAssignor assignor : values()) {
            names.add(assignor.assignorName);
        }
        return String.join(", ", names);
    }

    /**
     * The target assignment: member id to partitions, every member of {@code subscriptions} present
     * (an empty set when it gets nothing).
     *
     * @param subscriptions   each member's subscribed topics, by member id
     * @param partitionCounts the partition count of every subscribed topic that exists
     * @param previous        the previous target assignment, which {@link #UNIFORM} keeps where it can
     */
    abstract SortedMap<String, TreeSet<PartitionRef>> assign(SortedMap<String, Set<String>> subscriptions,
                                                             SortedMap<String, Integer> partitionCounts,
                                                             Map<String, TreeSet<PartitionRef>> previous);

    private static SortedMap<String, TreeSet<PartitionRef>> emptyTarget(SortedMap<String, Set<String>> subscriptions) {
        SortedMap<String, TreeSet<PartitionRef>> target = new TreeMap<>();
        for (String memberId : subscriptions.keySet()) {
            target.put(memberId, new TreeSet<>());
        }
        return target;
    }

    /**
     * Moves partitions from the fullest member to an eligible one holding at least two fewer, until
     * none can move: with equal subscriptions, counts then differ by one at most. Bounded: each move
     * lowers the sum of squared counts.
     */
    private static void balance(SortedMap<String, Set<String>> subscriptions,
                                SortedMap<String, TreeSet<PartitionRef>> target) {
        boolean moved = true;
        while (moved) {
            moved = false;
            List<String> byLoad = new ArrayList<>(target.keySet());
            byLoad.sort(Comparator.comparingInt((String id) -> target.get(id).size()).reversed()
                    .thenComparing(Comparator.naturalOrder()));
            search:
            for (String from : byLoad) {
                for (PartitionRef partition : target.get(from).descendingSet()) {
                    for (int i = byLoad.size() - 1; i >= 0; i--) {
                        String to = byLoad.get(i);
                        if (target.get(to).size() + 1 < target.get(from).size()
                                && subscriptions.get(to).contains(partition.topic())) {
                            target.get(from).remove(partition);
                            target.get(to).add(partition);
                            moved = true;
                            break search;
                        }
                    }
                }
            }
        }
    }
}
