package dev.ferry.server.config;

import dev.ferry.error.BrokerException;
import dev.ferry.group.GroupConfigDefaults;
import dev.ferry.text.KafkaIntSetting;
import dev.ferry.group.MigrationPolicy;
import dev.ferry.stream.TopicDefaults;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

import dev.ferry.amqp.AmqpConfig;
import dev.ferry.front.ContentBudget;
import dev.ferry.front.tls.TlsConfigurationException;
import dev.ferry.front.tls.TlsSettings;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.queue.MailboxLimits;
import dev.ferry.queue.QueueServices;
import dev.ferry.store.PagingLimits;
import dev.ferry.store.ReadyMemoryBudget;
import dev.ferry.store.StorageSettings;

/**
 * The settings the broker process starts with, checked once by {@link #conclude()} so that a wrong
 * value stops the start with a message naming it, instead of failing later in the middle of work.
 * Protocol limits (frame size, channels, heartbeat) are checked again, in more detail, by the
 * AMQP front's own configuration when it starts.
 */
public final class BrokerSettings {
    public Path dataDir = Path.of("data");
    public int amqpPort = 5672;
    /** Kafka's default port. */
    public int kafkaPort = 9092;
    /** AMQPS port; null: 5671 when a certificate is given; -1: none. */
    public Integer amqpsPort;
    /** Kafka SSL listener port; null: 9093 when a certificate is given; -1: none. */
    public Integer kafkaSslPort;
    /** The management API over TLS (RabbitMQ's management.ssl.port, usually 15671); null or -1: none. */
    public Integer httpsPort;
    /** PEM files of the TLS listeners; no certificate, no TLS listener. */
    public Path tlsCert;
    public Path tlsKey;
    public Path tlsCa;
    public boolean tlsFailIfNoPeerCert;
    public long tlsReloadIntervalMs = TlsSettings.DEFAULT_RELOAD_INTERVAL_MS;
    /** The host Kafka clients are told to connect to; empty: the first bind address (or this machine's name for a wildcard). */
    public String kafkaAdvertisedHost = "";
    /** PLAINTEXT or SASL_PLAINTEXT: how Kafka clients log in. */
    public String kafkaSecurityProtocol = "PLAINTEXT";
    /** Kafka's sasl.enabled.mechanisms. */
    public List<String> kafkaSaslMechanisms = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
    /** Kafka's group.initial.rebalance.delay.ms. */
    public int groupInitialRebalanceDelayMs = 3000;
    /**
     * Kafka broker settings by Kafka's name: num.partitions, auto.create.topics.enable and the
     * broker-wide defaults of topic configs (log.retention.hours, log.segment.bytes, ...).
     */
    public Map<String, String> kafkaConfigs = Map.of();
    private TopicDefaults topicDefaults = TopicDefaults.NONE;
    /** Kafka's log.cleaner.backoff.ms: how long the log cleaner sleeps when no compacted topic is due. */
    public long logCleanerBackoffMs = 15_000;
    /** Kafka's offsets.retention.minutes (7 days). */
    public long offsetsRetentionMinutes = 10080;
    /** Kafka's offsets.retention.check.interval.ms. */
    public long offsetsRetentionCheckIntervalMs = 600_000;
    /** Kafka's log.retention.check.interval.ms: how often streams are trimmed by retention (5 minutes). */
    public long logRetentionCheckIntervalMs = 300_000;
    /** Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms. */
    public long transactionAbortCheckIntervalMs = 10_000;
    /** Kafka's max.incremental.fetch.session.cache.slots: how many fetch sessions the node keeps. */
    public int maxIncrementalFetchSessionCacheSlots = 1000;
    /** RabbitMQ's management port; 0 picks a free port. */
    public int httpPort = 15672;
    /** rabbitmq_prometheus's port for /metrics; 0 picks a free port. */
    public int prometheusPort = 15692;

    /** How often the management API samples message counters for rates: RabbitMQ's collect_statistics_interval. */
    public long statisticsIntervalMs = 5000;
    /** Where the management API and /metrics listen; empty: the same addresses as {@link #bind}. */
    public List<String> httpBind = List.of();
    /** Listen addresses: by default the loopback address of each family. */
    public List<String> bind = List.of("127.0.0.1", "::1");
    public List<String> users = List.of("guest:guest");
    public List<String> loopbackUsers = List.of("guest");
    public List<String> virtualHosts = List.of("/");
    /** A RabbitMQ definitions file of users, vhosts, permissions and limits, applied at every start; null: none. */
    public Path definitions;
    /** The virtual host where the Kafka topics appear as stream queues; one of virtualHosts. */
    public String streamVirtualHost = "/";
    /** A header whose value, when a message routed into a stream carries it, is the Kafka key; empty: the routing key. */
    public String streamKeyHeader = "";
    public int frameMax = 131_072;
    public int channelMax = 2047;
    public int heartbeatSeconds = 60;
    public int maxMessageBytes = 16 * 1024 * 1024;
    /** 0: a sixty-fourth of the maximum heap. */
    public long contentBudgetBytes;
    /**
     * AMQP event loops. A loop is a thread only once a connection uses it; up to this many
     * connections each get one, so that one busy connection never holds up another's turn
     * (docs/benchmarks/ingress-memory.md, "A loop per connection").
     */
    public int ioThreads = AmqpConfig.DEFAULT_IO_THREADS;
    public int queueThreads;
    public double memoryHighWatermark = 0.4;
    public long diskFreeLimitBytes = 50L * 1024 * 1024;
    public String fsync = "always";
    public long fsyncIntervalMs = 1000;
    public long ackCheckpointIntervalMs = 1000;
    public int queueSegmentBytes = 256 * 1024 * 1024;
    public int queueMemoryMessages = PagingLimits.DEFAULTS.messages();
    public long queueMemoryBytes = PagingLimits.DEFAULTS.bytes();
    /** Of the memory high watermark: what all queues' ready messages may take in memory together. */
    public double memoryPagingRatio = 0.5;
    /** 0: never. */
    public long heapReleaseIntervalMs = 10_000;
    public int queueMailboxMessages = MailboxLimits.DEFAULTS.messages();
    public long queueMailboxBytes = MailboxLimits.DEFAULTS.bytes();
    /** 0: one per KiB of the maximum heap (see {@link #queueMailboxTotalMessages(long)}). */
    public long queueMailboxTotalMessages;
    public long deadLetterRetryMs = QueueServices.DEFAULT_DEAD_LETTER_RETRY_MS;
    /** 0: {@link FileHandleCache#defaultCapacity()}, half the process's descriptor limit. */
    public int openFilesMax;
    /**
     * Queues' messages and the broker's declarations kept in memory only (ferry-core's
     * {@code BrokerStorage.IN_MEMORY}): nothing of them survives a stop. For embedded brokers in
     * tests; topics, consumer groups and users still live in {@link #dataDir}. No flag sets it.
     */
    public boolean inMemoryQueues;

    private FsyncPolicy fsyncPolicy;
    private TlsSettings tlsSettings;

    private List<InetAddress> bindAddresses;
    private List<InetAddress> httpBindAddresses;
    private final Map<String, String> passwords = new LinkedHashMap<>();

    /** Checks every value and resolves derived ones; throws {@link ConfigException} naming the first bad one. */
    public BrokerSettings conclude() {
        if (amqpPort < 0 || amqpPort > 65535) {
            throw new ConfigException("amqp-port must be between 0 and 65535 (0 picks a free port), got " + amqpPort);
        }
        if (kafkaPort < 0 || kafkaPort > 65535) {
            throw new ConfigException("kafka-port must be between 0 and 65535 (0 picks a free port), got " + kafkaPort);
        }
        if (amqpPort != 0 && amqpPort == kafkaPort) {
            throw new ConfigException("amqp-port and kafka-port must differ, both are " + amqpPort);
        }
        concludeTls();
        if (httpPort < 0 || httpPort > 65535) {
            throw new ConfigException("http-port must be between 0 and 65535 (0 picks a free port), got " + httpPort);
        }
        if (httpPort != 0 && (httpPort == amqpPort || httpPort == kafkaPort)) {
            throw new ConfigException("http-port must differ from amqp-port and kafka-port, got " + httpPort);
        }
        if (statisticsIntervalMs < 100) {
            throw new ConfigException("collect-statistics-interval must be at least 100 (ms), got " + statisticsIntervalMs);
        }
        if (prometheusPort < 0 || prometheusPort > 65535) {
            throw new ConfigException("prometheus-port must be between 0 and 65535 (0 picks a free port), got "
                    + prometheusPort);
        }
        if (prometheusPort != 0 && (prometheusPort == amqpPort || prometheusPort == kafkaPort || prometheusPort == httpPort)) {
            throw new ConfigException("prometheus-port must differ from amqp-port, kafka-port and http-port, got "
                    + prometheusPort);
        }
        concludeKafkaConfigs();
        if (groupInitialRebalanceDelayMs < 0) {
            throw new ConfigException("group-initial-rebalance-delay-ms must be 0 or more, got "
                    + groupInitialRebalanceDelayMs);
        }
        if (logCleanerBackoffMs < 1) {
            throw new ConfigException("log-cleaner-backoff-ms must be 1 or more, got " + logCleanerBackoffMs);
        }
        if (offsetsRetentionMinutes < 1 || offsetsRetentionMinutes > Long.MAX_VALUE / 60_000) {
            throw new ConfigException("offsets-retention-minutes must be 1 or more, got " + offsetsRetentionMinutes);
        }
        if (offsetsRetentionCheckIntervalMs < 1) {
            throw new ConfigException("offsets-retention-check-interval-ms must be 1 or more, got "
                    + offsetsRetentionCheckIntervalMs);
        }
        if (logRetentionCheckIntervalMs < 1) {
            throw new ConfigException("log-retention-check-interval-ms must be 1 or more, got "
                    + logRetentionCheckIntervalMs);
        }
        if (transactionAbortCheckIntervalMs < 1) {
            throw new ConfigException("transaction-abort-check-interval-ms must be 1 or more, got "
                    + transactionAbortCheckIntervalMs);
        }
        if (maxIncrementalFetchSessionCacheSlots < 0) {
            throw new ConfigException("max-incremental-fetch-session-cache-slots must be 0 or more, got "
                    + maxIncrementalFetchSessionCacheSlots);
        }
        kafkaAdvertisedHost = kafkaAdvertisedHost == null ? "" : kafkaAdvertisedHost.strip();
        if (kafkaAdvertisedHost.contains(" ") || kafkaAdvertisedHost.contains(",")) {
            throw new ConfigException("kafka-advertised-host must be one host name or address, got '"
                    + kafkaAdvertisedHost + "'");
        }
        kafkaSecurityProtocol = kafkaSecurityProtocol.strip().toUpperCase(java.util.Locale.ROOT);
        if (!kafkaSecurityProtocol.equals("PLAINTEXT") && !kafkaSecurityProtocol.equals("SASL_PLAINTEXT")) {
            throw new ConfigException("kafka-security-protocol must be PLAINTEXT or SASL_PLAINTEXT, got '"
                    + kafkaSecurityProtocol + "'");
        }
        kafkaSaslMechanisms = kafkaSaslMechanisms.stream().map(String::strip).map(m -> m.toUpperCase(java.util.Locale.ROOT))
                .toList();
        for (String mechanism : kafkaSaslMechanisms) {
            if (!List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512").contains(mechanism)) {
                throw new ConfigException("kafka-sasl-mechanisms: " + mechanism + " is not served; choose from PLAIN, "
                        + "SCRAM-SHA-256, SCRAM-SHA-512");
            }
        }
        if (kafkaSecurityProtocol.equals("SASL_PLAINTEXT") && kafkaSaslMechanisms.isEmpty()) {
            throw new ConfigException("kafka-sasl-mechanisms must name at least one mechanism for SASL_PLAINTEXT");
        }
        bindAddresses = resolveBindAddresses(bind);
        httpBindAddresses = httpBind == null || httpBind.isEmpty() || httpBind.stream().allMatch(String::isBlank)
                ? bindAddresses : resolveBindAddresses(httpBind);
        passwords.clear();
        for (String user : users) {
            int colon = user.indexOf(':');
            if (colon <= 0 || colon == user.length() - 1) {
                throw new ConfigException("users must be NAME:PASSWORD entries, got '" + user + "'");
            }
            passwords.put(user.substring(0, colon), user.substring(colon + 1));
        }
        if (definitions != null && !Files.isReadable(definitions)) {
            throw new ConfigException("definitions file " + definitions + " does not exist or cannot be read");
        }
        for (String name : loopbackUsers) {
            if (!name.isEmpty() && !passwords.containsKey(name)) {
                throw new ConfigException("loopback-users names '" + name + "', which is not among users");
            }
        }
        if (virtualHosts.isEmpty() || virtualHosts.stream().anyMatch(String::isEmpty)) {
            throw new ConfigException("vhosts must list at least one non-empty name, got " + virtualHosts);
        }
        if (!virtualHosts.contains(streamVirtualHost)) {
            throw new ConfigException("stream-virtual-host '" + streamVirtualHost + "' is not among vhosts " + virtualHosts);
        }
        streamKeyHeader = streamKeyHeader == null ? "" : streamKeyHeader;
        requireRange("frame-max", frameMax, 4096, Integer.MAX_VALUE, " (4096 is the AMQP minimum)");
        requireRange("channel-max", channelMax, 1, 65535, "");
        requireRange("heartbeat", heartbeatSeconds, 0, 65535, " (0 disables heartbeats)");
        requireRange("max-message-bytes", maxMessageBytes, 0, 512 * 1024 * 1024, " (512 MiB)");
        if (contentBudgetBytes < 0) {
            throw new ConfigException("content-budget-bytes must be 0 (a sixty-fourth of the heap) or more, got "
                    + contentBudgetBytes);
        }
        if (!(memoryHighWatermark > 0 && memoryHighWatermark <= 1)) {
            throw new ConfigException("memory-high-watermark must be a fraction above 0 and at most 1, got "
                    + memoryHighWatermark);
        }
        if (heapReleaseIntervalMs < 0) {
            throw new ConfigException("heap-release-interval-ms must be 0 (never) or more, got " + heapReleaseIntervalMs);
        }
        if (diskFreeLimitBytes < 0) {
            throw new ConfigException("disk-free-limit-bytes must not be negative, got " + diskFreeLimitBytes);
        }
        requireRange("io-threads", ioThreads, 1, 4096, "");
        if (queueThreads < 0) {
            throw new ConfigException("queue-threads must be 0 (one per core) or more, got " + queueThreads);
        }
        if (queueThreads == 0) {
            queueThreads = Runtime.getRuntime().availableProcessors();
        }
        try {
            fsyncPolicy = FsyncPolicy.valueOf(fsync.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("fsync must be always, interval or never, got '" + fsync + "'");
        }
        if (fsyncIntervalMs <= 0) {
            throw new ConfigException("fsync-interval-ms must be positive, got " + fsyncIntervalMs);
        }
        if (ackCheckpointIntervalMs <= 0) {
            throw new ConfigException("ack-checkpoint-interval-ms must be positive, got " + ackCheckpointIntervalMs);
        }
        // The largest record: a body of max-message-bytes, properties of up to one frame, record overhead.
        long largestRecord = (long) maxMessageBytes + frameMax + 4096;
        if (queueSegmentBytes < largestRecord) {
            throw new ConfigException("queue-segment-bytes must hold the largest message: at least max-message-bytes"
                    + " + frame-max + 4096 = " + largestRecord + ", got " + queueSegmentBytes);
        }
        if (deadLetterRetryMs <= 0) {
            throw new ConfigException("dead-letter-retry-ms must be positive, got " + deadLetterRetryMs);
        }
        if (queueMemoryMessages < 2) {
            throw new ConfigException("queue-memory-messages must be at least 2, got " + queueMemoryMessages);
        }
        if (!(memoryPagingRatio > 0 && memoryPagingRatio <= 1)) {
            throw new ConfigException("memory-paging-ratio must be a fraction above 0 and at most 1, got "
                    + memoryPagingRatio);
        }
        if (queueMemoryBytes < 1) {
            throw new ConfigException("queue-memory-bytes must be positive, got " + queueMemoryBytes);
        }
        try {
            new MailboxLimits(queueMailboxMessages, queueMailboxBytes);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("queue-mailbox-messages / queue-mailbox-bytes: " + e.getMessage());
        }
        if (queueMailboxTotalMessages < 0 || queueMailboxTotalMessages == 1) {
            throw new ConfigException("queue-mailbox-total-messages must be 0 (from the heap) or at least 2, got "
                    + queueMailboxTotalMessages);
        }
        checkOpenFilesMax(FileHandleCache.descriptorLimit());
        dataDir = dataDir.toAbsolutePath().normalize();
        return this;
    }

    /**
     * TLS listeners exist when a certificate and its key are given; their ports then default to
     * 5671 (AMQPS, RabbitMQ's) and 9093 (Kafka SSL, the usual second Kafka listener). A TLS port or
     * client-certificate setting without a certificate is a mistake, not something to ignore.
     * The files themselves are read when the server starts.
     */
    /** Kafka names Ferry sets through an option of its own: the message says which. */
    private static final Map<String, String> KAFKA_NAMES_WITH_OPTIONS = Map.of(
            "group.initial.rebalance.delay.ms", "--group-initial-rebalance-delay-ms",
            "log.cleaner.backoff.ms", "--log-cleaner-backoff-ms",
            "offsets.retention.minutes", "--offsets-retention-minutes",
            "offsets.retention.check.interval.ms", "--offsets-retention-check-interval-ms",
            "log.retention.check.interval.ms", "--log-retention-check-interval-ms",
            "max.incremental.fetch.session.cache.slots", "--max-incremental-fetch-session-cache-slots",
            "sasl.enabled.mechanisms", "--kafka-sasl-mechanisms",
            "advertised.listeners", "--kafka-advertised-host and --kafka-port",
            "listeners", "--bind and --kafka-port",
            "log.dirs", "--data-dir");

    private void concludeKafkaConfigs() {
        kafkaConfigs = kafkaConfigs == null ? Map.of() : Map.copyOf(kafkaConfigs);
        for (String name : kafkaConfigs.keySet()) {
            String option = KAFKA_NAMES_WITH_OPTIONS.get(name.trim());
            if (option != null) {
                throw new ConfigException("kafka-config: " + name.trim() + " is set with " + option);
            }
        }
        Map<String, String> topicSettings = new LinkedHashMap<>();
        Map<String, String> groupSettings = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : kafkaConfigs.entrySet()) {
            if (GroupConfigDefaults.isGroupConfigDefault(entry.getKey().trim())) {
                groupSettings.put(entry.getKey(), entry.getValue());
            } else if (entry.getKey().trim().equals(CLASSIC_MAX_SIZE)) {
                classicGroupMaxSize = groupSize(CLASSIC_MAX_SIZE, entry.getValue());
            } else if (entry.getKey().trim().equals(CONSUMER_MAX_SIZE)) {
                consumerGroupMaxSize = groupSize(CONSUMER_MAX_SIZE, entry.getValue());
            } else if (entry.getKey().trim().equals(MIGRATION_POLICY)) {
                migrationPolicy = MigrationPolicy.parse(entry.getValue() == null ? "" : entry.getValue());
                if (migrationPolicy == null) {
                    throw new ConfigException("kafka-config: " + MIGRATION_POLICY + " must be one of disabled, upgrade, "
                            + "downgrade, bidirectional; got " + entry.getValue());
                }
            } else {
                topicSettings.put(entry.getKey(), entry.getValue());
            }
        }
        try {
            topicDefaults = TopicDefaults.of(topicSettings);
        } catch (BrokerException e) {
            throw new ConfigException("kafka-config: " + e.getMessage());
        }
        try {
            groupConfigDefaults = GroupConfigDefaults.of(groupSettings);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("kafka-config: " + e.getMessage());
        }
    }

    private static final String CLASSIC_MAX_SIZE = "group.max.size";
    private static final String CONSUMER_MAX_SIZE = "group.consumer.max.size";
    /** Kafka's {@code group.max.size} and {@code group.consumer.max.size}: no bound by default, as in Kafka 4. */
    private int classicGroupMaxSize = Integer.MAX_VALUE;
    private int consumerGroupMaxSize = Integer.MAX_VALUE;

    /** The members a classic group may have ({@code group.max.size}). */
    public int classicGroupMaxSize() {
        return classicGroupMaxSize;
    }

    /** The members a consumer-protocol group may have ({@code group.consumer.max.size}). */
    public int consumerGroupMaxSize() {
        return consumerGroupMaxSize;
    }

    private static int groupSize(String name, String raw) {
        try {
            return KafkaIntSetting.parse(name, raw, 1);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("kafka-config: " + e.getMessage());
        }
    }

    private static final String MIGRATION_POLICY = "group.consumer.migration.policy";
    /** Kafka's {@code group.consumer.migration.policy}, from {@link #kafkaConfigs}; Kafka 4's default. */
    private MigrationPolicy migrationPolicy = MigrationPolicy.BIDIRECTIONAL;

    /** Whether groups with members move between the classic and the consumer protocols (KIP-848). */
    public MigrationPolicy migrationPolicy() {
        return migrationPolicy;
    }

    /** Kafka's {@code group.consumer.heartbeat.interval.ms} and the other defaults and bounds of group configs, from {@link #kafkaConfigs}. */
    private GroupConfigDefaults groupConfigDefaults = GroupConfigDefaults.kafkaDefaults();

    /** The defaults and bounds of the configs a group may be given ({@code group.consumer.session.timeout.ms}, ...). */
    public GroupConfigDefaults groupConfigDefaults() {
        return groupConfigDefaults;
    }

    /** What topics get from the broker when their creator leaves something out (from {@link #kafkaConfigs}). */
    public TopicDefaults topicDefaults() {
        return topicDefaults;
    }

    private void concludeTls() {
        boolean certificateGiven = tlsCert != null;
        if (certificateGiven != (tlsKey != null)) {
            throw new ConfigException(certificateGiven ? "tls-cert needs tls-key, the certificate's private key"
                    : "tls-key needs tls-cert, the certificate it belongs to");
        }
        if (!certificateGiven) {
            if (amqpsPort != null && amqpsPort != -1) {
                throw new ConfigException("amqps-port needs tls-cert and tls-key");
            }
            if (kafkaSslPort != null && kafkaSslPort != -1) {
                throw new ConfigException("kafka-ssl-port needs tls-cert and tls-key");
            }
            if (httpsPort != null && httpsPort != -1) {
                throw new ConfigException("https-port needs tls-cert and tls-key");
            }
            if (tlsCa != null || tlsFailIfNoPeerCert) {
                throw new ConfigException((tlsCa != null ? "tls-ca" : "tls-fail-if-no-peer-cert")
                        + " needs tls-cert and tls-key: client certificates are asked for on TLS listeners only");
            }
            amqpsPort = -1;
            kafkaSslPort = -1;
            httpsPort = -1;
            tlsSettings = null;
            return;
        }
        amqpsPort = amqpsPort == null ? 5671 : amqpsPort;
        kafkaSslPort = kafkaSslPort == null ? 9093 : kafkaSslPort;
        requireRange("amqps-port", amqpsPort, -1, 65535, " (0 picks a free port, -1 turns it off)");
        requireRange("kafka-ssl-port", kafkaSslPort, -1, 65535, " (0 picks a free port, -1 turns it off)");
        httpsPort = httpsPort == null ? -1 : httpsPort;
        requireRange("https-port", httpsPort, -1, 65535, " (0 picks a free port, -1 turns it off)");
        List<Integer> fixedPorts = new java.util.ArrayList<>();
        for (int port : new int[] {amqpPort, kafkaPort, amqpsPort, kafkaSslPort, httpsPort, httpPort, prometheusPort}) {
            if (port > 0) {
                if (fixedPorts.contains(port)) {
                    throw new ConfigException("amqp-port, kafka-port, amqps-port, kafka-ssl-port, https-port, http-port "
                            + "and prometheus-port must differ, "
                            + port + " is given twice");
                }
                fixedPorts.add(port);
            }
        }
        try {
            tlsSettings = new TlsSettings(tlsCert.toAbsolutePath(), tlsKey.toAbsolutePath(),
                    tlsCa == null ? null : tlsCa.toAbsolutePath(), tlsFailIfNoPeerCert, tlsReloadIntervalMs);
        } catch (TlsConfigurationException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The TLS listeners' files and client-certificate policy; null when no certificate is given. */
    public TlsSettings tlsSettings() {
        return tlsSettings;
    }

    /**
     * 0 becomes the default; otherwise at least the cache's minimum and, when the process's
     * descriptor limit is known, below it: a cache that may hold every descriptor would leave none
     * for sockets and the broker would fail where it least should.
     */
    void checkOpenFilesMax(OptionalLong descriptorLimit) {
        if (openFilesMax == 0) {
            openFilesMax = FileHandleCache.defaultCapacity();
            return;
        }
        if (openFilesMax < FileHandleCache.CAPACITY_MIN) {
            throw new ConfigException("open-files-max must be 0 (half the descriptor limit) or at least "
                    + FileHandleCache.CAPACITY_MIN + ", got " + openFilesMax);
        }
        if (descriptorLimit.isPresent() && openFilesMax >= descriptorLimit.getAsLong()) {
            throw new ConfigException("open-files-max must be below the process's descriptor limit ("
                    + descriptorLimit.getAsLong() + ", ulimit -n), which sockets and the JVM share, got " + openFilesMax);
        }
    }

    private static List<InetAddress> resolveBindAddresses(List<String> addresses) {
        if (addresses.isEmpty()) {
            throw new ConfigException("bind must name at least one address");
        }
        LinkedHashSet<InetAddress> resolved = new LinkedHashSet<>();
        for (String address : addresses) {
            // An empty entry ("127.0.0.1,") would resolve to loopback, which nobody asked for.
            if (address.isBlank()) {
                throw new ConfigException("bind has an empty address in " + addresses);
            }
            try {
                resolved.add(InetAddress.getByName(address.strip()));
            } catch (UnknownHostException e) {
                throw new ConfigException("bind address '" + address + "' cannot be resolved");
            }
        }
        return List.copyOf(resolved);
    }

    private static void requireRange(String setting, int value, int min, int max, String hint) {
        if (value < min || value > max) {
            throw new ConfigException(setting + " must be between " + min + " and " + max + hint + ", got " + value);
        }
    }

    /** Where the management API listens, resolved by {@link #conclude()}. */
    public List<InetAddress> httpBindAddresses() {
        if (httpBindAddresses == null) {
            throw new IllegalStateException("conclude() has not been called");
        }
        return httpBindAddresses;
    }

    /** The listen addresses, each once, in the order given. */
    public List<InetAddress> bindAddresses() {
        if (bindAddresses == null) {
            throw new IllegalStateException("conclude() has not been called");
        }
        return bindAddresses;
    }

    /**
     * The host Kafka clients are sent to by Metadata: the setting if given, else the first listen
     * address, or for a wildcard address (which no client can connect to) this machine's name.
     */
    public String kafkaAdvertisedHost() {
        if (!kafkaAdvertisedHost.isEmpty()) {
            return kafkaAdvertisedHost;
        }
        InetAddress first = bindAddresses().get(0);
        if (first.isAnyLocalAddress()) {
            try {
                return InetAddress.getLocalHost().getCanonicalHostName();
            } catch (UnknownHostException e) {
                throw new ConfigException("kafka-advertised-host is needed: the listen address " + bind.get(0)
                        + " is a wildcard and this machine's name does not resolve (" + e.getMessage() + ")");
            }
        }
        return first.getHostAddress();
    }

    /**
     * How durable queues and metadata are stored, from the fsync, checkpoint and segment settings;
     * queues' paging within a budget for all of them that has no bound (for tools and tests).
     */
    public StorageSettings storageSettings() {
        return storageSettings(ReadyMemoryBudget.unlimited());
    }

    /** As {@link #storageSettings()}, every queue's ready messages in memory within {@code budget}. */
    public StorageSettings storageSettings(ReadyMemoryBudget budget) {
        if (fsyncPolicy == null) {
            throw new IllegalStateException("conclude() has not been called");
        }
        return new StorageSettings(fsyncPolicy, fsyncIntervalMs, ackCheckpointIntervalMs, queueSegmentBytes,
                new PagingLimits(queueMemoryMessages, queueMemoryBytes, budget), openFilesMax);
    }

    /**
     * What all queues' ready messages may take in memory: {@code memoryPagingRatio} of the memory
     * high watermark of {@code maxHeapBytes} (a fifth of the heap by default, as RabbitMQ pages at
     * half its watermark).
     */
    public ReadyMemoryBudget readyMemoryBudget(long maxHeapBytes) {
        return new ReadyMemoryBudget(Math.max(1, (long) (maxHeapBytes * memoryHighWatermark * memoryPagingRatio)));
    }

    /** How much published work may wait for each queue's owner thread before publishers are held back. */
    public MailboxLimits mailboxLimits() {
        return new MailboxLimits(queueMailboxMessages, queueMailboxBytes);
    }

    /**
     * Publishes that may wait for the queue threads, all queues together: the setting, or one per KiB
     * of {@code maxHeapBytes} when it is 0. A waiting copy is about 50 bytes as a command and 64 more
     * once its queue holds it, so the default keeps what publishers can have in flight past the memory
     * alarm to about a ninth of the heap (262,144 copies for 256 MiB).
     */
    public long queueMailboxTotalMessages(long maxHeapBytes) {
        return queueMailboxTotalMessages > 0 ? queueMailboxTotalMessages : Math.max(2, maxHeapBytes / 1024);
    }

    /** The content budget in bytes: the setting, or a sixty-fourth of {@code maxHeapBytes} when it is 0. */
    public long contentBudgetBytes(long maxHeapBytes) {
        return contentBudgetBytes > 0 ? contentBudgetBytes : ContentBudget.defaultLimitBytes(maxHeapBytes);
    }

    /** User name to password, from {@link #users}, in the order given. */
    public Map<String, String> passwords() {
        return passwords;
    }
}
