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
import dev.ferry.broker.MetadataRecord;
import dev.ferry.broker.ResourceAlarm;
import dev.ferry.front.ContentBudget;
import dev.ferry.front.ListenAddresses;
import dev.ferry.group.GroupConfig;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.access.LoginThrottle;
import dev.ferry.kafka.BrokerApis;
import dev.ferry.kafka.security.KafkaAuthentication;
import dev.ferry.kafka.KafkaConfig;
import dev.ferry.kafka.KafkaServer;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.group.ConsumerSubscriptions;
import dev.ferry.server.access.DefinitionsFile;
import dev.ferry.server.config.BrokerSettings;
import dev.ferry.store.DiskStorage;
import dev.ferry.stream.ClusterIdentity;
import dev.ferry.stream.TopicRegistry;
import java.io.IOException;
import java.net.InetAddress;
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
    /** Kafka's {@code log.retention.check.interval.ms} default: how often topics apply retention and roll segments. */
    private static final long RETENTION_CHECK_INTERVAL_MS = 300_000;

    private final BrokerSettings settings;
    private DataDirectoryLock dataLock;
    private DiskStorage storage;
    private Broker broker;
    private AccessControl accessControl;
    private TopicRegistry topics;
    private AmqpServer amqpServer;
    private KafkaServer kafkaServer;
    /** One for every port: guesses over AMQP and over Kafka from one address slow each other down. */
    private final LoginThrottle loginThrottle = new LoginThrottle();
    private GroupCoordinator groupCoordinator;
    private final ResourceAlarm resourceAlarm = new ResourceAlarm();
    private ContentBudget contentBudget;
    private IngressMetrics ingressMetrics;
    private IdleHeapRelease idleHeapRelease;
    private ResourceMonitor resourceMonitor;
    private int amqpPort = -1;
    private int kafkaPort = -1;
    private boolean closed;

    public FerryServer(BrokerSettings settings) {
        this.settings = settings;
    }

    public synchronized void start() {
        dataLock = DataDirectoryLock.acquire(settings.dataDir);
        storage = DiskStorage.open(settings.dataDir, settings.storageSettings());
        broker = Broker.withQueueThreads(settings.queueThreads, storage, settings.mailboxLimits(), settings.deadLetterRetryMs);
        contentBudget = new ContentBudget(settings.contentBudgetBytes(Runtime.getRuntime().maxMemory()));
        openAccessControl();
        recoverDurableState();
        // Topics come back (every partition opened, its producer state rebuilt) before any listener opens.
        topics = TopicRegistry.open(settings.dataDir, storage.flusher(), storage.fileHandles(), settings.queueThreads);
        topics.startMaintenance(RETENTION_CHECK_INTERVAL_MS);
        amqpServer = new AmqpServer(amqpConfig());
        groupCoordinator = GroupCoordinator.open(settings.dataDir.resolve("groups"), GroupConfig.defaults()
                        .withInitialRebalanceDelayMs(settings.groupInitialRebalanceDelayMs)
                        .withSubscriptions(new ConsumerSubscriptions()),
                storage.flusher(), storage.fileHandles(), System::currentTimeMillis);
        kafkaServer = new KafkaServer(kafkaConfig());
        try {
            amqpPort = amqpServer.start();
            // Its own line ("Kafka listening on 127.0.0.1:9092, ..."), before the line below that scripts wait for.
            kafkaPort = kafkaServer.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding the listening ports", e);
        }
        resourceMonitor = ResourceMonitor.forThisProcess(resourceAlarm, settings.memoryHighWatermark,
                settings.diskFreeLimitBytes, settings.dataDir);
        resourceMonitor.start();
        ingressMetrics = IngressMetrics.register(broker, contentBudget);
        if (settings.heapReleaseIntervalMs > 0) {
            idleHeapRelease = IdleHeapRelease.forThisProcess(settings.heapReleaseIntervalMs);
            idleHeapRelease.start();
        }
        log.info("Ingress limits: messages up to {} bytes, {} bytes of content received at once, {} messages / {} bytes "
                + "waiting per queue", settings.maxMessageBytes, contentBudget.limitBytes(),
                settings.queueMailboxMessages, settings.queueMailboxBytes);
        // One line, the first address first: scripts and tests read the port off "listening on amqp://127.0.0.1:".
        String listeners = amqpServer.boundAddresses().stream()
                .map(address -> "amqp://" + ListenAddresses.format(address)).collect(Collectors.joining(", "));
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
                .frameMax(settings.frameMax)
                .channelMax(settings.channelMax)
                .heartbeatSeconds(settings.heartbeatSeconds)
                .maxMessageBytes(settings.maxMessageBytes)
                .productVersion(FerryVersion.VERSION)
                .accessControl(accessControl)
                .loginThrottle(loginThrottle)
                .channelHandlerFactory(new BrokerChannelHandlerFactory(broker, accessControl))
                .resourceAlarm(resourceAlarm)
                .contentBudget(contentBudget);
    }

    private KafkaConfig kafkaConfig() {
        ClusterIdentity identity = topics.identity();
        LocalNode node = new LocalNode(identity.nodeId(), identity.clusterId(), settings.kafkaAdvertisedHost());
        return new KafkaConfig()
                .addresses(settings.bindAddresses())
                .port(settings.kafkaPort)
                .node(node)
                .handlers(BrokerApis.create(node, topics, groupCoordinator, settings.dataDir))
                .authentication(KafkaAuthentication.of(settings.kafkaSecurityProtocol, settings.kafkaSaslMechanisms,
                        new KafkaUsers(accessControl, loginThrottle, System::currentTimeMillis)));
    }

    /** The bound Kafka port, once started. */
    public synchronized int kafkaPort() {
        return kafkaPort;
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
        if (kafkaServer != null) {
            kafkaServer.stop();
        }
        if (groupCoordinator != null) {
            try {
                groupCoordinator.close();
            } catch (RuntimeException e) {
                log.warn("closing the group coordinator failed: {}", e.toString());
            }
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
