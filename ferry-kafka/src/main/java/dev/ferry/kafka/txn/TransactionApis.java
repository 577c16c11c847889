package dev.ferry.kafka.txn;

import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.api.ApiHandlers;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import dev.ferry.txn.TransactionCoordinator;

/**
 * The transaction APIs, all served by one {@link TransactionCoordinator}. InitProducerId (with a
 * transactional id), FindCoordinator for transaction keys, OffsetFetch's {@code require_stable} and
 * Fetch's {@code read_committed} are served by their own handlers given the coordinator.
 */
public final class TransactionApis {
    private TransactionApis() {
    }

    public static void register(ApiHandlers handlers, TransactionCoordinator coordinator, GroupCoordinator groups,
                                TopicRegistry topics, KafkaAcls acls) {
        handlers.register(new AddPartitionsToTxnHandler(coordinator, topics, acls));
        handlers.register(new AddOffsetsToTxnHandler(coordinator, acls));
        handlers.register(new TxnOffsetCommitHandler(coordinator, groups,
                topic -> topics.topic(topic).map(Topic::partitionCount).orElse(0), acls));
        handlers.register(new EndTxnHandler(coordinator, acls));
        handlers.register(new DescribeTransactionsHandler(coordinator, acls));
        handlers.register(new ListTransactionsHandler(coordinator, acls));
    }
}
