package dev.ferry.kafka.group;

import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.api.ApiHandlers;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.TopicRegistry;
import dev.ferry.txn.TransactionCoordinator;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/** The consumer-group APIs (classic protocol) and the offset APIs, all served by one {@link GroupCoordinator}. */
public final class GroupApis {
    private GroupApis() {
    }

    public static void register(ApiHandlers handlers, LocalNode node, GroupCoordinator coordinator) {
        register(handlers, node, coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs checked by every handler. */
    public static void register(ApiHandlers handlers, LocalNode node, GroupCoordinator coordinator, KafkaAcls acls) {
        register(handlers, node, coordinator, acls, null);
    }

    /**
     * With a transaction coordinator: FindCoordinator answers transaction keys, and OffsetFetch's
     * {@code require_stable} sees the offsets transactions hold.
     */
    public static void register(ApiHandlers handlers, LocalNode node, GroupCoordinator coordinator, KafkaAcls acls,
                                TransactionCoordinator transactions) {
        register(handlers, node, coordinator, acls, transactions, OffsetCommitHandler.ANY_PARTITION);
    }

    /** As above, with the partition count of each topic (0 when missing), against which OffsetCommit checks. */
    public static void register(ApiHandlers handlers, LocalNode node, GroupCoordinator coordinator, KafkaAcls acls,
                                TransactionCoordinator transactions, ToIntFunction<String> partitionCounts) {
        register(handlers, node, coordinator, acls, transactions, partitionCounts, TreeMap::new);
    }

    /**
     * As above, with every topic's partition count for JoinGroup: a classic member joining a
     * consumer-protocol group is assigned by the broker.
     */
    public static void register(ApiHandlers handlers, LocalNode node, GroupCoordinator coordinator, KafkaAcls acls,
                                TransactionCoordinator transactions, ToIntFunction<String> partitionCounts,
                                Supplier<SortedMap<String, Integer>> allPartitionCounts) {
        handlers.register(new FindCoordinatorHandler(node, acls, transactions != null));
        handlers.register(new JoinGroupHandler(coordinator, acls, allPartitionCounts));
        handlers.register(new SyncGroupHandler(coordinator, acls));
        handlers.register(new HeartbeatHandler(coordinator, acls));
        handlers.register(new LeaveGroupHandler(coordinator, acls));
        handlers.register(new OffsetCommitHandler(coordinator, acls, partitionCounts));
        handlers.register(new OffsetFetchHandler(coordinator, acls, transactions));
        handlers.register(new OffsetDeleteHandler(coordinator, acls, partitionCounts));
        handlers.register(new ListGroupsHandler(coordinator, acls));
        handlers.register(new DescribeGroupsHandler(coordinator, acls));
        handlers.register(new DeleteGroupsHandler(coordinator, acls));
    }

    /**
     * Kafka's consumer protocol (KIP-848): ConsumerGroupHeartbeat and ConsumerGroupDescribe, which
     * turn the topics' ids and names into one another through {@code topics}.
     */
    public static void registerConsumerProtocol(ApiHandlers handlers, GroupCoordinator coordinator,
                                                TopicRegistry topics, KafkaAcls acls) {
        handlers.register(new ConsumerGroupHeartbeatHandler(coordinator, topics, acls));
        handlers.register(new ConsumerGroupDescribeHandler(coordinator, topics, acls));
    }
}
