package dev.ferry.kafka;

import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.acl.CreateAclsHandler;
import dev.ferry.kafka.acl.DeleteAclsHandler;
import dev.ferry.kafka.acl.DescribeAclsHandler;
import dev.ferry.kafka.api.AlterConfigsHandler;
import dev.ferry.kafka.api.AlterPartitionReassignmentsHandler;
import dev.ferry.kafka.api.ApiHandlers;
import dev.ferry.kafka.api.ApiVersionsHandler;
import dev.ferry.kafka.api.CreatePartitionsHandler;
import dev.ferry.kafka.api.CreateTopicsHandler;
import dev.ferry.kafka.api.DeleteRecordsHandler;
import dev.ferry.kafka.api.DeleteTopicsHandler;
import dev.ferry.kafka.api.DescribeClientQuotasHandler;
import dev.ferry.kafka.api.DescribeClusterHandler;
import dev.ferry.kafka.api.DescribeConfigsHandler;
import dev.ferry.kafka.api.DescribeLogDirsHandler;
import dev.ferry.kafka.api.DescribeProducersHandler;
import dev.ferry.kafka.api.ElectLeadersHandler;
import dev.ferry.kafka.api.FetchHandler;
import dev.ferry.kafka.api.IncrementalAlterConfigsHandler;
import dev.ferry.kafka.api.InitProducerIdHandler;
import dev.ferry.kafka.api.ListConfigResourcesHandler;
import dev.ferry.kafka.api.ListOffsetsHandler;
import dev.ferry.kafka.api.ListPartitionReassignmentsHandler;
import dev.ferry.kafka.api.MetadataHandler;
import dev.ferry.kafka.api.OffsetForLeaderEpochHandler;
import dev.ferry.kafka.api.ProduceHandler;
import dev.ferry.kafka.fetch.FetchSessionCache;
import dev.ferry.kafka.group.GroupApis;
import dev.ferry.kafka.group.PartitionCounts;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.kafka.security.SaslAuthenticateHandler;
import dev.ferry.kafka.security.SaslHandshakeHandler;
import dev.ferry.kafka.txn.TransactionApis;
import dev.ferry.kafka.users.AlterUserScramCredentialsHandler;
import dev.ferry.kafka.users.DescribeUserScramCredentialsHandler;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import dev.ferry.txn.TransactionCoordinator;
import java.nio.file.Path;

/**
 * The API handlers of a broker, wired to the core: the one place that says which Kafka APIs Ferry
 * serves. ApiVersions advertises exactly what is registered here. More handlers (the group APIs)
 * register on the returned table before the listener starts.
 */
public final class BrokerApis {
    /** Kafka's {@code auto.create.topics.enable} default. */
    public static final boolean AUTO_CREATE_TOPICS = true;

    private BrokerApis() {
    }

    /**
     * @param logDirectory the directory {@code topics} was opened on: Kafka's log dir, as DescribeLogDirs
     *     and the broker's {@code log.dirs} config report it
     */
    public static ApiHandlers create(LocalNode node, TopicRegistry topics, GroupCoordinator groups, Path logDirectory) {
        return create(node, topics, groups, logDirectory, KafkaAcls.ALLOW_ALL);
    }

    /**
     * @param acls the broker's Kafka ACLs: kept by CreateAcls / DeleteAcls, listed by DescribeAcls,
     *     checked by the data and group APIs; {@link KafkaAcls#ALLOW_ALL} keeps none and allows all
     */
    public static ApiHandlers create(LocalNode node, TopicRegistry topics, GroupCoordinator groups, Path logDirectory,
                                     KafkaAcls acls) {
        return create(node, topics, groups, null, logDirectory, acls);
    }

    /**
     * @param transactions the transaction coordinator; null serves no transaction API (a transactional
     *     InitProducerId is refused, ApiVersions leaves the transaction APIs out)
     */
    public static ApiHandlers create(LocalNode node, TopicRegistry topics, GroupCoordinator groups,
                                     TransactionCoordinator transactions, Path logDirectory, KafkaAcls acls) {
        return create(node, topics, groups, transactions, logDirectory, acls,
                new FetchSessionCache(FetchSessionCache.DEFAULT_SLOTS));
    }

    /**
     * @param fetchSessions the node's fetch sessions, sized by {@code max.incremental.fetch.session.cache.slots}
     */
    public static ApiHandlers create(LocalNode node, TopicRegistry topics, GroupCoordinator groups,
                                     TransactionCoordinator transactions, Path logDirectory, KafkaAcls acls,
                                     FetchSessionCache fetchSessions) {
        return create(node, topics, groups, transactions, logDirectory, acls, fetchSessions, BrokerLoggers.NONE);
    }

    /**
     * @param loggers the process's loggers, shown and changed as the {@code BROKER_LOGGER} config
     *     resource; {@link BrokerLoggers#NONE} shows none
     */
    public static ApiHandlers create(LocalNode node, TopicRegistry topics, GroupCoordinator groups,
                                     TransactionCoordinator transactions, Path logDirectory, KafkaAcls acls,
                                     FetchSessionCache fetchSessions, BrokerLoggers loggers) {
        ApiHandlers handlers = new ApiHandlers();
        handlers.register(new ApiVersionsHandler(handlers));
        handlers.register(new MetadataHandler(node, topics, AUTO_CREATE_TOPICS, acls));
        handlers.register(new DescribeClusterHandler(node, acls));
        handlers.register(new ProduceHandler(topics, acls, transactions == null ? null : transactions::verifyPartition));
        handlers.register(new FetchHandler(topics, acls, fetchSessions));
        handlers.register(new ListOffsetsHandler(topics, acls));
        handlers.register(new OffsetForLeaderEpochHandler(topics, acls));
        handlers.register(new CreateTopicsHandler(topics, node, acls));
        handlers.register(new DeleteTopicsHandler(topics, acls));
        handlers.register(new InitProducerIdHandler(topics, acls, transactions));
        handlers.register(new DescribeConfigsHandler(node, topics, groups, logDirectory, acls, loggers));
        handlers.register(new IncrementalAlterConfigsHandler(node, topics, groups, acls, loggers));
        handlers.register(new AlterConfigsHandler(node, topics, groups, acls));
        handlers.register(new ListConfigResourcesHandler(node, topics, groups, acls));
        handlers.register(new CreatePartitionsHandler(topics, node, acls));
        handlers.register(new DeleteRecordsHandler(topics, acls));
        handlers.register(new DescribeProducersHandler(topics, acls));
        handlers.register(new DescribeClientQuotasHandler(acls));
        if (acls.access() != null) {
            // Kafka's user credential APIs need the broker's users; a broker without access control has none.
            handlers.register(new DescribeUserScramCredentialsHandler(acls.access(), acls));
            handlers.register(new AlterUserScramCredentialsHandler(acls.access(), acls));
        }
        handlers.register(new DescribeLogDirsHandler(topics, logDirectory, acls));
        handlers.register(new ElectLeadersHandler(topics, acls));
        handlers.register(new ListPartitionReassignmentsHandler(acls));
        handlers.register(new AlterPartitionReassignmentsHandler(topics, node, acls));
        handlers.register(new SaslHandshakeHandler());
        handlers.register(new SaslAuthenticateHandler());
        handlers.register(new CreateAclsHandler(acls));
        handlers.register(new DescribeAclsHandler(acls));
        handlers.register(new DeleteAclsHandler(acls));
        GroupApis.register(handlers, node, groups, acls, transactions,
                topic -> topics.topic(topic).map(Topic::partitionCount).orElse(0), () -> PartitionCounts.of(topics));
        GroupApis.registerConsumerProtocol(handlers, groups, topics, acls);
        if (transactions != null) {
            TransactionApis.register(handlers, transactions, groups, topics, acls);
        }
        return handlers;
    }
}
