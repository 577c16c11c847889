package dev.ferry.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import dev.ferry.error.BrokerException;
import dev.ferry.route.Arguments;

/**
 * The x-arguments of a queue declaration, checked once and kept typed so that later features (TTL
 * expiry, dead-lettering, length limits, priorities) read fields instead of re-parsing a table.
 * Unknown arguments are accepted and kept in {@link #raw()}, as RabbitMQ does; arguments of
 * another queue type are refused ({@link QueueType#refuses}).
 *
 * <p>Fields hold what is in effect, which for a quorum queue is not always what was sent (RabbitMQ's
 * rules): {@link #deliveryLimit()} is {@value QueueType#QUORUM_DEFAULT_DELIVERY_LIMIT} when absent
 * (RabbitMQ 4) and empty (no limit) when negative; {@code x-overflow} = {@code reject-publish-dlx}
 * acts as {@code drop-head}; {@code at-least-once} dead-lettering without {@code reject-publish}
 * or without a dead-letter exchange falls back to {@code at-most-once}. {@link #fallbacks()} says
 * which of those applied, for the log. {@link #raw()} is what was sent, compared on redeclare.
 *
 * <p>Immutable.
 */
public record QueueArguments(
        OptionalLong messageTtlMs,
        OptionalLong expiresMs,
        OptionalLong maxLength,
        OptionalLong maxLengthBytes,
        Overflow overflow,
        Optional<String> deadLetterExchange,
        Optional<String> deadLetterRoutingKey,
        OptionalInt maxPriority,
        boolean singleActiveConsumer,
        OptionalLong deliveryLimit,
        Map<String, Object> raw,
        List<Long> retryDelaysMs,
        QueueType queueType,
        DeadLetterStrategy deadLetterStrategy,
        List<String> fallbacks,
        Optional<DeduplicationSettings> deduplication) {

    public static final String MESSAGE_TTL = "x-message-ttl";
    public static final String EXPIRES = "x-expires";
    public static final String MAX_LENGTH = "x-max-length";
    public static final String MAX_LENGTH_BYTES = "x-max-length-bytes";
    public static final String OVERFLOW = "x-overflow";
    public static final String DEAD_LETTER_EXCHANGE = "x-dead-letter-exchange";
    public static final String DEAD_LETTER_ROUTING_KEY = "x-dead-letter-routing-key";
    public static final String MAX_PRIORITY = "x-max-priority";
    public static final String SINGLE_ACTIVE_CONSUMER = "x-single-active-consumer";
    public static final String DELIVERY_LIMIT = "x-delivery-limit";
    public static final String QUEUE_TYPE = "x-queue-type";
    public static final String DEAD_LETTER_STRATEGY = "x-dead-letter-strategy";
    /** RabbitMQ 3.10's classic queue mode ("default" or "lazy"): checked, then without effect here. */
    public static final String QUEUE_MODE = "x-queue-mode";
    /** RabbitMQ 3.10's classic queue index version (1 or 2): checked, then without effect here. */
    public static final String QUEUE_VERSION = "x-queue-version";
    public static final String QUORUM_INITIAL_GROUP_SIZE = "x-quorum-initial-group-size";
    public static final String QUEUE_LEADER_LOCATOR = "x-queue-leader-locator";
    /** Ferry's own: an array of waits (ms) before the 1st, 2nd, ... return of a message is ready again. */
    public static final String RETRY_DELAYS = "x-retry-delays";

    /** The arguments a redeclaration must repeat with the same value (RabbitMQ's list). */
    public static final List<String> EQUIVALENCE_KEYS = List.of(MESSAGE_TTL, EXPIRES, MAX_LENGTH,
            MAX_LENGTH_BYTES, OVERFLOW, DEAD_LETTER_EXCHANGE, DEAD_LETTER_ROUTING_KEY, MAX_PRIORITY,
            SINGLE_ACTIVE_CONSUMER, DELIVERY_LIMIT, QUEUE_TYPE, RETRY_DELAYS, DEAD_LETTER_STRATEGY,
            QUORUM_INITIAL_GROUP_SIZE, QUEUE_LEADER_LOCATOR, DeduplicationSettings.ENABLED,
            DeduplicationSettings.CACHE_SIZE, DeduplicationSettings.CACHE_TTL, DeduplicationSettings.HEADER_NAME);

    private static final List<String> QUEUE_MODES = List.of("default", "lazy");

    private static final List<String> LEADER_LOCATORS = List.of("client-local", "balanced", "random", "least-leaders");

    /** The largest x-max-priority RabbitMQ accepts. */
    public static final int MAX_SUPPORTED_PRIORITY = 255;

    public static final QueueArguments NONE = parse(Map.of(), "queue");

    /**
     * Checks and types {@code arguments}; throws 406 PRECONDITION_FAILED naming the argument when
     * one has a wrong type or value.
     *
     * @param queueDescription how error texts name the queue, e.g. {@code queue 'q' in vhost '/'}
     */
    public static QueueArguments parse(Map<String, Object> arguments, String queueDescription) {
        Map<String, Object> raw = Arguments.copyWithoutVoids(arguments);
        Parser parser = new Parser(raw, arguments == null ? Map.of() : arguments, queueDescription);
        QueueType queueType = parser.string(QUEUE_TYPE).map(name -> QueueType.fromWireName(name).orElseThrow(
                () -> parser.invalid(QUEUE_TYPE, name.equals("stream")
                        ? "a stream is a Kafka topic, declared through the stream queues of the virtual host"
                        : "\"unsupported queue type '" + name + "'\"")))
                .orElse(QueueType.CLASSIC);
        for (String key : raw.keySet()) {
            if (queueType.refuses(key)) {
                throw BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid arg '" + key + "' for "
                        + queueDescription + " of queue type " + queueType.moduleName());
            }
        }
        List<String> fallbacks = new ArrayList<>(0);
        OptionalLong messageTtl = parser.atMost(MESSAGE_TTL, parser.integer(MESSAGE_TTL, 0), MessageTtl.MAX_TTL_MS);
        OptionalLong expires = parser.atMost(EXPIRES, parser.integer(EXPIRES, 1), MessageTtl.MAX_TTL_MS);
        OptionalLong maxLength = parser.integer(MAX_LENGTH, 0);
        OptionalLong maxLengthBytes = parser.integer(MAX_LENGTH_BYTES, 0);
        Overflow overflow = parser.string(OVERFLOW)
                .map(name -> Overflow.fromWireName(name).orElseThrow(() -> parser.invalid(OVERFLOW,
                        "invalid_overflow")))
                .orElse(Overflow.DROP_HEAD);
        Object deadLetterExchangeValue = raw.get(DEAD_LETTER_EXCHANGE);
        if (deadLetterExchangeValue != null && !(deadLetterExchangeValue instanceof String)) {
            // RabbitMQ reads it as an exchange name before the other arguments, and words it so.
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid type '"
                    + Arguments.amqpTypeName(deadLetterExchangeValue) + "' for arg '" + DEAD_LETTER_EXCHANGE + "' in "
                    + queueDescription);
        }
        Optional<String> deadLetterExchange = parser.string(DEAD_LETTER_EXCHANGE);
        Optional<String> deadLetterRoutingKey = parser.string(DEAD_LETTER_ROUTING_KEY);
        if (deadLetterRoutingKey.isPresent() && deadLetterExchange.isEmpty()) {
            throw parser.invalid(DEAD_LETTER_ROUTING_KEY, "routing_key_but_no_dlx_defined");
        }
        OptionalLong maxPriority = parser.integer(MAX_PRIORITY, 0);
        if (maxPriority.isPresent() && maxPriority.getAsLong() > MAX_SUPPORTED_PRIORITY) {
            throw parser.invalid(MAX_PRIORITY, "{max_value_exceeded," + maxPriority.getAsLong() + "}");
        }
        boolean singleActiveConsumer = parser.bool(SINGLE_ACTIVE_CONSUMER);
        OptionalLong deliveryLimit = queueType == QueueType.QUORUM
                ? quorumDeliveryLimit(parser.integer(DELIVERY_LIMIT, Long.MIN_VALUE))
                : parser.integer(DELIVERY_LIMIT, 0);
        List<Long> retryDelays = parser.millisArray(RETRY_DELAYS);
        Optional<DeadLetterStrategy> strategy = parser.string(DEAD_LETTER_STRATEGY).map(name -> DeadLetterStrategy
                .fromWireName(name).orElseThrow(() -> parser.invalid(DEAD_LETTER_STRATEGY, "invalid_dlx_strategy")));
        parser.integerExpected(QUORUM_INITIAL_GROUP_SIZE, 1);
        parser.string(QUEUE_LEADER_LOCATOR).ifPresent(locator -> {
            if (!LEADER_LOCATORS.contains(locator)) {
                throw parser.invalid(QUEUE_LEADER_LOCATOR, "invalid_queue_locator_arg");
            }
        });
        parser.string(QUEUE_MODE).ifPresent(mode -> {
            if (!QUEUE_MODES.contains(mode)) {
                throw parser.invalid(QUEUE_MODE, "\"unsupported queue mode '" + mode + "'\"");
            }
        });
        parser.integerExpected(QUEUE_VERSION, 0).ifPresent(version -> {
            if (version != 1 && version != 2) {
                throw parser.invalid(QUEUE_VERSION, "\"unsupported queue version '" + version + "'\"");
            }
        });
        Optional<DeduplicationSettings> deduplication = deduplication(parser);
        if (queueType == QueueType.QUORUM && overflow == Overflow.REJECT_PUBLISH_DLX) {
            fallbacks.add("x-overflow reject-publish-dlx acts as drop-head on a quorum queue");
            overflow = Overflow.DROP_HEAD;
        }
        DeadLetterStrategy deadLetterStrategy = strategy.orElse(DeadLetterStrategy.AT_MOST_ONCE);
        if (deadLetterStrategy == DeadLetterStrategy.AT_LEAST_ONCE) {
            if (deadLetterExchange.isEmpty()) {
                fallbacks.add("x-dead-letter-strategy at-least-once has no effect without x-dead-letter-exchange");
                deadLetterStrategy = DeadLetterStrategy.AT_MOST_ONCE;
            } else if (overflow != Overflow.REJECT_PUBLISH) {
                fallbacks.add("x-dead-letter-strategy at-least-once falls back to at-most-once: it needs"
                        + " x-overflow reject-publish, not " + overflow.wireName());
                deadLetterStrategy = DeadLetterStrategy.AT_MOST_ONCE;
            }
        }
        return new QueueArguments(messageTtl, expires, maxLength, maxLengthBytes, overflow,
                deadLetterExchange, deadLetterRoutingKey,
                maxPriority.isPresent() ? OptionalInt.of((int) maxPriority.getAsLong()) : OptionalInt.empty(),
                singleActiveConsumer, deliveryLimit, raw, retryDelays, queueType, deadLetterStrategy,
                List.copyOf(fallbacks), deduplication);
    }

    /**
     * The deduplication window, when {@code x-message-deduplication} is true. Its other arguments
     * are checked whenever they are present, so a mistake shows even while deduplication is off.
     */
    private static Optional<DeduplicationSettings> deduplication(Parser parser) {
        boolean enabled = parser.bool(DeduplicationSettings.ENABLED);
        OptionalLong cacheSize = parser.integer(DeduplicationSettings.CACHE_SIZE, 1);
        if (cacheSize.isPresent() && cacheSize.getAsLong() > DeduplicationSettings.MAX_CACHE_SIZE) {
            throw parser.invalid(DeduplicationSettings.CACHE_SIZE, "{max_value_exceeded," + cacheSize.getAsLong()
                    + "}: at most " + DeduplicationSettings.MAX_CACHE_SIZE + " ids");
        }
        OptionalLong cacheTtl = parser.integer(DeduplicationSettings.CACHE_TTL, 1);
        Optional<String> headerName = parser.string(DeduplicationSettings.HEADER_NAME);
        if (headerName.isPresent() && headerName.get().isEmpty()) {
            throw parser.invalid(DeduplicationSettings.HEADER_NAME, "\"an empty header name\"");
        }
        if (!enabled) {
            return Optional.empty();
        }
        return Optional.of(new DeduplicationSettings(cacheSize.orElse(DeduplicationSettings.DEFAULT_CACHE_SIZE),
                cacheTtl, headerName.orElse(DeduplicationSettings.DEFAULT_HEADER)));
    }

    /** RabbitMQ 4: a quorum queue always has a delivery limit unless it is set negative. */
    private static OptionalLong quorumDeliveryLimit(OptionalLong declared) {
        if (declared.isEmpty()) {
            return OptionalLong.of(QueueType.QUORUM_DEFAULT_DELIVERY_LIMIT);
        }
        return declared.getAsLong() < 0 ? OptionalLong.empty() : declared;
    }

    /**
     * Reads one argument at a time and phrases errors the way RabbitMQ does. {@code declared} is the
     * table as sent, voids included: RabbitMQ refuses a void where it expects an integer.
     */
    private record Parser(Map<String, Object> raw, Map<String, Object> declared, String queueDescription) {

        OptionalLong integer(String key, long minimum) {
            Object value = raw.get(key);
            if (value == null) {
                if (declared.containsKey(key)) {
                    throw notAnInteger(key, null);
                }
                return OptionalLong.empty();
            }
            if (!Arguments.isIntegral(value)) {
                throw notAnInteger(key, value);
            }
            long number = ((Number) value).longValue();
            if (number < minimum) {
                throw invalid(key, (number < 0 ? "{value_negative," : "{value_zero,") + number + "}");
            }
            return OptionalLong.of(number);
        }

        /** {@code value} unless it is above {@code maximum}: RabbitMQ's {@code value_too_large}. */
        OptionalLong atMost(String key, OptionalLong value, long maximum) {
            if (value.isPresent() && value.getAsLong() > maximum) {
                throw invalid(key, "{value_too_large," + value.getAsLong() + "}");
            }
            return value;
        }

        /** An integer argument RabbitMQ checks with its other validator, which words a wrong type differently. */
        OptionalLong integerExpected(String key, long minimum) {
            Object value = raw.get(key);
            if (value != null && !Arguments.isIntegral(value)) {
                throw invalid(key, "\"expected integer, got " + Arguments.amqpTypeName(value) + "\"");
            }
            return integer(key, minimum);
        }

        Optional<String> string(String key) {
            Object value = raw.get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!(value instanceof String text)) {
                throw unacceptableType(key, value);
            }
            return Optional.of(text);
        }

        List<Long> millisArray(String key) {
            Object value = raw.get(key);
            if (value == null) {
                return List.of();
            }
            if (!(value instanceof List<?> items)) {
                throw unacceptableType(key, value);
            }
            List<Long> millis = new ArrayList<>(items.size());
            for (Object item : items) {
                if (!Arguments.isIntegral(item)) {
                    throw unacceptableType(key, item);
                }
                long number = ((Number) item).longValue();
                if (number < 0) {
                    throw invalid(key, "{value_negative," + number + "}");
                }
                millis.add(number);
            }
            return List.copyOf(millis);
        }

        boolean bool(String key) {
            Object value = raw.get(key);
            if (value == null) {
                return false;
            }
            if (!(value instanceof Boolean flag)) {
                throw unacceptableType(key, value);
            }
            return flag;
        }

        /** RabbitMQ's text for an integer argument of another type (an Erlang string, hence the quotes). */
        BrokerException notAnInteger(String key, Object value) {
            return invalid(key, "\"expected integer, got " + Arguments.amqpTypeName(value) + "\"");
        }

        BrokerException unacceptableType(String key, Object value) {
            return invalid(key, "{unacceptable_type," + Arguments.amqpTypeName(value) + "}");
        }

        BrokerException invalid(String key, String reason) {
            return BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid arg '" + key + "' for "
                    + queueDescription + ": " + reason);
        }
    }
}
