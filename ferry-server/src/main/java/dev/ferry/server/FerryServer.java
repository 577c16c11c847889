package dev.ferry.server;

import dev.ferry.access.AccessCommand;
import dev.ferry.access.AccessControl;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.Permission;
import dev.ferry.access.User;
import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.amqp.channel.BrokerChannelHandlerFactory;
import dev.ferry.broker.Broker;
import dev.ferry.broker.BrokerStorage;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.broker.ResourceAlarm;
import dev.ferry.front.ContentBudget;
import dev.ferry.front.ListenAddresses;
import dev.ferry.front.tls.TlsConfigurationException;
import dev.ferry.front.tls.TlsContextProvider;
import dev.ferry.front.registry.ClientConnections;
import dev.ferry.group.GroupConfig;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.txn.TransactionCoordinator;
import dev.ferry.http.HttpApiConfig;
import dev.ferry.http.HttpApiServer;
import dev.ferry.http.NodeListeners;
import dev.ferry.http.SyncLatency;
import dev.ferry.http.metrics.BrokerMetrics;
import dev.ferry.http.metrics.PrometheusServer;
import dev.ferry.access.LoginThrottle;
import dev.ferry.kafka.BrokerApis;
import dev.ferry.kafka.fetch.FetchSessionCache;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.kafka.security.KafkaAuthentication;
import dev.ferry.kafka.KafkaConfig;
import dev.ferry.kafka.KafkaServer;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.group.KafkaConsumerProtocolFormat;
import dev.ferry.queue.EnqueueBacklog;
import dev.ferry.server.access.DefinitionsFile;
import dev.ferry.server.config.BrokerSettings;
import dev.ferry.server.config.ConfigException;
import dev.ferry.store.DiskStorage;
import dev.ferry.store.ReadyMemoryBudget;
import dev.ferry.stream.ClusterIdentity;
import dev.ferry.stream.StreamQueues;
import dev.ferry.stream.TopicRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's lifecycle: what starts, in which order, and how it stops. Stopping reverses the
 * start order so that no component is used after the one beneath it has closed: sockets stop
 * first, storage is flushed, fsynced and closed last.
 */
public final class FerryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FerryServer.class);

    private final BrokerSettings settings;
    private DataDirectoryLock dataLock;
    private DiskStorage storage;
    private Broker broker;
    private AccessControl accessControl;
    private TopicRegistry topics;
    private StreamQueues streamQueues;
    private AmqpServer amqpServer;
    private KafkaServer kafkaServer;
    private TlsContextProvider tls;
    private AmqpServer amqpsServer;
    private KafkaServer kafkaSslServer;
    private HttpApiServer httpServer;
    private HttpApiServer httpsServer;
    private PrometheusServer prometheusServer;
    /** Open client connections of every front, for the management API. */
    private final ClientConnections clientConnections = new ClientConnections();
    /** Every bound listener, for the management API's overview and listener health checks (both API servers share it). */
    private final NodeListeners listeners = new NodeListeners();
    /** One for every port: guesses over AMQP and over Kafka from one address slow each other down. */
    private final LoginThrottle loginThrottle = new LoginThrottle();
    private GroupCoordinator groupCoordinator;
    private TransactionCoordinator transactionCoordinator;
    /** The Kafka front's fetch sessions: per node and in memory, as Kafka's. */
    private FetchSessionCache fetchSessions;
    private final ResourceAlarm resourceAlarm = new ResourceAlarm();
    private final SyncLatency syncLatency = new SyncLatency();
    private ContentBudget contentBudget;
    private ReadyMemoryBudget readyMemory;
    private IngressMetrics ingressMetrics;
    private IdleHeapRelease idleHeapRelease;
    private ResourceMonitor resourceMonitor;
    private int amqpPort = -1;
    private int kafkaPort = -1;
    private int amqpsPort = -1;
    private int kafkaSslPort = -1;
    private int httpPort = -1;
    private int httpsPort = -1;
    private int prometheusPort = -1;
    private boolean closed;

    public FerryServer(BrokerSettings settings) {
        this.settings = settings;
    }

    /**
     * The one way a broker starts, for the {@code ferry} process and for embedded brokers alike:
     * a server for these (concluded) settings, started, or closed again if its start failed (the
     * failure is rethrown: {@link ConfigException}, {@code MetadataUnreadableException}, or another
     * runtime exception).
     */
    public static FerryServer startWith(BrokerSettings settings) {
        FerryServer server = new FerryServer(settings);
        try {
            server.start();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    public synchronized void start() {
        // Certificate files are checked before anything else: a broker that cannot serve TLS stops at once (exit 2).
        if (settings.tlsSettings() != null) {
            try {
                tls = TlsContextProvider.load(settings.tlsSettings());
            } catch (TlsConfigurationException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        dataLock = DataDirectoryLock.acquire(settings.dataDir);
        readyMemory = settings.readyMemoryBudget(Runtime.getRuntime().maxMemory());
        storage = DiskStorage.open(settings.dataDir, settings.storageSettings(readyMemory));
        // In memory, the metadata log stays empty and only topics, groups and users use the files.
        BrokerStorage queueStorage = settings.inMemoryQueues ? BrokerStorage.IN_MEMORY : storage;
        broker = Broker.withQueueThreads(settings.queueThreads, queueStorage, settings.mailboxLimits(),
                settings.deadLetterRetryMs,
                new EnqueueBacklog(settings.queueMailboxTotalMessages(Runtime.getRuntime().maxMemory())));
        contentBudget = new ContentBudget(settings.contentBudgetBytes(Runtime.getRuntime().maxMemory()));
        openAccessControl();
        // Topics come back (every partition opened, its producer state rebuilt) before any listener opens,
        // and before the AMQP metadata, whose bindings may lead to them (stream queues).
        // With the streams' virtual host's policies as they stand, so a policy's segment size holds from the start.
        topics = TopicRegistry.open(settings.dataDir, storage.flusher(), storage.fileHandles(), settings.queueThreads,
                broker.virtualHost(settings.streamVirtualHost).orElseThrow().policies(), settings.topicDefaults());
        streamQueues = new StreamQueues(topics, settings.streamVirtualHost, settings.streamKeyHeader,
                System::currentTimeMillis);
        broker.virtualHost(settings.streamVirtualHost).orElseThrow().attachStreams(streamQueues);
        recoverDurableState();
        if (settings.definitions != null) {
            // RabbitMQ's load_definitions at boot: the topology too, before any client can connect.
            DefinitionsFile.read(settings.definitions).applyTopology(broker);
        }
        topics.startMaintenance(settings.logRetentionCheckIntervalMs);
        amqpServer = new AmqpServer(amqpConfig());
        groupCoordinator = GroupCoordinator.open(settings.dataDir.resolve("groups"), GroupConfig.defaults()
                        .withInitialRebalanceDelayMs(settings.groupInitialRebalanceDelayMs)
                        .withSubscriptions(new KafkaConsumerProtocolFormat())
                        .withMigrationPolicy(settings.migrationPolicy())
                        .withGroupConfigDefaults(settings.groupConfigDefaults())
                        .withMaxSizes(settings.classicGroupMaxSize(), settings.consumerGroupMaxSize())
                        .withOffsetsRetention(settings.offsetsRetentionMinutes * 60_000,
                                settings.offsetsRetentionCheckIntervalMs),
                storage.flusher(), storage.fileHandles(), System::currentTimeMillis);
        // After topics and groups: transactions found preparing at start write their markers and offsets there.
        transactionCoordinator = TransactionCoordinator.open(settings.dataDir.resolve("transactions"), topics,
                groupCoordinator, storage.flusher(), storage.fileHandles(), System::currentTimeMillis,
                settings.transactionAbortCheckIntervalMs);
        // Compacted topics, the groups' offsets log and the transaction log, on the cleaner's own thread.
        GroupCoordinator groups = groupCoordinator;
        TransactionCoordinator transactions = transactionCoordinator;
        topics.startCleaner(settings.logCleanerBackoffMs,
                () -> List.of(groups.cleanerTarget(), transactions.cleanerTarget()));
        fetchSessions = new FetchSessionCache(settings.maxIncrementalFetchSessionCacheSlots);
        KafkaConfig kafka = kafkaConfig();
        kafkaServer = new KafkaServer(kafka);
        if (tls != null && settings.amqpsPort >= 0) {
            amqpsServer = new AmqpServer(amqpConfig().port(settings.amqpsPort).tls(tls));
        }
        if (tls != null && settings.kafkaSslPort >= 0) {
            // The same node and handlers: one broker with two listeners, each advertising its own port.
            kafkaSslServer = new KafkaServer(new KafkaConfig().addresses(settings.bindAddresses())
                    .port(settings.kafkaSslPort).node(kafka.node()).handlers(kafka.handlers()).tls(tls));
        }
        try {
            amqpPort = amqpServer.start();
            addListeners("amqp", amqpServer.boundAddresses(), false);
            // Each its own line ("AMQPS listening on 127.0.0.1:5671, ...", "Kafka listening on 127.0.0.1:9092, ...",
            // "Kafka SSL listening on ..."), before the line below that scripts wait for.
            if (amqpsServer != null) {
                amqpsPort = amqpsServer.start();
                addListeners("amqp/ssl", amqpsServer.boundAddresses(), true);
            }
            kafkaPort = kafkaServer.start();
            addListeners("kafka", kafkaServer.boundAddresses(), false);
            if (kafkaSslServer != null) {
                kafkaSslPort = kafkaSslServer.start();
                addListeners("kafka/ssl", kafkaSslServer.boundAddresses(), true);
            }
            // Its own line too ("HTTP listening on 127.0.0.1:15672, ..."), before the line scripts wait for.
            httpServer = new HttpApiServer(httpConfig());
            httpPort = httpServer.start();
            addListeners("http", httpServer.boundAddresses(), false);
            if (tls != null && settings.httpsPort >= 0) {
                // The same API over TLS ("HTTPS listening on ..."), as RabbitMQ's management.ssl listener.
                httpsServer = new HttpApiServer(httpConfig().port(settings.httpsPort).tls(tls));
                httpsPort = httpsServer.start();
                addListeners("https", httpsServer.boundAddresses(), true);
            }
            BrokerMetrics metrics = new BrokerMetrics(broker, clientConnections, resourceAlarm, nodeName(),
                    FerryVersion.VERSION).streams(topics, groupCoordinator)
                    .fetchSessions(fetchSessions::size, fetchSessions::partitionCount, fetchSessions::evictions,
                            fetchSessions::incrementalFetches);
            storage.flusher().observeSyncs(metrics.fsyncObserver().andThen(syncLatency));
            prometheusServer = new PrometheusServer(metrics, settings.httpBindAddresses(), settings.prometheusPort);
            prometheusPort = prometheusServer.start();
            // rabbitmq_prometheus's listener name.
            addListeners("http/prometheus", prometheusServer.boundAddresses(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding the listening ports", e);
        }
        if (tls != null) {
            tls.startReloading();
        }
        resourceMonitor = ResourceMonitor.forThisProcess(resourceAlarm, settings.memoryHighWatermark,
                settings.diskFreeLimitBytes, settings.dataDir);
        resourceMonitor.start();
        ingressMetrics = IngressMetrics.register(broker, contentBudget, readyMemory);
        if (settings.heapReleaseIntervalMs > 0) {
            idleHeapRelease = IdleHeapRelease.forThisProcess(settings.heapReleaseIntervalMs);
            idleHeapRelease.start();
        }
        log.info("Ingress limits: messages up to {} bytes, {} bytes of content received at once, {} messages / {} bytes "
                + "waiting per queue, {} in all; ready messages in memory up to {} bytes in all",
                settings.maxMessageBytes, contentBudget.limitBytes(), settings.queueMailboxMessages,
                settings.queueMailboxBytes, broker.backlog().bound(), readyMemory.limitBytes());
        if (!settings.topicDefaults().brokerValues().isEmpty()) {
            log.info("Kafka broker settings: {}", settings.topicDefaults().brokerValues());
        }
        // One line, the first address first: scripts and tests read the port off "listening on amqp://127.0.0.1:".
        String listeners = amqpServer.boundAddresses().stream()
                .map(address -> "amqp://" + ListenAddresses.format(address)).collect(Collectors.joining(", "));
        if (amqpsServer != null) {
            listeners += amqpsServer.boundAddresses().stream()
                    .map(address -> ", amqps://" + ListenAddresses.format(address)).collect(Collectors.joining());
        }
        // The data directory ends the line: scripts take the rest of the line as its path.
        log.info("Ferry {} listening on {}; at most {} log files open at once; data in {}", FerryVersion.VERSION,
                listeners, settings.openFilesMax, settings.dataDir);
    }

    /**
     * Users, virtual hosts and permissions come back (their virtual hosts join the broker) before the
     * broker's own metadata, which needs the virtual hosts. A first start records {@code --users}
     * (or RabbitMQ's guest) and {@code --vhosts}; every start adds a missing {@code --vhosts} entry
     * and applies the definitions file.
     */
    private void openAccessControl() {
        Set<String> loopbackUsers = settings.loopbackUsers.stream().filter(name -> !name.isEmpty())
                .collect(Collectors.toSet());
        boolean usersGiven = !settings.users.equals(List.of("guest:guest"));
        accessControl = AccessControl.open(settings.dataDir.resolve("access"), broker, loopbackUsers,
                firstStartAccess(usersGiven));
        if (usersGiven) {
            log.warn("--users is applied on the first start only, and a command line is visible to every local user "
                    + "(ps); give users in a --definitions file (or FERRY_DEFINITIONS) instead{}",
                    accessControl.isFirstStart() ? "" : "; ignored: users are stored in the data directory already");
        }
        for (String virtualHost : settings.virtualHosts) {
            if (!accessControl.virtualHostExists(virtualHost)) {
                accessControl.addVirtualHost(virtualHost).join();
            }
        }
        if (settings.definitions != null) {
            DefinitionsFile.read(settings.definitions).applyTo(accessControl);
        }
    }

    /** What an empty data directory starts with: RabbitMQ's guest, or the --users, with full permissions on every --vhosts. */
    private List<AccessCommand> firstStartAccess(boolean usersGiven) {
        List<AccessCommand> commands = new ArrayList<>();
        if (!usersGiven) {
            commands.addAll(AccessControl.rabbitMqDefaults());
        }
        for (String virtualHost : settings.virtualHosts) {
            commands.add(new AccessCommand.AddVirtualHost(virtualHost));
        }
        for (Map.Entry<String, String> user : settings.passwords().entrySet()) {
            if (!usersGiven) {
                continue; // guest is in the defaults
            }
            // Before permissions, users could do anything: bootstrap users are administrators.
            commands.add(new AccessCommand.PutUser(user.getKey(), PasswordHash.of(user.getValue()),
                    Set.of(User.ADMINISTRATOR)));
        }
        for (String name : settings.passwords().keySet()) {
            for (String virtualHost : settings.virtualHosts) {
                commands.add(new AccessCommand.SetPermission(Permission.full(name, virtualHost)));
            }
        }
        return commands;
    }

    /**
     * Durable exchanges, queues (with their unsettled messages) and bindings come back before the
     * AMQP listener accepts anyone; then the metadata log is compacted to what stands.
     */
    private void recoverDurableState() {
        List<MetadataRecord> skipped = broker.restore(storage.recoveredMetadata());
        for (MetadataRecord record : skipped) {
            log.warn("Keeping durable metadata of virtual host '{}', which is not configured: {}",
                    record.virtualHost(), record);
        }
        List<MetadataRecord> standing = new ArrayList<>(broker.durableMetadata());
        standing.addAll(skipped);
        storage.compactMetadata(standing);
    }

    private AmqpConfig amqpConfig() {
        return new AmqpConfig()
                .hosts(settings.bindAddresses().stream().map(InetAddress::getHostAddress).toList())
                .port(settings.amqpPort)
                .ioThreads(settings.ioThreads)
                .frameMax(settings.frameMax)
                .channelMax(settings.channelMax)
                .heartbeatSeconds(settings.heartbeatSeconds)
                .maxMessageBytes(settings.maxMessageBytes)
                .productVersion(FerryVersion.VERSION)
                .clusterName(nodeName())
                .accessControl(accessControl)
                .loginThrottle(loginThrottle)
                .channelHandlerFactory(new BrokerChannelHandlerFactory(broker, accessControl, streamQueues))
                .resourceAlarm(resourceAlarm)
                .contentBudget(contentBudget)
                .clientConnections(clientConnections);
    }

    private HttpApiConfig httpConfig() {
        return new HttpApiConfig()
                .loginThrottle(loginThrottle)
                .addresses(settings.httpBindAddresses())
                .port(settings.httpPort)
                .broker(broker)
                .connections(clientConnections)
                .resourceAlarm(resourceAlarm)
                .accessControl(accessControl)
                .topics(topics)
                .groups(groupCoordinator)
                .streamVirtualHost(settings.streamVirtualHost)
                .statisticsIntervalMs(settings.statisticsIntervalMs)
                .nodeName(nodeName())
                .dataDirectory(settings.dataDir, settings.diskFreeLimitBytes)
                .syncLatency(syncLatency)
                .productVersion(FerryVersion.VERSION)
                .maxBodyBytes(Math.max(1024 * 1024, settings.maxMessageBytes * 2))
                .listeners(listeners)
                .clusterId(topics.identity().clusterId())
                .serverCertificates(tls);
    }

    /** Records a started listener's addresses (under RabbitMQ's protocol names) for the management API. */
    private void addListeners(String protocol, List<InetSocketAddress> bound, boolean overTls) {
        for (InetSocketAddress address : bound) {
            listeners.add(protocol, ListenAddresses.formatHost(address.getAddress()), address.getPort(), overTls);
        }
    }

    /** RabbitMQ's node name form, for the management API and the metrics. */
    private String nodeName() {
        return "ferry@" + settings.kafkaAdvertisedHost();
    }

    private KafkaConfig kafkaConfig() {
        ClusterIdentity identity = topics.identity();
        LocalNode node = new LocalNode(identity.nodeId(), identity.clusterId(), settings.kafkaAdvertisedHost());
        return new KafkaConfig()
                .addresses(settings.bindAddresses())
                .port(settings.kafkaPort)
                .node(node)
                .handlers(BrokerApis.create(node, topics, groupCoordinator, transactionCoordinator, settings.dataDir,
                        new KafkaAcls(accessControl), fetchSessions, LogbackLoggers.current()))
                .authentication(KafkaAuthentication.of(settings.kafkaSecurityProtocol, settings.kafkaSaslMechanisms,
                        new KafkaUsers(accessControl, loginThrottle, System::currentTimeMillis)));
    }

    /** The bound Kafka port, once started. */
    public synchronized int kafkaPort() {
        return kafkaPort;
    }

    /** The bound AMQPS port, once started; -1 without one. */
    public synchronized int amqpsPort() {
        return amqpsPort;
    }

    /** The bound Kafka SSL port, once started; -1 without one. */
    public synchronized int kafkaSslPort() {
        return kafkaSslPort;
    }

    /** The bound Prometheus port, once started. */
    public synchronized int prometheusPort() {
        return prometheusPort;
    }

    /** The bound management HTTPS port, once started; -1 without one. */
    public synchronized int httpsPort() {
        return httpsPort;
    }

    /** The bound management HTTP port, once started. */
    public synchronized int httpPort() {
        return httpPort;
    }

    /** The bound AMQP port, once started. */
    public synchronized int amqpPort() {
        return amqpPort;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (tls != null) {
            tls.close();
        }
        if (dataLock == null) {
            return;
        }
        if (resourceMonitor != null) {
            resourceMonitor.close();
        }
        if (ingressMetrics != null) {
            ingressMetrics.unregister();
        }
        if (idleHeapRelease != null) {
            idleHeapRelease.close();
        }
        if (kafkaSslServer != null) {
            kafkaSslServer.stop();
        }
        if (prometheusServer != null) {
            prometheusServer.stop();
        }
        if (httpsServer != null) {
            httpsServer.stop();
        }
        if (httpServer != null) {
            httpServer.stop();
        }
        if (kafkaServer != null) {
            kafkaServer.stop();
        }
        if (transactionCoordinator != null) {
            try {
                transactionCoordinator.close();
            } catch (RuntimeException e) {
                log.warn("closing the transaction coordinator failed: {}", e.toString());
            }
        }
        if (groupCoordinator != null) {
            try {
                groupCoordinator.close();
            } catch (RuntimeException e) {
                log.warn("closing the group coordinator failed: {}", e.toString());
            }
        }
        if (amqpsServer != null) {
            amqpsServer.stop();
        }
        if (amqpServer != null) {
            amqpServer.stop();
        }
        if (topics != null) {
            try {
                // Every partition closes (fsyncs) its log; appends that were answered are on disk already.
                topics.close();
            } catch (RuntimeException e) {
                log.warn("closing the topics failed: {}", e.toString());
            }
        }
        if (broker != null) {
            try {
                // Queues apply the commands already sent, then their stores write checkpoints and close.
                broker.close();
            } catch (Exception e) {
                log.warn("stopping the queues failed: {}", e.toString());
            }
        }
        if (accessControl != null) {
            accessControl.close();
        }
        if (storage != null) {
            try {
                storage.close();
            } catch (RuntimeException e) {
                log.warn("closing the storage failed: {}", e.toString());
            }
        }
        try {
            dataLock.close();
        } catch (IOException e) {
            log.warn("releasing the data directory lock failed: {}", e.toString());
        }
        log.info("Ferry stopped");
    }
}
