package dev.ferry.server;

import dev.ferry.server.config.BrokerSettings;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigSource;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The {@code ferry} command line. Every option can also be set by an environment variable
 * ({@code FERRY_} + the option name in upper case, dashes as underscores) or by a line
 * {@code name = value} in the configuration file; a flag beats the environment, which beats the
 * file, which beats the built-in default.
 */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        versionProvider = FerryCommand.VersionProvider.class,
        sortOptions = false,
        description = "Ferry message broker: AMQP 0-9-1 queues and Kafka topics on a durable log.",
        footer = {"", "Each option may also come from the environment (FERRY_AMQP_PORT=5673) or the "
                + "configuration file (amqp-port = 5673); flags win over the environment, which wins over the file.",
                "", "With a command (ferry queues, ferry publish, ferry move, ...) ferry is a client of a running broker; "
                + "'ferry help' lists the commands."})
public final class FerryCommand implements Callable<BrokerSettings> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (Java properties: name = value). Env: FERRY_CONFIG.")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
            description = "Where logs and metadata are stored. Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--amqp-port", paramLabel = "N", defaultValue = "5672",
            description = "AMQP 0-9-1 port; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int amqpPort;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "9092",
            description = "Kafka protocol port; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int kafkaPort;

    @Option(names = "--amqps-port", paramLabel = "N",
            description = "AMQP 0-9-1 over TLS (AMQPS) port, beside the plain one; 0 picks a free port, -1 turns it "
                    + "off. Needs --tls-cert and --tls-key. Default: 5671 when a certificate is given")
    Integer amqpsPort;

    @Option(names = "--kafka-ssl-port", paramLabel = "N",
            description = "Kafka protocol over TLS port (Kafka's listeners=SSL://:N), beside the plain one; 0 picks a "
                    + "free port, -1 turns it off. Needs --tls-cert and --tls-key. Default: 9093 when a certificate "
                    + "is given")
    Integer kafkaSslPort;

    @Option(names = "--https-port", paramLabel = "N",
            description = "Management HTTP API over TLS (RabbitMQ's management.ssl.port, usually 15671), beside the "
                    + "plain one; 0 picks a free port. Needs --tls-cert and --tls-key. Default: none")
    Integer httpsPort;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM file with the server certificate (then any intermediates) for the TLS listeners")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "PEM file with the certificate's private key, unencrypted PKCS#8 (BEGIN PRIVATE KEY)")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "PEM file with the authorities client certificates must chain to. When given, TLS clients are "
                    + "asked for a certificate and one they send is verified (RabbitMQ's verify_peer); on AMQPS a "
                    + "verified certificate's CN can log in with SASL EXTERNAL")
    Path tlsCa;

    @Option(names = "--tls-fail-if-no-peer-cert", paramLabel = "BOOL", arity = "0..1", defaultValue = "false",
            description = "Refuse TLS clients without a certificate (RabbitMQ's fail_if_no_peer_cert, Kafka's "
                    + "ssl.client.auth=required); needs --tls-ca. Default: ${DEFAULT-VALUE}")
    boolean tlsFailIfNoPeerCert;

    @Option(names = "--tls-reload-interval-ms", paramLabel = "MS", defaultValue = "10000",
            description = "How often the TLS files are checked for changes; changed files are loaded for new "
                    + "connections without a restart. 0 never reloads. Default: ${DEFAULT-VALUE}")
    long tlsReloadIntervalMs;

    @Option(names = "--http-port", paramLabel = "N", defaultValue = "15672",
            description = "Management HTTP API port (RabbitMQ's management API); 0 picks a free port. "
                    + "Default: ${DEFAULT-VALUE}")
    int httpPort;

    @Option(names = "--prometheus-port", paramLabel = "N", defaultValue = "15692",
            description = "Prometheus metrics (/metrics, /metrics/per-object) with rabbitmq_prometheus's names, on the "
                    + "--http-bind addresses; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int prometheusPort;

    @Option(names = "--collect-statistics-interval", paramLabel = "MS", defaultValue = "5000",
            description = "How often message counters are sampled for the management API's rates (RabbitMQ's "
                    + "collect_statistics_interval), in milliseconds; at least 100. Default: ${DEFAULT-VALUE}")
    long statisticsIntervalMs;

    @Option(names = "--http-bind", paramLabel = "ADDR", split = ",", defaultValue = "",
            description = "Addresses the management HTTP API and the Prometheus metrics bind to, comma separated. "
                    + "Default: the --bind addresses")
    java.util.List<String> httpBind;

    @Option(names = "--kafka-advertised-host", paramLabel = "HOST", defaultValue = "",
            description = "Host name or address Kafka clients are told to connect to (Metadata). Default: the first "
                    + "--bind address, or this machine's name when that is a wildcard")
    String kafkaAdvertisedHost;

    @Option(names = "--kafka-security-protocol", paramLabel = "PROTOCOL", defaultValue = "PLAINTEXT",
            description = "How Kafka clients log in: PLAINTEXT (they do not; they act as guest, so from this machine "
                    + "only) or SASL_PLAINTEXT (as one of the broker's users). Default: ${DEFAULT-VALUE}")
    String kafkaSecurityProtocol;

    @Option(names = "--kafka-sasl-mechanisms", paramLabel = "NAME", split = ",",
            defaultValue = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
            description = "SASL mechanisms Kafka clients may log in with (Kafka's sasl.enabled.mechanisms): PLAIN, "
                    + "SCRAM-SHA-256, SCRAM-SHA-512. Default: ${DEFAULT-VALUE}")
    java.util.List<String> kafkaSaslMechanisms;

    @Option(names = "--group-initial-rebalance-delay-ms", paramLabel = "MS", defaultValue = "3000",
            description = "How long the first rebalance of an empty consumer group waits for more members "
                    + "(Kafka's group.initial.rebalance.delay.ms). Default: ${DEFAULT-VALUE}")
    int groupInitialRebalanceDelayMs;

    @Option(names = "--kafka-config", paramLabel = "NAME=VALUE",
            description = "A Kafka broker setting under Kafka's name, repeatable: num.partitions, "
                    + "auto.create.topics.enable, or the broker-wide default of a topic config (log.retention.hours, "
                    + "log.retention.ms, log.retention.bytes, log.segment.bytes, log.roll.ms, log.cleanup.policy, "
                    + "message.max.bytes, compression.type, ...). Topics that do not override a config follow it, "
                    + "including topics created before it was set. Also group.consumer.migration.policy and the "
                    + "defaults and bounds of group configs (group.consumer.heartbeat.interval.ms, "
                    + "group.consumer.min.session.timeout.ms, ...). In the configuration file: kafka.NAME = VALUE.")
    java.util.Map<String, String> kafkaConfigs = new java.util.LinkedHashMap<>();

    /** kafka.NAME settings of the configuration file; those on the command line win. */
    private java.util.Map<String, String> fileKafkaConfigs = java.util.Map.of();

    @Option(names = "--log-cleaner-backoff-ms", paramLabel = "MS", defaultValue = "15000",
            description = "How long the log cleaner sleeps when no compacted topic is due for cleaning "
                    + "(Kafka's log.cleaner.backoff.ms). Default: ${DEFAULT-VALUE}")
    long logCleanerBackoffMs;

    @Option(names = "--offsets-retention-minutes", paramLabel = "MIN", defaultValue = "10080",
            description = "How long an empty consumer group keeps its committed offsets, and a stable one those of "
                    + "topics it no longer subscribes to (Kafka's offsets.retention.minutes). Default: ${DEFAULT-VALUE}")
    long offsetsRetentionMinutes;

    @Option(names = "--offsets-retention-check-interval-ms", paramLabel = "MS", defaultValue = "600000",
            description = "How often expired offsets are looked for (Kafka's offsets.retention.check.interval.ms). "
                    + "Default: ${DEFAULT-VALUE}")
    long offsetsRetentionCheckIntervalMs;

    @Option(names = "--log-retention-check-interval-ms", paramLabel = "MS", defaultValue = "300000",
            description = "How often streams are trimmed by their retention (Kafka's log.retention.check.interval.ms); "
                    + "a policy that changes a stream's retention trims it at once too. Default: ${DEFAULT-VALUE}")
    long logRetentionCheckIntervalMs;
    @Option(names = "--transaction-abort-check-interval-ms", paramLabel = "MS", defaultValue = "10000",
            description = "How often open Kafka transactions are checked against their timeout, those past it aborted "
                    + "(Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms). Default: ${DEFAULT-VALUE}")
    long transactionAbortCheckIntervalMs;

    @Option(names = "--max-incremental-fetch-session-cache-slots", paramLabel = "N", defaultValue = "1000",
            description = "How many Kafka fetch sessions (KIP-227) the node keeps; 0 keeps none, so consumers send "
                    + "full fetches (Kafka's max.incremental.fetch.session.cache.slots). Default: ${DEFAULT-VALUE}")
    int maxIncrementalFetchSessionCacheSlots;

    @Option(names = "--bind", paramLabel = "ADDR", split = ",", defaultValue = "127.0.0.1,::1",
            description = "Addresses the listeners bind to, comma separated or the flag repeated, all on the same "
                    + "port. An IPv6 address this machine or JVM cannot have (no IPv6) is skipped with a warning. "
                    + "Default: ${DEFAULT-VALUE}, this machine only")
    java.util.List<String> bind;

    @Option(names = "--definitions", paramLabel = "FILE",
            description = "RabbitMQ definitions JSON (users with password_hash or password, vhosts, permissions, "
                    + "topic_permissions, limits), applied at every start: created or updated, never deleted. "
                    + "Env: FERRY_DEFINITIONS.")
    Path definitions;

    @Option(names = "--users", paramLabel = "NAME:PASSWORD", split = ",", defaultValue = "guest:guest",
            description = "Users created on the first start only (empty data directory), with full permissions on "
                    + "every --vhosts; visible to other local users in the process list: prefer --definitions. "
                    + "Default: ${DEFAULT-VALUE}")
    java.util.List<String> users;

    @Option(names = "--loopback-users", paramLabel = "NAME", split = ",", defaultValue = "guest",
            description = "Users accepted only from this machine, as RabbitMQ does for guest. Default: ${DEFAULT-VALUE}")
    java.util.List<String> loopbackUsers;

    @Option(names = "--vhosts", paramLabel = "NAME", split = ",", defaultValue = "/",
            description = "Virtual hosts, comma separated. Default: ${DEFAULT-VALUE}")
    java.util.List<String> virtualHosts;

    @Option(names = "--stream-virtual-host", paramLabel = "NAME", defaultValue = "/",
            description = "Virtual host where the Kafka topics appear as AMQP stream queues (x-queue-type: stream); "
                    + "one of --vhosts. Default: ${DEFAULT-VALUE}")
    String streamVirtualHost;

    @Option(names = "--stream-key-header", paramLabel = "NAME", defaultValue = "",
            description = "AMQP header whose value, when a message routed into a stream carries it, is the Kafka key "
                    + "(and so picks the partition); without it the routing key is. Default: none")
    String streamKeyHeader;

    @Option(names = "--frame-max", paramLabel = "BYTES", defaultValue = "131072",
            description = "Largest AMQP frame offered in connection.tune. Default: ${DEFAULT-VALUE}")
    int frameMax;

    @Option(names = "--channel-max", paramLabel = "N", defaultValue = "2047",
            description = "Most channels per connection. Default: ${DEFAULT-VALUE}")
    int channelMax;

    @Option(names = "--heartbeat", paramLabel = "SECONDS", defaultValue = "60",
            description = "Heartbeat interval offered to clients; 0 disables. Default: ${DEFAULT-VALUE}")
    int heartbeatSeconds;

    @Option(names = "--max-message-bytes", paramLabel = "BYTES", defaultValue = "16777216",
            description = "Largest message body accepted, at most 536870912 (512 MiB); larger ones close the channel "
                    + "with 406. Default: ${DEFAULT-VALUE}")
    int maxMessageBytes;

    @Option(names = "--content-budget-bytes", paramLabel = "BYTES", defaultValue = "0",
            description = "Bytes of message bodies the broker receives at once, across all connections; a connection "
                    + "that would go past it is not read until budget comes back. 0 means a sixty-fourth of the "
                    + "maximum heap. Default: ${DEFAULT-VALUE}")
    long contentBudgetBytes;

    @Option(names = "--memory-high-watermark", paramLabel = "FRACTION", defaultValue = "0.4",
            description = "Share of the maximum heap that retained data may use before publishers are blocked. "
                    + "Default: ${DEFAULT-VALUE}")
    double memoryHighWatermark;

    @Option(names = "--heap-release-interval-ms", paramLabel = "MS", defaultValue = "10000",
            description = "After this long with no garbage collection at all (a quiet broker), run one full "
                    + "collection if the heap has grown since the last one, so that the heap shrinks and the memory "
                    + "goes back to the operating system; 0 never does. Default: ${DEFAULT-VALUE}")
    long heapReleaseIntervalMs;

    @Option(names = "--disk-free-limit-bytes", paramLabel = "BYTES", defaultValue = "52428800",
            description = "Free space the data directory's disk must keep; below it publishers are blocked. "
                    + "Default: ${DEFAULT-VALUE}")
    long diskFreeLimitBytes;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = "64",
            description = "Event loops (threads) for AMQP connections; each new connection goes to the loop with the "
                    + "fewest, so up to N connections have one of their own. Default: ${DEFAULT-VALUE}")
    int ioThreads;

    @Option(names = "--queue-threads", paramLabel = "N", defaultValue = "0",
            description = "Threads that own queues; 0 means one per core. Default: ${DEFAULT-VALUE}")
    int queueThreads;

    @Option(names = "--fsync", paramLabel = "POLICY", defaultValue = "always",
            description = "When durable queues' logs are fsynced: always (a publisher confirm follows the fsync that "
                    + "covers the message; fsyncs are batched across queues), interval (every --fsync-interval-ms; a "
                    + "machine crash may lose confirmed messages of the last interval), never (left to the operating "
                    + "system). Metadata and ack checkpoints are always fsynced. Default: ${DEFAULT-VALUE}")
    String fsync;

    @Option(names = "--fsync-interval-ms", paramLabel = "MS", defaultValue = "1000",
            description = "Period of fsyncs under --fsync interval. Default: ${DEFAULT-VALUE}")
    long fsyncIntervalMs;

    @Option(names = "--ack-checkpoint-interval-ms", paramLabel = "MS", defaultValue = "1000",
            description = "How often each durable queue writes which messages are settled; after a crash, messages "
                    + "acked within the last interval may be delivered again. Default: ${DEFAULT-VALUE}")
    long ackCheckpointIntervalMs;

    @Option(names = "--queue-segment-bytes", paramLabel = "BYTES", defaultValue = "268435456",
            description = "Segment size of durable queues' logs; fully settled segments are deleted. Must hold the "
                    + "largest message (max-message-bytes + frame-max + 4096). Default: ${DEFAULT-VALUE}")
    int queueSegmentBytes;

    @Option(names = "--queue-memory-messages", paramLabel = "N", defaultValue = "8192",
            description = "Ready messages each queue keeps in memory; beyond this or --queue-memory-bytes, new "
                    + "messages wait in the queue's log (or a spill log) and are read back as the queue drains. "
                    + "Default: ${DEFAULT-VALUE}")
    int queueMemoryMessages;

    @Option(names = "--queue-memory-bytes", paramLabel = "BYTES", defaultValue = "8388608",
            description = "Body bytes of ready messages each queue keeps in memory. Default: ${DEFAULT-VALUE}")
    long queueMemoryBytes;

    @Option(names = "--memory-paging-ratio", paramLabel = "FRACTION", defaultValue = "0.5",
            description = "Share of the memory high watermark that the ready messages of all queues together may "
                    + "take in memory (as RabbitMQ's vm_memory_high_watermark_paging_ratio); beyond it, queues that "
                    + "hold some keep new messages on disk only, so publishers go on until the alarm itself. "
                    + "Default: ${DEFAULT-VALUE}")
    double memoryPagingRatio;

    @Option(names = "--queue-mailbox-messages", paramLabel = "N", defaultValue = "1024",
            description = "Published messages that may wait for a queue's thread; past this (or "
                    + "--queue-mailbox-bytes) its publishers' connections are not read until half of it is left. "
                    + "Default: ${DEFAULT-VALUE}")
    int queueMailboxMessages;

    @Option(names = "--queue-mailbox-total-messages", paramLabel = "N", defaultValue = "0",
            description = "Published messages that may wait for the queue threads, all queues together, each copy "
                    + "of a message routed to several queues counted once per queue; past this, publishers are held "
                    + "back as by a full mailbox. 0: one per KiB of maximum heap. Default: ${DEFAULT-VALUE}")
    long queueMailboxTotalMessages;

    @Option(names = "--dead-letter-retry-ms", paramLabel = "MS", defaultValue = "180000",
            description = "How long a dead letter of an at-least-once quorum queue that reached no queue, or that "
                    + "a target refused, waits before it is routed again (RabbitMQ's "
                    + "dead_letter_worker_publisher_confirm_timeout). Default: ${DEFAULT-VALUE}")
    long deadLetterRetryMs;

    @Option(names = "--queue-mailbox-bytes", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Body bytes of the published messages that may wait for a queue's thread. "
                    + "Default: ${DEFAULT-VALUE}")
    long queueMailboxBytes;

    @Option(names = "--open-files-max", paramLabel = "N", defaultValue = "0",
            description = "Segment files of all queues' and the metadata's logs kept open at once; the least recently "
                    + "used idle one is closed when more are needed, so an idle queue holds no descriptor. At least 4 and "
                    + "below the descriptor limit (ulimit -n); 0 means half that limit, 16 to 16384. "
                    + "Default: ${DEFAULT-VALUE}")
    int openFilesMax;

    /** Settings the parsed options describe, not yet checked. */
    @Override
    public BrokerSettings call() {
        BrokerSettings settings = new BrokerSettings();
        settings.dataDir = dataDir;
        settings.amqpPort = amqpPort;
        settings.kafkaPort = kafkaPort;
        settings.kafkaAdvertisedHost = kafkaAdvertisedHost;
        settings.amqpsPort = amqpsPort;
        settings.kafkaSslPort = kafkaSslPort;
        settings.httpsPort = httpsPort;
        settings.tlsCert = tlsCert;
        settings.tlsKey = tlsKey;
        settings.tlsCa = tlsCa;
        settings.tlsFailIfNoPeerCert = tlsFailIfNoPeerCert;
        settings.tlsReloadIntervalMs = tlsReloadIntervalMs;
        settings.httpPort = httpPort;
        settings.httpBind = httpBind;
        settings.prometheusPort = prometheusPort;
        settings.statisticsIntervalMs = statisticsIntervalMs;
        settings.kafkaSecurityProtocol = kafkaSecurityProtocol;
        settings.kafkaSaslMechanisms = kafkaSaslMechanisms;
        settings.groupInitialRebalanceDelayMs = groupInitialRebalanceDelayMs;
        java.util.Map<String, String> kafka = new java.util.LinkedHashMap<>(fileKafkaConfigs);
        kafka.putAll(kafkaConfigs);
        settings.kafkaConfigs = kafka;
        settings.logCleanerBackoffMs = logCleanerBackoffMs;
        settings.offsetsRetentionMinutes = offsetsRetentionMinutes;
        settings.offsetsRetentionCheckIntervalMs = offsetsRetentionCheckIntervalMs;
        settings.logRetentionCheckIntervalMs = logRetentionCheckIntervalMs;
        settings.transactionAbortCheckIntervalMs = transactionAbortCheckIntervalMs;
        settings.maxIncrementalFetchSessionCacheSlots = maxIncrementalFetchSessionCacheSlots;
        settings.bind = bind;
        settings.users = users;
        settings.definitions = definitions;
        settings.loopbackUsers = loopbackUsers;
        settings.virtualHosts = virtualHosts;
        settings.streamVirtualHost = streamVirtualHost;
        settings.streamKeyHeader = streamKeyHeader;
        settings.frameMax = frameMax;
        settings.channelMax = channelMax;
        settings.heartbeatSeconds = heartbeatSeconds;
        settings.maxMessageBytes = maxMessageBytes;
        settings.contentBudgetBytes = contentBudgetBytes;
        settings.ioThreads = ioThreads;
        settings.queueThreads = queueThreads;
        settings.memoryHighWatermark = memoryHighWatermark;
        settings.diskFreeLimitBytes = diskFreeLimitBytes;
        settings.heapReleaseIntervalMs = heapReleaseIntervalMs;
        settings.fsync = fsync;
        settings.fsyncIntervalMs = fsyncIntervalMs;
        settings.ackCheckpointIntervalMs = ackCheckpointIntervalMs;
        settings.queueSegmentBytes = queueSegmentBytes;
        settings.queueMemoryMessages = queueMemoryMessages;
        settings.queueMemoryBytes = queueMemoryBytes;
        settings.memoryPagingRatio = memoryPagingRatio;
        settings.queueMailboxMessages = queueMailboxMessages;
        settings.queueMailboxTotalMessages = queueMailboxTotalMessages;
        settings.queueMailboxBytes = queueMailboxBytes;
        settings.deadLetterRetryMs = deadLetterRetryMs;
        settings.openFilesMax = openFilesMax;
        return settings;
    }

    /**
     * Builds the picocli model for these arguments with defaults taken from the environment and
     * the configuration file. The file is named by {@code --config} among the arguments or by
     * {@code FERRY_CONFIG}, so it is found before picocli parses the rest.
     */
    static CommandLine commandLine(String[] args, java.util.Map<String, String> environment) {
        Path configFile = configFileFrom(args, environment);
        ConfigSource source = ConfigSource.load(configFile, environment);
        FerryCommand command = new FerryCommand();
        command.fileKafkaConfigs = source.kafkaSettings();
        CommandLine commandLine = new CommandLine(command);
        commandLine.setDefaultValueProvider((ArgSpec argSpec) -> {
            if (argSpec instanceof OptionSpec option && !option.longestName().equals("--config")
                    && !option.longestName().equals("--kafka-config")) {
                return source.lookup(option.longestName().substring(2));
            }
            return null;
        });
        rejectUnknownFileSettings(commandLine, source);
        return commandLine;
    }

    private static Path configFileFrom(String[] args, java.util.Map<String, String> environment) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        String fromEnvironment = environment.get(ConfigSource.environmentName("config"));
        return fromEnvironment == null ? null : Path.of(fromEnvironment);
    }

    private static void rejectUnknownFileSettings(CommandLine commandLine, ConfigSource source) {
        Set<String> known = new HashSet<>();
        for (OptionSpec option : commandLine.getCommandSpec().options()) {
            known.add(option.longestName().substring(2));
        }
        for (String setting : source.fileSettings()) {
            if (!known.contains(setting) && !setting.startsWith(ConfigSource.KAFKA_PREFIX)) {
                throw new ConfigException("unknown setting '" + setting + "' in " + source.filePath()
                        + "; run ferry --help for the list");
            }
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Ferry " + FerryVersion.VERSION};
        }
    }
}
