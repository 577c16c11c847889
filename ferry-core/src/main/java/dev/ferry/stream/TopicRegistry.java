package dev.ferry.stream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FileTrees;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogCleaner;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.LogSlice;
import dev.ferry.policy.VirtualHostPolicies;
import dev.ferry.text.LogSafe;

/**
 * Every topic of the broker, and the durable record of their definitions.
 *
 * <h2>Files</h2>
 * <pre>
 *   &lt;data&gt;/meta.properties                 {@link ClusterIdentity}: cluster id and node id
 *   &lt;data&gt;/topic-registry/                  a {@link Log} of {@link RegistryRecord}s (fsync always)
 *   &lt;data&gt;/topics/&lt;topic&gt;-&lt;partition&gt;/      each partition's log ({@link Partition})
 *   &lt;data&gt;/topics/&lt;dir&gt;.&lt;id&gt;-delete/        a deleted topic's partition being removed
 *   &lt;data&gt;/topics/&lt;dir&gt;.&lt;id&gt;-stray/         a directory found under a live topic's name but
 *                                          belonging to another topic id: set aside, never deleted
 * </pre>
 *
 * <h2>Changes</h2>
 * Creating, deleting, adding partitions, changing configs and reserving producer ids run one at a
 * time on the registry's own thread, which is the registry log's writer: each change is first
 * recorded and fsynced, then applied (partition directories created or removed), then published.
 * A crash after the record and before the directories were made is finished at the next start,
 * which replays the record; a crash while a deleted topic's files are being removed leaves
 * {@code -delete} directories that the next start removes.
 *
 * <h2>Policies</h2>
 * The policies of the virtual host the streams appear in ({@link #usePolicies}) may set a stream's
 * retention and segment size ({@link StreamPolicyConfigs}). They are not recorded here: they are
 * the access log's, and arrive again at every start. A policy change reconfigures every topic whose
 * effective config it changes and runs a retention round on its partitions at once, as RabbitMQ
 * applies a stream's new retention at once; clearing the policy gives the topic its own config back.
 *
 * <p>Lookups ({@link #topic}, {@link #topics}) read a concurrent map and never wait.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class TopicRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicRegistry.class);
    static final String TOPICS_DIRECTORY = "topics";
    static final String REGISTRY_DIRECTORY = "topic-registry";
    static final String DELETE_SUFFIX = "-delete";
    static final String STRAY_SUFFIX = "-stray";
    /** The most partitions one request may create: a partition is a directory and a few files. */
    public static final int PARTITIONS_PER_REQUEST_MAX = 10_000;
    /** Producer ids are reserved durably in blocks of this many, so InitProducerId rarely waits for a disk. */
    static final long PRODUCER_ID_BLOCK = 1000;
    private static final int READ_BYTES = 1024 * 1024;

    private final Path dataDirectory;
    private final Path topicsDirectory;
    private final LogFlusher flusher;
    private final boolean ownsFlusher;
    private final FileHandleCache files;
    private final ClusterIdentity identity;
    private final ExecutorService registryThread;
    private final PartitionOwners owners;
    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Topic> topicsById = new ConcurrentHashMap<>();
    // Readers of every partition of a topic (AMQP stream consumers) parked until it grows: by topic id.
    private final ConcurrentHashMap<UUID, HighWatermarkWaiters> growthWaiters = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService maintenance;
    private volatile LogCleaner cleaner;
    private volatile boolean closed;

    // Registry-thread-only (and the opening thread before the registry is published).
    private final Log registryLog;
    private long nextProducerId;
    private long producerIdsReservedUpTo;
    private VirtualHostPolicies policies;
    private final TopicDefaults defaults;

    private TopicRegistry(Path dataDirectory, LogFlusher flusher, boolean ownsFlusher, FileHandleCache files,
            ClusterIdentity identity, Log registryLog, int ownerThreads, VirtualHostPolicies policies,
            TopicDefaults defaults) {
        this.defaults = defaults;
        this.dataDirectory = dataDirectory;
        this.topicsDirectory = dataDirectory.resolve(TOPICS_DIRECTORY);
        this.flusher = flusher;
        this.ownsFlusher = ownsFlusher;
        this.files = files;
        this.identity = identity;
        this.registryLog = registryLog;
        this.policies = policies;
        this.registryThread = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "ferry-topic-registry");
            thread.setDaemon(true);
            return thread;
        });
        this.owners = new PartitionOwners(ownerThreads);
    }

    /** As {@link #open(Path, LogFlusher, FileHandleCache, int)} with a private flusher, the process's file cache, and an owner thread per core. */
    public static TopicRegistry open(Path dataDirectory) {
        return open(dataDirectory, null, FileHandleCache.processDefault(), Runtime.getRuntime().availableProcessors());
    }

    /**
     * Opens the topics in {@code dataDirectory}: reads (or creates) the cluster identity, replays
     * the registry log, opens every partition (rebuilding its producer state), removes what
     * deletions left half done, and sets aside partition directories that belong to another topic id.
     *
     * @param sharedFlusher the broker's flusher (one per disk), or null for a private one closed with the registry
     * @param files the broker's file handle cache
     * @param ownerThreads how many threads own partitions
     * @throws UncheckedIOException if the identity, the registry or a partition cannot be read
     */
    public static TopicRegistry open(Path dataDirectory, LogFlusher sharedFlusher, FileHandleCache files, int ownerThreads) {
        return open(dataDirectory, sharedFlusher, files, ownerThreads, VirtualHostPolicies.NONE);
    }

    /**
     * As {@link #open(Path, LogFlusher, FileHandleCache, int)}, the partitions opened with what
     * {@code policies} (those of the streams' virtual host, as they stand at start) make of their
     * configs, so that a policy's segment size holds from the first append.
     */
    public static TopicRegistry open(Path dataDirectory, LogFlusher sharedFlusher, FileHandleCache files, int ownerThreads,
                                     VirtualHostPolicies policies) {
        return open(dataDirectory, sharedFlusher, files, ownerThreads, policies, TopicDefaults.NONE);
    }

    /**
     * As {@link #open(Path, LogFlusher, FileHandleCache, int, VirtualHostPolicies)}, every topic's
     * configs taking {@code defaults} (the broker's Kafka settings) for the names it does not override,
     * and topics created without a partition count getting {@code defaults.numPartitions()}.
     */
    public static TopicRegistry open(Path dataDirectory, LogFlusher sharedFlusher, FileHandleCache files, int ownerThreads,
                                     VirtualHostPolicies policies, TopicDefaults defaults) {
        LogFlusher flusher = sharedFlusher != null ? sharedFlusher : new LogFlusher("ferry-stream-flusher");
        Log registryLog = null;
        TopicRegistry registry = null;
        try {
            Files.createDirectories(dataDirectory.resolve(TOPICS_DIRECTORY));
            ClusterIdentity identity = ClusterIdentity.loadOrCreate(dataDirectory);
            registryLog = Log.open(dataDirectory.resolve(REGISTRY_DIRECTORY), registryLogConfig(), flusher, files);
            registry = new TopicRegistry(dataDirectory, flusher, sharedFlusher == null, files, identity, registryLog,
                    ownerThreads, policies, defaults);
            registry.recover(System.currentTimeMillis());
            return registry;
        } catch (IOException | RuntimeException e) {
            if (registry != null) {
                registry.close();
            } else {
                if (registryLog != null) {
                    registryLog.close();
                }
                if (sharedFlusher == null) {
                    flusher.close();
                }
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("opening the topics in " + dataDirectory + " failed: " + e.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    private static LogConfig registryLogConfig() {
        return new LogConfig().segmentBytesMax(16 * 1024 * 1024).batchBytesMax(1024 * 1024)
                .fsyncPolicy(FsyncPolicy.ALWAYS);
    }

    private record Definition(UUID id, String name, int partitions, Map<String, String> configs) {
    }

    /** Replays the registry log, then opens the topics that stand. Runs on the opening thread. */
    private void recover(long nowMs) throws IOException {
        Map<UUID, Definition> standing = new LinkedHashMap<>();
        long offset = registryLog.logStartOffset();
        while (offset < registryLog.logEndOffset()) {
            LogSlice slice = registryLog.read(offset, READ_BYTES);
            for (Record record : slice.readRecords()) {
                ByteBuffer value = record.value();
                byte[] bytes = new byte[value.remaining()];
                value.get(bytes);
                RegistryRecord change;
                try {
                    change = RegistryRecord.decode(bytes);
                } catch (IOException e) {
                    throw new IOException("the topic registry record at offset " + record.offset() + " in "
                            + registryLog.directory() + " cannot be read: " + e.getMessage(), e);
                }
                replay(change, standing);
            }
            offset = slice.nextOffset();
        }
        nextProducerId = producerIdsReservedUpTo;
        removeHalfDeleted();
        for (Definition definition : standing.values()) {
            TopicConfig config = TopicConfig.of(definition.configs(), defaults);
            TopicConfig effective = effectiveConfig(definition.name(), config);
            List<Partition> partitions = new ArrayList<>();
            try {
                for (int i = 0; i < definition.partitions(); i++) {
                    partitions.add(openPartition(definition.name(), definition.id(), i, effective, nowMs));
                }
            } catch (IOException | RuntimeException e) {
                partitions.forEach(Partition::close);
                throw e;
            }
            publish(new Topic(definition.name(), definition.id(), partitions, config, effective));
        }
        reportStrays(standing);
        LOG.info("Topics: {} opened from {} (cluster id {}, node {})", topics.size(), dataDirectory,
                identity.clusterId(), identity.nodeId());
    }

    private void replay(RegistryRecord change, Map<UUID, Definition> standing) {
        if (change instanceof RegistryRecord.TopicCreated created) {
            standing.put(created.id(), new Definition(created.id(), created.name(), created.partitions(), created.configs()));
        } else if (change instanceof RegistryRecord.TopicDeleted deleted) {
            standing.remove(deleted.id());
        } else if (change instanceof RegistryRecord.PartitionsAdded added) {
            standing.computeIfPresent(added.id(), (id, d) -> new Definition(id, d.name(), added.partitions(), d.configs()));
        } else if (change instanceof RegistryRecord.ConfigsChanged changed) {
            standing.computeIfPresent(changed.id(), (id, d) -> new Definition(id, d.name(), d.partitions(), changed.configs()));
        } else if (change instanceof RegistryRecord.ProducerIdsReserved reserved) {
            producerIdsReservedUpTo = Math.max(producerIdsReservedUpTo, reserved.upTo());
        }
    }

    private void removeHalfDeleted() throws IOException {
        try (Stream<Path> children = Files.list(topicsDirectory)) {
            for (Path child : children.toList()) {
                if (child.getFileName().toString().endsWith(DELETE_SUFFIX)) {
                    LOG.info("Topics: removing {}, left by a deletion that did not finish", child.getFileName());
                    FileTrees.deleteRecursively(child);
                }
            }
        }
    }

    private void reportStrays(Map<UUID, Definition> standing) throws IOException {
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (Definition definition : standing.values()) {
            for (int i = 0; i < definition.partitions(); i++) {
                expected.add(definition.name() + "-" + i);
            }
        }
        try (Stream<Path> children = Files.list(topicsDirectory)) {
            for (Path child : children.toList()) {
                String name = child.getFileName().toString();
                if (!expected.contains(name) && !name.endsWith(STRAY_SUFFIX)) {
                    LOG.warn("Topics: {} belongs to no topic; left in place (remove it if it is not needed)", child);
                }
            }
        }
    }

    /** Opens partition {@code index}, first setting aside a directory of that name that belongs to another topic id. */
    private Partition openPartition(String topic, UUID id, int index, TopicConfig config, long nowMs) throws IOException {
        Path directory = topicsDirectory.resolve(topic + "-" + index);
        UUID found = Files.isDirectory(directory) ? Partition.directoryTopicId(directory) : null;
        if (found != null && !found.equals(id)) {
            Path aside = directory.resolveSibling(directory.getFileName() + "." + hex(found) + STRAY_SUFFIX);
            Files.move(directory, aside);
            SmallFiles.fsyncDirectory(topicsDirectory);
            LOG.warn("Topics: {} belonged to topic id {}, not {}; moved to {}", directory.getFileName(), found, id,
                    aside.getFileName());
        }
        return Partition.open(topic, id, index, directory, config, flusher, files, owners.assign(), nowMs);
    }

    private static String hex(UUID id) {
        return id.toString().replace("-", "");
    }

    private void publish(Topic topic) {
        topics.put(topic.name(), topic);
        topicsById.put(topic.id(), topic);
    }

    /**
     * Checks a CreateTopics request without creating anything (for {@code validate_only}, and the
     * first step of {@link #create}).
     *
     * @throws BrokerException INVALID_TOPIC, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS or INVALID_CONFIG
     */
    public TopicConfig validateCreate(String name, int partitions, Map<String, String> configs) {
        TopicNames.check(name);
        if (topics.containsKey(name)) {
            throw new BrokerException(ErrorCode.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
        }
        String key = TopicNames.collisionKey(name);
        for (String existing : topics.keySet()) {
            if (TopicNames.collisionKey(existing).equals(key)) {
                // '.' and '_' are the same character in metric names.
                throw new BrokerException(ErrorCode.INVALID_TOPIC, "Topic '" + name + "' collides with existing topic: "
                        + existing);
            }
        }
        checkPartitionCount(partitions);
        return TopicConfig.of(configs, defaults);
    }

    /** Kafka's texts for a CreatePartitions that would not add any. */
    public static String notAnIncrease(String topic, int current, int requested) {
        return requested == current ? "Topic already has " + current + " partition(s)."
                : "The topic " + topic + " currently has " + current + " partition(s); " + requested
                        + " would not be an increase.";
    }

    private static void checkPartitionCount(int partitions) {
        if (partitions <= 0) {
            throw new BrokerException(ErrorCode.INVALID_PARTITIONS,
                    "Number of partitions was set to an invalid non-positive value.");
        }
        if (partitions > PARTITIONS_PER_REQUEST_MAX) {
            throw new BrokerException(ErrorCode.INVALID_PARTITIONS, partitions + " partitions are more than the "
                    + PARTITIONS_PER_REQUEST_MAX + " one request may create");
        }
    }

    /**
     * Creates a topic: recorded durably, its partition directories made, then visible.
     *
     * @return completes with the topic; fails with a {@link BrokerException} (INVALID_TOPIC,
     *     TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_CONFIG, STORAGE_ERROR)
     */
    public CompletableFuture<Topic> create(String name, int partitions, Map<String, String> configs) {
        return onRegistryThread(() -> {
            TopicConfig config = validateCreate(name, partitions, configs);
            UUID id = UUID.randomUUID();
            record(new RegistryRecord.TopicCreated(id, name, partitions, config.overrides()));
            long nowMs = System.currentTimeMillis();
            TopicConfig effective = effectiveConfig(name, config);
            List<Partition> opened = new ArrayList<>();
            try {
                for (int i = 0; i < partitions; i++) {
                    opened.add(openPartition(name, id, i, effective, nowMs));
                }
            } catch (IOException | RuntimeException e) {
                opened.forEach(p -> p.close().join());
                record(new RegistryRecord.TopicDeleted(id, name));
                throw new BrokerException(ErrorCode.STORAGE_ERROR, "creating the partitions of topic '" + name
                        + "' failed: " + e.getMessage());
            }
            Topic topic = new Topic(name, id, opened, config, effective);
            publish(topic);
            LOG.info("Topic '{}' created: id {}, {} partitions{}", name, id, partitions,
                    config.overrides().isEmpty() ? "" : ", " + config.overrides());
            return topic;
        });
    }

    /**
     * Deletes a topic: recorded durably, gone from lookups, its partitions closed (parked readers
     * woken; later calls fail with UNKNOWN_TOPIC_OR_PARTITION) and their directories removed.
     *
     * @return fails with UNKNOWN_TOPIC_OR_PARTITION if there is no such topic
     */
    public CompletableFuture<Void> delete(String name) {
        return onRegistryThread(() -> {
            Topic topic = topics.get(name);
            if (topic == null) {
                throw StreamErrors.unknownTopic(name);
            }
            record(new RegistryRecord.TopicDeleted(topic.id(), name));
            topics.remove(name);
            topicsById.remove(topic.id());
            HighWatermarkWaiters growth = growthWaiters.remove(topic.id());
            if (growth != null) {
                growth.wakeAll();
            }
            for (Partition partition : topic.partitions()) {
                try {
                    partition.close().join();
                } catch (RuntimeException e) {
                    LOG.warn("Topic '{}': closing partition {} failed: {}", name, partition.index(), e.toString());
                }
                removeFiles(partition.directory(), topic.id());
            }
            LOG.info("Topic '{}' (id {}) deleted", name, topic.id());
            return null;
        });
    }

    private void removeFiles(Path directory, UUID id) {
        Path doomed = directory.resolveSibling(directory.getFileName() + "." + hex(id) + DELETE_SUFFIX);
        try {
            Files.move(directory, doomed);
            SmallFiles.fsyncDirectory(topicsDirectory);
            FileTrees.deleteRecursively(doomed);
        } catch (IOException e) {
            LOG.warn("Topics: removing {} failed ({}); the next start retries", directory.getFileName(), e.toString());
        }
    }

    /**
     * Raises a topic's partition count to {@code totalCount} (Kafka's CreatePartitions). Existing
     * partitions keep their records; keyed records may now map to other partitions, as in Kafka.
     *
     * @return completes with the new topic snapshot; fails with UNKNOWN_TOPIC_OR_PARTITION, or
     *     INVALID_PARTITIONS if {@code totalCount} is not above the current count
     */
    public CompletableFuture<Topic> createPartitions(String name, int totalCount) {
        return onRegistryThread(() -> {
            Topic topic = topics.get(name);
            if (topic == null) {
                throw StreamErrors.unknownTopic(name);
            }
            int current = topic.partitionCount();
            if (totalCount <= current) {
                throw new BrokerException(ErrorCode.INVALID_PARTITIONS, notAnIncrease(name, current, totalCount));
            }
            checkPartitionCount(totalCount - current);
            record(new RegistryRecord.PartitionsAdded(topic.id(), totalCount));
            List<Partition> partitions = new ArrayList<>(topic.partitions());
            long nowMs = System.currentTimeMillis();
            try {
                for (int i = current; i < totalCount; i++) {
                    partitions.add(openPartition(name, topic.id(), i, topic.effectiveConfig(), nowMs));
                }
            } catch (IOException | RuntimeException e) {
                partitions.subList(current, partitions.size()).forEach(p -> p.close().join());
                record(new RegistryRecord.PartitionsAdded(topic.id(), current));
                throw new BrokerException(ErrorCode.STORAGE_ERROR, "adding partitions to topic '" + name + "' failed: "
                        + e.getMessage());
            }
            Topic grown = new Topic(name, topic.id(), partitions, topic.config(), topic.effectiveConfig());
            publish(grown);
            HighWatermarkWaiters growth = growthWaiters.get(topic.id());
            if (growth != null) {
                growth.advanced(totalCount);
            }
            LOG.info("Topic '{}': partitions {} -> {}", name, current, totalCount);
            return grown;
        });
    }

    /**
     * Changes a topic's config overrides: each entry sets a value, or with a null value returns the
     * name to its default (Kafka's IncrementalAlterConfigs SET and DELETE). Retention, segment age,
     * size and timestamp limits, the cleanup policy and the compaction settings take effect at once; {@code segment.bytes},
     * {@code index.interval.bytes} and {@code file.delete.delay.ms} when the partition is next opened.
     *
     * @return completes with the new topic snapshot; fails with UNKNOWN_TOPIC_OR_PARTITION or INVALID_CONFIG
     */
    public CompletableFuture<Topic> alterConfigs(String name, Map<String, String> changes) {
        return onRegistryThread(() -> {
            Topic topic = topics.get(name);
            if (topic == null) {
                throw StreamErrors.unknownTopic(name);
            }
            TopicConfig config = topic.config().with(changes);
            if (config.equals(topic.config())) {
                return topic;
            }
            record(new RegistryRecord.ConfigsChanged(topic.id(), config.overrides()));
            TopicConfig effective = effectiveConfig(name, config);
            topic.partitions().forEach(p -> p.configure(effective));
            Topic changed = new Topic(name, topic.id(), topic.partitions(), config, effective);
            publish(changed);
            LOG.info("Topic '{}': configs now {}", LogSafe.text(name), LogSafe.text(String.valueOf(config.overrides())));
            return changed;
        });
    }

    /**
     * The policies of the streams' virtual host changed (a durable change of the access log): every
     * topic whose effective config they change gets it, and a retention round at once. Retention and
     * segment age apply from that round on; a segment size when the partition is next opened.
     *
     * @return completes once every topic is reconfigured (the retention rounds may still be running)
     */
    public CompletableFuture<Void> usePolicies(VirtualHostPolicies next) {
        return onRegistryThread(() -> {
            policies = next;
            long nowMs = System.currentTimeMillis();
            for (Topic topic : topics.values()) {
                TopicConfig effective = effectiveConfig(topic.name(), topic.config());
                if (effective.equals(topic.effectiveConfig())) {
                    continue;
                }
                topic.partitions().forEach(p -> p.configure(effective));
                publish(new Topic(topic.name(), topic.id(), topic.partitions(), topic.config(), effective));
                LOG.info("Topic '{}': policy makes its configs {}", LogSafe.text(topic.name()),
                        LogSafe.text(String.valueOf(effective.overrides())));
                for (Partition partition : topic.partitions()) {
                    partition.maintain(nowMs).exceptionally(e -> {
                        LOG.warn("Partition {}: retention after a policy change failed: {}", partition.name(), e.getMessage());
                        return 0;
                    });
                }
            }
            return null;
        });
    }

    /** What the policies make of a topic's own config. Registry thread (or the opening thread) only. */
    private TopicConfig effectiveConfig(String name, TopicConfig own) {
        return StreamPolicyConfigs.effective(own, StreamPolicyConfigs.of(policies, name, Topic.isInternalName(name)));
    }

    /**
     * Hands out a producer id for InitProducerId, never the same twice, across restarts too (ids
     * are reserved durably a block at a time, so most calls do not wait for a disk).
     */
    public CompletableFuture<Long> allocateProducerId() {
        return onRegistryThread(() -> {
            if (nextProducerId >= producerIdsReservedUpTo) {
                long upTo = nextProducerId + PRODUCER_ID_BLOCK;
                record(new RegistryRecord.ProducerIdsReserved(upTo));
                producerIdsReservedUpTo = upTo;
            }
            return nextProducerId++;
        });
    }

    /** Appends {@code change} to the registry log and waits until it is fsynced. Registry thread only. */
    private void record(RegistryRecord change) {
        try {
            registryLog.append(List.of(new SimpleRecord(RegistryRecord.encode(change)))).join();
        } catch (RuntimeException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "recording a topic change failed: "
                    + StreamErrors.translate(e, REGISTRY_DIRECTORY).getMessage());
        }
    }

    private interface Change<T> {
        T apply() throws IOException;
    }

    private <T> CompletableFuture<T> onRegistryThread(Change<T> change) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new BrokerException(ErrorCode.STORAGE_ERROR, "the topic registry is closed"));
            return result;
        }
        try {
            registryThread.execute(() -> {
                try {
                    result.complete(change.apply());
                } catch (BrokerException e) {
                    result.completeExceptionally(e);
                } catch (IOException | RuntimeException e) {
                    LOG.error("Topics: a change failed: {}", e.toString());
                    result.completeExceptionally(new BrokerException(ErrorCode.STORAGE_ERROR, e.getMessage()));
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new BrokerException(ErrorCode.STORAGE_ERROR, "the topic registry is closed"));
        }
        return result;
    }

    /** The topic named {@code name}, if it exists. */
    public Optional<Topic> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** The topic with id {@code id}, if it exists. */
    public Optional<Topic> topic(UUID id) {
        return Optional.ofNullable(topicsById.get(id));
    }

    /**
     * Partition {@code index} of topic {@code name}: the lookup a Produce or Fetch makes per partition.
     *
     * @throws BrokerException {@link ErrorCode#UNKNOWN_TOPIC_OR_PARTITION} if either does not exist
     */
    public Partition partition(String name, int index) {
        Topic topic = topics.get(name);
        if (topic == null) {
            throw StreamErrors.unknownTopic(name);
        }
        return topic.partition(index);
    }

    /**
     * Runs {@code wake} once topic {@code topicId} has more than {@code partitionCount} partitions
     * (at once if it already has), or when it is deleted (at once if it is gone): for a reader of
     * every partition, which then starts on the new ones. {@code wake} runs on the registry thread
     * and must only hand work on; cancel the returned wait when the reader stops.
     */
    public HighWatermarkWait whenPartitionCountAbove(UUID topicId, int partitionCount, Runnable wake) {
        HighWatermarkWaiters waiters = growthWaiters.computeIfAbsent(topicId, id -> new HighWatermarkWaiters(() -> {
            Topic current = topicsById.get(id);
            return current == null ? Long.MAX_VALUE : current.partitionCount();
        }));
        waiters.dropCancelled(); // consumers that came and went on a topic that never grew
        HighWatermarkWait wait = waiters.register(partitionCount, wake);
        if (!topicsById.containsKey(topicId)) {
            // Gone: the wait fired at once (the count reads as unbounded); drop the entry made again for it.
            growthWaiters.remove(topicId, waiters);
        }
        return wait;
    }

    /** How many waits on the partition count of topic {@code topicId} are kept, withdrawn ones included. */
    int partitionCountWaits(UUID topicId) {
        HighWatermarkWaiters waiters = growthWaiters.get(topicId);
        return waiters == null ? 0 : waiters.size();
    }

    /** Every topic, in no particular order. */
    public Collection<Topic> topics() {
        return List.copyOf(topics.values());
    }

    /** The broker's topic defaults (Kafka's num.partitions, log.retention.hours and the like). */
    public TopicDefaults defaults() {
        return defaults;
    }

    public ClusterIdentity identity() {
        return identity;
    }

    /**
     * One round of upkeep on every partition (segment roll by {@code segment.ms}, retention by
     * {@code retention.ms} / {@code retention.bytes}), each run as a command by the partition's
     * owner with {@code nowMs} as its time.
     *
     * @return completes when every partition has done its round, with the segments deleted
     */
    public CompletableFuture<Integer> runMaintenance(long nowMs) {
        List<CompletableFuture<Integer>> rounds = new ArrayList<>();
        for (Topic topic : topics.values()) {
            for (Partition partition : topic.partitions()) {
                rounds.add(partition.maintain(nowMs).exceptionally(e -> {
                    LOG.warn("Partition {}: maintenance failed: {}", partition.name(), e.getMessage());
                    return 0;
                }));
            }
        }
        return CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new))
                .thenApply(done -> rounds.stream().mapToInt(CompletableFuture::join).sum());
    }

    /**
     * Starts a thread that runs {@link #runMaintenance} every {@code intervalMs} with the wall
     * clock (Kafka's {@code log.retention.check.interval.ms}, 5 minutes by default). Once.
     */
    public synchronized void startMaintenance(long intervalMs) {
        if (maintenance != null || closed) {
            return;
        }
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ferry-stream-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                runMaintenance(System.currentTimeMillis()).join();
            } catch (RuntimeException e) {
                LOG.warn("Topics: a maintenance round failed: {}", e.toString());
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        maintenance = scheduler;
    }

    /**
     * Starts the log cleaner, which compacts the partitions of topics whose {@code cleanup.policy}
     * holds {@code compact} on a thread of its own, looking for work every {@code backoffMs}
     * (Kafka's {@code log.cleaner.backoff.ms}). Once.
     */
    public synchronized void startCleaner(long backoffMs) {
        startCleaner(backoffMs, List::of);
    }

    /**
     * As {@link #startCleaner(long)}, the cleaner also compacting the logs {@code internalLogs}
     * names each round (the consumer groups' offsets log).
     */
    public synchronized void startCleaner(long backoffMs, Supplier<List<LogCleaner.Target>> internalLogs) {
        if (cleaner != null || closed) {
            return;
        }
        cleaner = new LogCleaner(() -> {
            List<LogCleaner.Target> targets = compactedLogs();
            targets.addAll(internalLogs.get());
            return targets;
        }, backoffMs, LogCleaner.KEY_MAP_BYTES_DEFAULT).start();
    }

    /** The running log cleaner, or null before {@link #startCleaner}. */
    public LogCleaner cleaner() {
        return cleaner;
    }

    /** Every partition log of a compacted topic, with its topic's compaction settings now. */
    private List<LogCleaner.Target> compactedLogs() {
        List<LogCleaner.Target> targets = new ArrayList<>();
        for (Topic topic : topics.values()) {
            if (topic.config().cleanupCompacts()) {
                for (Partition partition : topic.partitions()) {
                    targets.add(new LogCleaner.Target(partition.log(), topic.config().compactionSettings()));
                }
            }
        }
        return targets;
    }

    /**
     * Closes every partition (each append that returned is durable afterwards) and the registry.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ScheduledExecutorService scheduler = maintenance;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        LogCleaner logCleaner = cleaner;
        if (logCleaner != null) {
            logCleaner.close();
        }
        registryThread.shutdown();
        try {
            registryThread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Topic topic : topics.values()) {
            for (Partition partition : topic.partitions()) {
                closing.add(partition.close().exceptionally(e -> {
                    LOG.warn("Partition {}: close failed: {}", partition.name(), e.toString());
                    return null;
                }));
            }
        }
        closing.forEach(CompletableFuture::join);
        owners.close();
        try {
            registryLog.close();
        } catch (RuntimeException e) {
            LOG.warn("Topics: closing the registry log failed: {}", e.toString());
        }
        if (ownsFlusher) {
            flusher.close();
        }
    }
}
