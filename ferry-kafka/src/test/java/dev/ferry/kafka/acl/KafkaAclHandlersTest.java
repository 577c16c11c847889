package dev.ferry.kafka.acl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.access.AccessControl;
import dev.ferry.access.PasswordHash;
import dev.ferry.group.GroupConfig;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.api.AlterPartitionReassignmentsHandler;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.DescribeClusterHandler;
import dev.ferry.kafka.api.DescribeConfigsHandler;
import dev.ferry.kafka.api.DescribeLogDirsHandler;
import dev.ferry.kafka.api.ElectLeadersHandler;
import dev.ferry.kafka.api.InitProducerIdHandler;
import dev.ferry.kafka.api.ListOffsetsHandler;
import dev.ferry.kafka.api.ListPartitionReassignmentsHandler;
import dev.ferry.kafka.api.MetadataHandler;
import dev.ferry.kafka.api.ProduceHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.group.JoinGroupHandler;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.kafka.security.KafkaAuthentication;
import dev.ferry.kafka.security.KafkaCredentials;
import dev.ferry.kafka.security.KafkaSession;
import dev.ferry.kafka.txn.AddOffsetsToTxnHandler;
import dev.ferry.kafka.txn.AddPartitionsToTxnHandler;
import dev.ferry.kafka.txn.EndTxnHandler;
import dev.ferry.kafka.txn.TxnOffsetCommitHandler;
import dev.ferry.stream.TopicRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ACL APIs' answers and the refusals they lead to, for a connection acting as a given user. */
class KafkaAclHandlersTest {
    private static final byte TOPIC = 2;
    private static final byte CLUSTER = 4;
    private static final byte ANY = 1;
    private static final byte LITERAL = 3;
    private static final byte MATCH = 2;
    private static final byte WRITE = 4;
    private static final byte READ = 3;
    private static final byte GROUP = 3;
    private static final byte TRANSACTIONAL_ID = 5;
    private static final byte ALTER = 7;
    private static final byte ALLOW = 3;

    @TempDir
    Path dataDir;
    private TopicRegistry topics;
    private AccessControl access;
    private KafkaAcls acls;
    private final ScheduledExecutorService eventLoop = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void open() throws Exception {
        topics = TopicRegistry.open(dataDir.resolve("topics"));
        topics.create("orders", 1, Map.of()).get(30, TimeUnit.SECONDS);
        access = AccessControl.inMemory(null, Set.of());
        access.putUser("admin", PasswordHash.of("a"), Set.of("administrator")).join();
        access.putUser("alice", PasswordHash.of("a"), Set.of()).join();
        access.putUser("bob", PasswordHash.of("b"), Set.of()).join();
        acls = new KafkaAcls(access);
    }

    @AfterEach
    void close() {
        eventLoop.shutdownNow();
        topics.close();
    }

    private static AclCreation creation(byte type, String name, String principal, byte operation) {
        return new AclCreation().setResourceType(type).setResourceName(name).setResourcePatternType(LITERAL)
                .setPrincipal(principal).setHost("*").setOperation(operation).setPermissionType(ALLOW);
    }

    @Test
    void shouldCreateDescribeAndDeleteForAnAdministratorAndReportInvalidBindings() throws Exception {
        CreateAclsResponseData created = (CreateAclsResponseData) handle("admin", new CreateAclsHandler(acls),
                new CreateAclsRequestData().setCreations(List.of(
                        creation(TOPIC, "orders", "User:alice", WRITE),
                        creation(CLUSTER, "not-the-cluster", "User:alice", ALTER),
                        creation(TOPIC, "orders", "Group:ops", WRITE),
                        creation(TOPIC, "orders", "User:bob", (byte) 1))));
        assertThat(created.results()).extracting(r -> Errors.forCode(r.errorCode())).containsExactly(Errors.NONE,
                Errors.INVALID_REQUEST, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST);
        assertThat(created.results().get(1).errorMessage()).contains("kafka-cluster");

        DescribeAclsResponseData described = (DescribeAclsResponseData) handle("admin", new DescribeAclsHandler(acls),
                new DescribeAclsRequestData().setResourceTypeFilter(TOPIC).setResourceNameFilter("orders")
                        .setPrincipalFilter(null).setHostFilter(null).setPatternTypeFilter(MATCH).setOperation(ANY).setPermissionType(ANY));
        assertThat(described.errorCode()).isZero();
        assertThat(described.resources()).hasSize(1);
        assertThat(described.resources().get(0).acls()).singleElement()
                .satisfies(acl -> assertThat(acl.principal()).isEqualTo("User:alice"));

        DescribeAclsResponseData unknown = (DescribeAclsResponseData) handle("admin", new DescribeAclsHandler(acls),
                new DescribeAclsRequestData().setResourceTypeFilter((byte) 0).setPatternTypeFilter(ANY)
                        .setOperation(ANY).setPermissionType(ANY));
        assertThat(Errors.forCode(unknown.errorCode())).isEqualTo(Errors.INVALID_REQUEST);

        DeleteAclsResponseData deleted = (DeleteAclsResponseData) handle("admin", new DeleteAclsHandler(acls),
                new DeleteAclsRequestData().setFilters(List.of(new DeleteAclsRequestData.DeleteAclsFilter()
                        .setResourceNameFilter(null).setPrincipalFilter(null).setHostFilter(null)
                        .setResourceTypeFilter(ANY).setPatternTypeFilter(ANY).setOperation(ANY)
                        .setPermissionType(ANY))));
        assertThat(deleted.filterResults().get(0).matchingAcls()).hasSize(1);
        assertThat(access.acls(dev.ferry.access.AclFilter.ANY)).isEmpty();
    }

    @Test
    void shouldRefuseAclApisWithoutClusterRightsOnceAnAclExists() throws Exception {
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(TOPIC, "orders", "User:alice", WRITE))));
        CreateAclsResponseData created = (CreateAclsResponseData) handle("bob", new CreateAclsHandler(acls),
                new CreateAclsRequestData().setCreations(List.of(creation(TOPIC, "orders", "User:bob", WRITE))));
        assertThat(Errors.forCode(created.results().get(0).errorCode())).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        DescribeAclsResponseData described = (DescribeAclsResponseData) handle("bob", new DescribeAclsHandler(acls),
                new DescribeAclsRequestData().setResourceTypeFilter(ANY).setResourceNameFilter(null)
                        .setPrincipalFilter(null).setHostFilter(null).setPatternTypeFilter(ANY).setOperation(ANY)
                        .setPermissionType(ANY));
        assertThat(Errors.forCode(described.errorCode())).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(access.acls(dev.ferry.access.AclFilter.ANY)).hasSize(1);
    }

    @Test
    void shouldRefuseProduceToAUserWithoutWriteOnTheTopicPerPartition() throws Exception {
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(TOPIC, "orders", "User:alice", WRITE))));
        assertThat(produce("alice")).isEqualTo(Errors.NONE);
        assertThat(produce("bob")).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED);
        assertThat(topics.topic("orders").orElseThrow().partition(0).highWatermark()).isEqualTo(1);
    }

    @Test
    void shouldRefuseIdempotentProducersWithoutWriteAnywhereAndOffsetsWithoutDescribe() throws Exception {
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(TOPIC, "orders", "User:alice", WRITE))));
        InitProducerIdHandler init = new InitProducerIdHandler(topics, acls);
        InitProducerIdRequestData idempotent = new InitProducerIdRequestData().setTransactionalId(null)
                .setTransactionTimeoutMs(-1);
        assertThat(Errors.forCode(((InitProducerIdResponseData) handle("alice", init, idempotent)).errorCode()))
                .isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(((InitProducerIdResponseData) handle("bob", init, idempotent)).errorCode()))
                .isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);

        ListOffsetsHandler offsets = new ListOffsetsHandler(topics, acls);
        ListOffsetsRequestData latest = new ListOffsetsRequestData().setTopics(List.of(
                new ListOffsetsRequestData.ListOffsetsTopic().setName("orders").setPartitions(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))));
        // WRITE implies DESCRIBE.
        assertThat(Errors.forCode(((ListOffsetsResponseData) handle("alice", offsets, latest)).topics().get(0)
                .partitions().get(0).errorCode())).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(((ListOffsetsResponseData) handle("bob", offsets, latest)).topics().get(0)
                .partitions().get(0).errorCode())).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED);
    }

    @Test
    void shouldRefuseGroupsAndConfigsWithoutTheirAcls() throws Exception {
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(TOPIC, "orders", "User:alice", (byte) 11 /* ALTER_CONFIGS */),
                creation((byte) 3 /* GROUP */, "g", "User:alice", (byte) 3 /* READ */))));
        GroupCoordinator groups = GroupCoordinator.inMemory(GroupConfig.defaults(), System::currentTimeMillis);
        try {
            JoinGroupRequestData join = new JoinGroupRequestData().setGroupId("g").setMemberId("")
                    .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer");
            join.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                    .setMetadata(new byte[0]));
            JoinGroupResponseData refused = (JoinGroupResponseData) handle("bob", new JoinGroupHandler(groups, acls),
                    join);
            assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.GROUP_AUTHORIZATION_FAILED);
            JoinGroupResponseData allowed = (JoinGroupResponseData) handle("alice", new JoinGroupHandler(groups, acls),
                    join);
            // Past the ACL check: the coordinator's own answer (a member id first, from v4).
            assertThat(Errors.forCode(allowed.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        } finally {
            groups.close();
        }

        DescribeConfigsHandler configs = new DescribeConfigsHandler(null, topics, null, dataDir, acls);
        DescribeConfigsRequestData describe = new DescribeConfigsRequestData().setResources(List.of(
                new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(TOPIC)
                        .setResourceName("orders").setConfigurationKeys(List.of("retention.ms"))));
        // ALTER_CONFIGS implies DESCRIBE_CONFIGS.
        assertThat(Errors.forCode(((DescribeConfigsResponseData) handle("alice", configs, describe)).results().get(0)
                .errorCode())).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(((DescribeConfigsResponseData) handle("bob", configs, describe)).results().get(0)
                .errorCode())).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED);

        DescribeLogDirsHandler logDirs = new DescribeLogDirsHandler(topics, dataDir, acls);
        DescribeLogDirsResponseData refusedDirs = (DescribeLogDirsResponseData) handle("bob", logDirs,
                new DescribeLogDirsRequestData().setTopics(null));
        assertThat(Errors.forCode(refusedDirs.errorCode())).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(refusedDirs.results()).isEmpty();
        assertThat(((DescribeLogDirsResponseData) handle("admin", logDirs, new DescribeLogDirsRequestData()
                .setTopics(null))).results()).hasSize(1);
    }

    @Test
    void shouldCheckGroupConfigsOnTheGroupAndBrokerLoggersOnTheCluster() throws Exception {
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation((byte) 3 /* GROUP */, "g", "User:alice", (byte) 11 /* ALTER_CONFIGS */))));
        GroupCoordinator groups = GroupCoordinator.inMemory(GroupConfig.defaults(), System::currentTimeMillis);
        try {
            DescribeConfigsHandler configs = new DescribeConfigsHandler(new dev.ferry.kafka.LocalNode(1, "c", "h"),
                    topics, groups, dataDir, acls);
            DescribeConfigsRequestData group = new DescribeConfigsRequestData().setResources(List.of(
                    new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 32)
                            .setResourceName("g").setConfigurationKeys(null)));
            // ALTER_CONFIGS implies DESCRIBE_CONFIGS, on groups too.
            DescribeConfigsResponseData allowed = (DescribeConfigsResponseData) handle("alice", configs, group);
            assertThat(Errors.forCode(allowed.results().get(0).errorCode())).isEqualTo(Errors.NONE);
            assertThat(allowed.results().get(0).configs()).hasSize(17);
            assertThat(Errors.forCode(((DescribeConfigsResponseData) handle("bob", configs, group)).results().get(0)
                    .errorCode())).isEqualTo(Errors.GROUP_AUTHORIZATION_FAILED);
            DescribeConfigsRequestData loggers = new DescribeConfigsRequestData().setResources(List.of(
                    new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 8)
                            .setResourceName("1")));
            assertThat(Errors.forCode(((DescribeConfigsResponseData) handle("alice", configs, loggers)).results()
                    .get(0).errorCode())).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
            assertThat(Errors.forCode(((DescribeConfigsResponseData) handle("admin", configs, loggers)).results()
                    .get(0).errorCode())).isEqualTo(Errors.NONE);
        } finally {
            groups.close();
        }
    }

    @Test
    void shouldTakeTheCertificatePrincipalOnTheSslListener() throws Exception {
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(TOPIC, "orders", "User:CN=app,O=acme", WRITE))));
        assertThat(produceOverSsl(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "CN=app,O=acme")))
                .isEqualTo(Errors.NONE);
        assertThat(produceOverSsl(KafkaPrincipal.ANONYMOUS)).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED);
    }

    private Errors produceOverSsl(KafkaPrincipal principal) throws Exception {
        ProduceHandler handler = new ProduceHandler(topics, acls, null);
        KafkaSession session = KafkaSession.open(new KafkaAuthentication(false, List.of(), actingAs("ANONYMOUS")),
                new InetSocketAddress("10.1.2.3", 40000));
        RequestContext context = new RequestContext(handler.latestVersion(), 1, "test", "test",
                System.currentTimeMillis(), eventLoop, SecurityProtocol.SSL, principal, session);
        ProduceResponseData response = (ProduceResponseData) handler.handle(context, produceRequest())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        return Errors.forCode(response.responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    private static ProduceRequestData produceRequest() {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000);
        request.topicData().add(new ProduceRequestData.TopicProduceData().setName("orders").setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.withRecords(
                        Compression.NONE, new SimpleRecord("v".getBytes()))))));
        return request;
    }

    private Errors produce(String user) throws Exception {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000);
        request.topicData().add(new ProduceRequestData.TopicProduceData().setName("orders").setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.withRecords(
                        Compression.NONE, new SimpleRecord("v".getBytes()))))));
        ProduceResponseData response = (ProduceResponseData) handle(user, new ProduceHandler(topics, acls, null), request);
        return Errors.forCode(response.responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    @Test
    void shouldReportTheOperationsTheAclsAllowWhenAsked() throws Exception {
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(TOPIC, "orders", "User:alice", WRITE), creation(CLUSTER, "kafka-cluster", "User:alice", ALTER))));
        LocalNode node = new LocalNode(topics.identity().nodeId(), topics.identity().clusterId(), "127.0.0.1");
        MetadataRequestData asked = new MetadataRequestData().setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName("orders"))).setIncludeTopicAuthorizedOperations(true);
        MetadataResponseData alices = (MetadataResponseData) handle("alice", new MetadataHandler(node, topics, false, acls), asked);
        // WRITE implies DESCRIBE, as in Kafka's authorizer.
        assertThat(alices.topics().iterator().next().topicAuthorizedOperations())
                .isEqualTo(1 << AclOperation.WRITE.code() | 1 << AclOperation.DESCRIBE.code());
        MetadataResponseData bobs = (MetadataResponseData) handle("bob", new MetadataHandler(node, topics, false, acls), asked);
        assertThat(Errors.forCode(bobs.topics().iterator().next().errorCode())).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED);
        assertThat(bobs.topics().iterator().next().topicAuthorizedOperations()).isEqualTo(Integer.MIN_VALUE);
        MetadataResponseData admins = (MetadataResponseData) handle("admin", new MetadataHandler(node, topics, false, acls), asked);
        assertThat(admins.topics().iterator().next().topicAuthorizedOperations()).isEqualTo(3576);

        DescribeClusterRequestData cluster = new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true);
        assertThat(((DescribeClusterResponseData) handle("alice", new DescribeClusterHandler(node, acls), cluster))
                .clusterAuthorizedOperations()).isEqualTo(1 << AclOperation.ALTER.code() | 1 << AclOperation.DESCRIBE.code());
        assertThat(((DescribeClusterResponseData) handle("bob", new DescribeClusterHandler(node, acls), cluster))
                .clusterAuthorizedOperations()).isZero();
    }

    @Test
    void shouldRefuseTransactionRequestsWithoutWriteOnTheIdOrTheirTopics() throws Exception {
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(TRANSACTIONAL_ID, "tx", "User:alice", WRITE))));
        // Refused before the coordinator is asked: none is given.
        AddPartitionsToTxnRequestData add = new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId("tx")
                .setV3AndBelowProducerId(1).setV3AndBelowProducerEpoch((short) 0)
                .setV3AndBelowTopics(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection(List.of(
                        new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("orders").setPartitions(List.of(0)),
                        new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("missing").setPartitions(List.of(0)))
                        .iterator()));
        AddPartitionsToTxnResponseData bobs = (AddPartitionsToTxnResponseData) handle("bob",
                new AddPartitionsToTxnHandler(null, topics, acls), add);
        assertThat(bobs.resultsByTopicV3AndBelow()).allSatisfy(topic -> assertThat(topic.resultsByPartition())
                .allSatisfy(partition -> assertThat(Errors.forCode(partition.partitionErrorCode()))
                        .isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)));
        // Alice may write to the id but to neither topic: refused per topic, nothing else attempted.
        AddPartitionsToTxnResponseData alices = (AddPartitionsToTxnResponseData) handle("alice",
                new AddPartitionsToTxnHandler(null, topics, acls), add);
        assertThat(alices.resultsByTopicV3AndBelow()).allSatisfy(topic -> assertThat(topic.resultsByPartition())
                .allSatisfy(partition -> assertThat(Errors.forCode(partition.partitionErrorCode()))
                        .isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED)));

        TxnOffsetCommitRequestData commit = new TxnOffsetCommitRequestData().setTransactionalId("tx").setGroupId("g")
                .setProducerId(1).setProducerEpoch((short) 0).setTopics(List.of(
                        new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("orders").setPartitions(List.of(
                                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(0)
                                        .setCommittedOffset(3)))));
        TxnOffsetCommitHandler offsets = new TxnOffsetCommitHandler(null, null, topic -> 1, acls);
        assertThat(Errors.forCode(((TxnOffsetCommitResponseData) handle("bob", offsets, commit)).topics().get(0)
                .partitions().get(0).errorCode())).isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        assertThat(Errors.forCode(((TxnOffsetCommitResponseData) handle("alice", offsets, commit)).topics().get(0)
                .partitions().get(0).errorCode())).isEqualTo(Errors.GROUP_AUTHORIZATION_FAILED);
        assertThat(Errors.forCode(((AddOffsetsToTxnResponseData) handle("alice", new AddOffsetsToTxnHandler(null, acls),
                new AddOffsetsToTxnRequestData().setTransactionalId("tx").setGroupId("g"))).errorCode()))
                .isEqualTo(Errors.GROUP_AUTHORIZATION_FAILED);
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(GROUP, "g", "User:alice", READ))));
        // The group is readable, the topic is not, and it is the only one: nothing reaches the coordinator.
        assertThat(Errors.forCode(((TxnOffsetCommitResponseData) handle("alice", offsets, commit)).topics().get(0)
                .partitions().get(0).errorCode())).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED);

        assertThat(Errors.forCode(((EndTxnResponseData) handle("bob", new EndTxnHandler(null, acls),
                new EndTxnRequestData().setTransactionalId("tx").setProducerId(1).setCommitted(true))).errorCode()))
                .isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        assertThat(Errors.forCode(((AddOffsetsToTxnResponseData) handle("bob", new AddOffsetsToTxnHandler(null, acls),
                new AddOffsetsToTxnRequestData().setTransactionalId("tx").setGroupId("g"))).errorCode()))
                .isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }

    @Test
    void shouldRefuseElectionsAndReassignmentsWithoutTheirClusterOperations() throws Exception {
        // With no binding at all everything is allowed; one binding turns the checks on.
        handle("admin", new CreateAclsHandler(acls), new CreateAclsRequestData().setCreations(List.of(
                creation(TOPIC, "orders", "User:alice", WRITE))));
        LocalNode node = new LocalNode(topics.identity().nodeId(), topics.identity().clusterId(), "127.0.0.1");
        ElectLeadersRequestData elect = new ElectLeadersRequestData().setTopicPartitions(
                new ElectLeadersRequestData.TopicPartitionsCollection(List.of(new ElectLeadersRequestData.TopicPartitions()
                        .setTopic("orders").setPartitions(List.of(0))).iterator()));
        ElectLeadersResponseData refusedElection = (ElectLeadersResponseData) handle("bob",
                new ElectLeadersHandler(topics, acls), elect);
        assertThat(Errors.forCode(refusedElection.errorCode())).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(Errors.forCode(refusedElection.replicaElectionResults().get(0).partitionResult().get(0).errorCode()))
                .isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        ElectLeadersResponseData election = (ElectLeadersResponseData) handle("admin",
                new ElectLeadersHandler(topics, acls), elect);
        assertThat(Errors.forCode(election.replicaElectionResults().get(0).partitionResult().get(0).errorCode()))
                .isEqualTo(Errors.ELECTION_NOT_NEEDED);

        ListPartitionReassignmentsRequestData list = new ListPartitionReassignmentsRequestData().setTopics(null);
        assertThat(Errors.forCode(((ListPartitionReassignmentsResponseData) handle("bob",
                new ListPartitionReassignmentsHandler(acls), list)).errorCode()))
                .isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(Errors.forCode(((ListPartitionReassignmentsResponseData) handle("admin",
                new ListPartitionReassignmentsHandler(acls), list)).errorCode())).isEqualTo(Errors.NONE);

        AlterPartitionReassignmentsRequestData move = new AlterPartitionReassignmentsRequestData().setTopics(List.of(
                new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName("orders").setPartitions(List.of(
                        new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(0)
                                .setReplicas(List.of(node.nodeId()))))));
        AlterPartitionReassignmentsResponseData refusedMove = (AlterPartitionReassignmentsResponseData) handle("bob",
                new AlterPartitionReassignmentsHandler(topics, node, acls), move);
        assertThat(Errors.forCode(refusedMove.errorCode())).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(Errors.forCode(refusedMove.responses().get(0).partitions().get(0).errorCode()))
                .isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        AlterPartitionReassignmentsResponseData moved = (AlterPartitionReassignmentsResponseData) handle("admin",
                new AlterPartitionReassignmentsHandler(topics, node, acls), move);
        assertThat(Errors.forCode(moved.errorCode())).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(moved.responses().get(0).partitions().get(0).errorCode())).isEqualTo(Errors.NONE);
    }

    private ApiMessage handle(String user, ApiHandler handler, ApiMessage request) throws Exception {
        KafkaSession session = KafkaSession.open(new KafkaAuthentication(false, List.of(), actingAs(user)),
                new InetSocketAddress("10.1.2.3", 40000));
        RequestContext context = new RequestContext(handler.latestVersion(), 1, "test", "test",
                System.currentTimeMillis(), eventLoop, org.apache.kafka.common.security.auth.SecurityProtocol.PLAINTEXT,
                org.apache.kafka.common.security.auth.KafkaPrincipal.ANONYMOUS, session);
        return handler.handle(context, request).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Credentials under which an unauthenticated connection acts as {@code user}. */
    private static KafkaCredentials actingAs(String user) {
        return new KafkaCredentials() {
            @Override
            public boolean passwordMatches(String username, String password, SocketAddress from) {
                return false;
            }

            @Override
            public Optional<ScramCredential> scramCredential(ScramMechanism mechanism, String username,
                                                             SocketAddress from) {
                return Optional.empty();
            }

            @Override
            public Optional<String> anonymousUser(SocketAddress from) {
                return Optional.of(user);
            }

            @Override
            public long failedLoginDelayMs(SocketAddress from) {
                return 0;
            }

            @Override
            public void loginSucceeded(SocketAddress from) {
            }
        };
    }
}
