package dev.ferry.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;

import dev.ferry.broker.StreamTargets;
import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;
import dev.ferry.policy.VirtualHostPolicies;
import dev.ferry.route.Arguments;
import dev.ferry.text.LosslessUtf8;

/**
 * The topics of the {@link TopicRegistry} seen as AMQP stream queues ({@code x-queue-type: stream})
 * in one virtual host: every topic that is not internal is a stream of the same name there, and a
 * stream declared over AMQP is a topic with one partition. What RabbitMQ checks at a stream's
 * declaration is checked here, with RabbitMQ 3.10's texts; its retention arguments become topic
 * configs, which a policy's {@code max-age}, {@code max-length-bytes} and
 * {@code stream-max-segment-size-bytes} replace ({@link StreamPolicyConfigs}):
 *
 * <pre>
 * x-max-age                        retention.ms   ("7D": a positive number and one of Y M D h m s;
 *                                                   a year is 365 days, a month 30; without it -1,
 *                                                   no age limit, as RabbitMQ)
 * x-max-length-bytes               retention.bytes
 * x-stream-max-segment-size-bytes  segment.bytes
 * x-ferry-cleanup-policy           cleanup.policy ("delete", "compact" or "compact,delete"; Ferry's
 *                                                   own: RabbitMQ streams do not compact)
 * </pre>
 *
 * A compacted stream keeps, in its sealed segments, the latest message of each key (the routing
 * key, or the key header's value). An AMQP publish is never a tombstone (an empty body is an empty
 * value); a Kafka producer deletes a key by sending it with a null value.
 *
 * A publish routed to a stream becomes one record ({@link AmqpRecordMapping}); in a topic of more
 * than one partition its key picks the partition as Kafka's default partitioner does. The key is the
 * routing key, or the value of the header named by {@code keyHeader} when a message carries it.
 *
 * <p>Thread safety: safe from any thread; topic changes run on the registry's thread and appends on
 * each partition's owner, so nothing here takes a lock.
 */
public final class StreamQueues implements StreamTargets {
    public static final String QUEUE_TYPE = "x-queue-type";
    public static final String STREAM_TYPE = "stream";
    public static final String MODULE_NAME = "rabbit_stream_queue";
    public static final String MAX_AGE = "x-max-age";
    public static final String MAX_LENGTH_BYTES = "x-max-length-bytes";
    public static final String MAX_SEGMENT_SIZE_BYTES = "x-stream-max-segment-size-bytes";
    /** Ferry's own argument: compaction by key ({@code compact}), retention ({@code delete}) or both. */
    public static final String CLEANUP_POLICY = "x-ferry-cleanup-policy";

    /** Arguments of other queue types that RabbitMQ 3.10 refuses on a stream (checked against it). */
    private static final Set<String> REFUSED_ARGUMENTS = Set.of("x-max-length", "x-max-priority", "x-message-ttl",
            "x-expires", "x-overflow", "x-dead-letter-exchange", "x-dead-letter-routing-key",
            "x-single-active-consumer", "x-delivery-limit", "x-dead-letter-strategy", "x-quorum-initial-group-size",
            "x-queue-mode", "x-queue-version", "x-queue-master-locator", "x-max-in-memory-length",
            "x-max-in-memory-bytes");
    private static final Pattern MAX_AGE_FORMAT = Pattern.compile("([0-9]+)([YMDhms])");

    private final TopicRegistry topics;
    private final String virtualHost;
    private final String keyHeader;
    private final LongSupplier clockMs;
    // Appends on their way into each topic (by id, so a re-created name starts afresh).
    private final ConcurrentHashMap<UUID, AppendBacklog> backlogs = new ConcurrentHashMap<>();

    /** Appends that may be on their way into one stream before its publishers wait (like a queue's mailbox). */
    static final int BACKLOG_HIGH = 1024;
    static final int BACKLOG_LOW = BACKLOG_HIGH / 2;

    /**
     * @param virtualHost the virtual host the topics appear in
     * @param keyHeader   a header whose value, when a message carries it, is the Kafka key instead of
     *                    the routing key; null for none
     */
    public StreamQueues(TopicRegistry topics, String virtualHost, String keyHeader, LongSupplier clockMs) {
        this.topics = Objects.requireNonNull(topics, "topics");
        this.virtualHost = Objects.requireNonNull(virtualHost, "virtualHost");
        this.keyHeader = keyHeader == null || keyHeader.isEmpty() ? null : keyHeader;
        this.clockMs = Objects.requireNonNull(clockMs, "clockMs");
    }

    public String virtualHost() {
        return virtualHost;
    }

    /** Whether a declaration's arguments ask for a stream. */
    public static boolean asksForStream(Map<String, Object> arguments) {
        return arguments != null && STREAM_TYPE.equals(arguments.get(QUEUE_TYPE));
    }

    /** The stream of that name: a topic that is not internal. */
    public Optional<Topic> stream(String name) {
        return topics.topic(name).filter(topic -> !topic.isInternal());
    }

    /**
     * Runs {@code wake} once {@code topic} has more partitions than {@code partitionCount}, or is
     * deleted; see {@link TopicRegistry#whenPartitionCountAbove}.
     */
    public HighWatermarkWait whenPartitionCountAbove(Topic topic, int partitionCount, Runnable wake) {
        return topics.whenPartitionCountAbove(topic.id(), partitionCount, wake);
    }

    /** How RabbitMQ names a queue in its texts. */
    public String describe(String name) {
        return "queue '" + name + "' in vhost '" + virtualHost + "'";
    }

    /**
     * queue.declare of a stream: an existing topic of that name is returned as it is (its
     * retention is the topic's, which Kafka's admin tools change); otherwise the declaration is
     * checked as RabbitMQ 3.10 checks it and a topic with one partition is created.
     *
     * @return completes once the topic is recorded durably; fails with 406 texts for a refused
     *     declaration or argument
     */
    public CompletableFuture<Topic> declare(String name, boolean durable, boolean exclusive, boolean autoDelete,
                                            Map<String, Object> arguments) {
        String description = describe(name);
        if (name.isEmpty()) {
            throw preconditionFailed("Cannot declare a server-named queue for type " + MODULE_NAME);
        }
        Optional<Topic> existing = stream(name);
        if (existing.isPresent()) {
            return CompletableFuture.completedFuture(existing.get());
        }
        // RabbitMQ's order: auto-delete, then exclusive, then durable.
        if (autoDelete) {
            throw preconditionFailed("invalid property 'auto-delete' for " + description);
        }
        if (exclusive) {
            throw preconditionFailed("invalid property 'exclusive-owner' for " + description);
        }
        if (!durable) {
            throw preconditionFailed("invalid property 'non-durable' for " + description);
        }
        Map<String, String> configs = topicConfigs(arguments == null ? Map.of() : arguments, description);
        try {
            topics.validateCreate(name, 1, configs);
        } catch (BrokerException e) {
            throw preconditionFailed("invalid arguments for " + description + ": " + e.getMessage());
        }
        return topics.create(name, 1, configs).exceptionallyCompose(error -> {
            // Two declarations at once: the second finds the first's topic.
            Optional<Topic> raced = stream(name);
            return raced.isPresent() ? CompletableFuture.completedFuture(raced.get()) : CompletableFuture.failedFuture(error);
        });
    }

    @Override
    public boolean exists(String name) {
        return stream(name).isPresent();
    }

    @Override
    public CompletableFuture<?> appendIfExists(String name, Message message) {
        Optional<Topic> topic = stream(name);
        return topic.isEmpty() ? null : append(topic.get(), message);
    }

    @Override
    public CompletableFuture<Void> congestion(String name) {
        Optional<Topic> topic = stream(name);
        if (topic.isEmpty()) {
            return null;
        }
        AppendBacklog backlog = backlogs.get(topic.get().id());
        return backlog == null ? null : backlog.congestion();
    }

    /** queue.delete of a stream: its topic goes, with every record. */
    @Override
    public CompletableFuture<Void> delete(String name) {
        Optional<Topic> topic = stream(name);
        return topics.delete(name).whenComplete((ignored, error) -> topic.ifPresent(t -> backlogs.remove(t.id())));
    }

    /** The policies of this virtual host: what they set on streams goes to the topics ({@link StreamPolicyConfigs}). */
    @Override
    public void usePolicies(VirtualHostPolicies policies) {
        topics.usePolicies(policies);
    }

    /**
     * The topic configs a declaration's stream arguments stand for; 406 with RabbitMQ's text for a
     * refused argument or a bad value.
     */
    public static Map<String, String> topicConfigs(Map<String, Object> arguments, String description) {
        Map<String, String> configs = new LinkedHashMap<>();
        for (String key : arguments.keySet()) {
            if (REFUSED_ARGUMENTS.contains(key)) {
                throw preconditionFailed("invalid arg '" + key + "' for " + description + " of queue type " + MODULE_NAME);
            }
        }
        Object maxAge = arguments.get(MAX_AGE);
        if (maxAge != null) {
            if (!(maxAge instanceof String text)) {
                throw invalidArgument(MAX_AGE, description, "{unacceptable_type," + Arguments.amqpTypeName(maxAge) + "}");
            }
            configs.put(TopicConfig.RETENTION_MS, Long.toString(maxAgeMs(text)
                    .orElseThrow(() -> invalidArgument(MAX_AGE, description, "invalid_max_age"))));
        } else {
            // RabbitMQ keeps a stream declared without x-max-age whole; a Kafka topic's 7 days (or the
            // broker's log.retention.*) would delete what such a user expects to keep.
            configs.put(TopicConfig.RETENTION_MS, "-1");
        }
        nonNegativeInteger(arguments, MAX_LENGTH_BYTES, description)
                .ifPresent(bytes -> configs.put(TopicConfig.RETENTION_BYTES, Long.toString(bytes)));
        nonNegativeInteger(arguments, MAX_SEGMENT_SIZE_BYTES, description)
                .ifPresent(bytes -> configs.put(TopicConfig.SEGMENT_BYTES, Long.toString(bytes)));
        Object cleanupPolicy = arguments.get(CLEANUP_POLICY);
        if (cleanupPolicy != null) {
            String text = cleanupPolicy instanceof String string ? string : null;
            if (text == null) {
                throw invalidArgument(CLEANUP_POLICY, description,
                        "{unacceptable_type," + Arguments.amqpTypeName(cleanupPolicy) + "}");
            }
            try {
                TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, text));
            } catch (BrokerException e) {
                throw invalidArgument(CLEANUP_POLICY, description, "invalid_cleanup_policy");
            }
            configs.put(TopicConfig.CLEANUP_POLICY, text);
        }
        return configs;
    }

    /**
     * x-max-age in milliseconds: "7D", "1h", ...; empty when the text is not one. As RabbitMQ 3.10:
     * leading zeros are allowed and zero is not ("007s" is 7 s, "00s" is refused); an age too large
     * for a long (RabbitMQ's integers have no bound) is Long.MAX_VALUE ms, which keeps everything.
     * Texts with no digits or a sign ("D", "+5s") make RabbitMQ fail with INTERNAL_ERROR; they are
     * refused here as any other bad age.
     */
    public static Optional<Long> maxAgeMs(String text) {
        Matcher matcher = MAX_AGE_FORMAT.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        String digits = matcher.group(1).replaceFirst("^0+", "");
        if (digits.isEmpty()) {
            return Optional.empty();
        }
        long unitMs = switch (matcher.group(2)) {
            case "Y" -> 365L * 24 * 3600 * 1000;
            case "M" -> 30L * 24 * 3600 * 1000;
            case "D" -> 24L * 3600 * 1000;
            case "h" -> 3600L * 1000;
            case "m" -> 60L * 1000;
            default -> 1000L;
        };
        // Only digits reach the parse, so it can fail only by overflow, as the multiplication can.
        try {
            return Optional.of(Math.multiplyExact(Long.parseLong(digits), unitMs));
        } catch (NumberFormatException | ArithmeticException tooLarge) {
            return Optional.of(Long.MAX_VALUE);
        }
    }

    /**
     * Appends a routed message to the stream as one record.
     *
     * @return completes once the record is durable (fsynced), as a publisher confirm requires; fails
     *     with a {@link BrokerException} (the topic was deleted, the record is too large, ...)
     */
    public CompletableFuture<AppendResult> append(Topic topic, Message message) {
        byte[] key = keyOf(message);
        Partition partition = topic.partition(AmqpRecordMapping.partitionFor(key, topic.partitionCount()));
        long nowMs = clockMs.getAsLong();
        ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE,
                AmqpRecordMapping.toRecord(message, key, nowMs)).buffer();
        AppendBacklog backlog = backlogs.computeIfAbsent(topic.id(), id -> new AppendBacklog(BACKLOG_HIGH, BACKLOG_LOW));
        backlog.started();
        CompletableFuture<AppendResult> appended = partition.append(batch, nowMs);
        appended.whenComplete((result, error) -> backlog.finished());
        return appended;
    }

    /** The Kafka key of a message: the key header's value when it carries one, else the routing key. */
    byte[] keyOf(Message message) {
        if (keyHeader != null && message.properties().headers() != null) {
            Object value = message.properties().headers().get(keyHeader);
            if (value instanceof String text) {
                return LosslessUtf8.encode(text);
            }
            if (value instanceof byte[] bytes) {
                return bytes;
            }
            if (value != null) {
                return value.toString().getBytes(StandardCharsets.UTF_8);
            }
        }
        return LosslessUtf8.encode(message.routingKey());
    }

    private static Optional<Long> nonNegativeInteger(Map<String, Object> arguments, String key, String description) {
        Object value = arguments.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!Arguments.isIntegral(value)) {
            throw invalidArgument(key, description, "\"expected integer, got " + Arguments.amqpTypeName(value) + "\"");
        }
        long number = ((Number) value).longValue();
        if (number < 0) {
            throw invalidArgument(key, description, "{value_negative," + number + "}");
        }
        return Optional.of(number);
    }

    private static BrokerException invalidArgument(String key, String description, String reason) {
        return preconditionFailed("invalid arg '" + key + "' for " + description + ": " + reason);
    }

    private static BrokerException preconditionFailed(String text) {
        return BrokerException.preconditionFailed("PRECONDITION_FAILED - " + text);
    }
}
