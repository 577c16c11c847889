package dev.ferry.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import dev.ferry.text.ErlangTerms;

/**
 * The definition keys a policy may set and how each is checked, with RabbitMQ 3.10's texts.
 *
 * <p>User policies: RabbitMQ's queue and exchange keys, Ferry's {@value #RETRY_DELAYS}, the stream
 * retention keys, and keys accepted with no effect on one node ({@code queue-mode},
 * {@code queue-version}, {@code max-in-memory-*}, classic mirroring's {@code ha-*}), so that a
 * definitions file exported from RabbitMQ imports. Operator policies: only the limits RabbitMQ 3.10
 * allows there. Anything else is "not recognised", as in RabbitMQ.
 */
public final class PolicyDefinitions {
    public static final String DEAD_LETTER_EXCHANGE = "dead-letter-exchange";
    public static final String DEAD_LETTER_ROUTING_KEY = "dead-letter-routing-key";
    public static final String DEAD_LETTER_STRATEGY = "dead-letter-strategy";
    public static final String MESSAGE_TTL = "message-ttl";
    public static final String EXPIRES = "expires";
    public static final String MAX_LENGTH = "max-length";
    public static final String MAX_LENGTH_BYTES = "max-length-bytes";
    public static final String OVERFLOW = "overflow";
    public static final String DELIVERY_LIMIT = "delivery-limit";
    public static final String ALTERNATE_EXCHANGE = "alternate-exchange";
    public static final String QUEUE_MODE = "queue-mode";
    /** Ferry's own: the waits before a returned message is ready again, as {@code x-retry-delays}. */
    public static final String RETRY_DELAYS = "retry-delays";
    public static final String MAX_AGE = "max-age";
    public static final String STREAM_MAX_SEGMENT_SIZE_BYTES = "stream-max-segment-size-bytes";

    private static final Pattern MAX_AGE_FORMAT = Pattern.compile("[0-9]+[YMDhms]");
    private static final Set<String> HA_KEYS = Set.of("ha-mode", "ha-params", "ha-sync-mode", "ha-sync-batch-size",
            "ha-promote-on-shutdown", "ha-promote-on-failure", "queue-master-locator");

    private record Rule(Predicate<Object> valid, String refusal) {
    }

    private static final Map<String, Rule> USER_RULES = new LinkedHashMap<>();
    private static final Map<String, Rule> OPERATOR_RULES = new LinkedHashMap<>();

    static {
        USER_RULES.put(DEAD_LETTER_EXCHANGE, new Rule(PolicyDefinitions::isString, "is not a valid dead letter exchange name"));
        USER_RULES.put(DEAD_LETTER_ROUTING_KEY, new Rule(PolicyDefinitions::isString, "is not a valid dead letter routing key"));
        USER_RULES.put(DEAD_LETTER_STRATEGY, new Rule(v -> "at-most-once".equals(v) || "at-least-once".equals(v),
                "is not a valid dead letter strategy"));
        USER_RULES.put(MESSAGE_TTL, new Rule(v -> atLeast(v, 0), "is not a valid message TTL"));
        USER_RULES.put(EXPIRES, new Rule(v -> atLeast(v, 1), "is not a valid queue expiry"));
        USER_RULES.put(MAX_LENGTH, new Rule(v -> atLeast(v, 0), "is not a valid maximum length"));
        USER_RULES.put(MAX_LENGTH_BYTES, new Rule(v -> atLeast(v, 0), "is not a valid maximum length in bytes"));
        USER_RULES.put(OVERFLOW, new Rule(v -> "drop-head".equals(v) || "reject-publish".equals(v)
                || "reject-publish-dlx".equals(v), "is not a valid overflow value"));
        USER_RULES.put(DELIVERY_LIMIT, new Rule(v -> atLeast(v, 0), "is not a valid delivery limit"));
        USER_RULES.put(ALTERNATE_EXCHANGE, new Rule(PolicyDefinitions::isString, "is not a valid alternate exchange name"));
        USER_RULES.put(QUEUE_MODE, new Rule(v -> "default".equals(v) || "lazy".equals(v), "is not a valid queue-mode value"));
        USER_RULES.put("queue-version", new Rule(v -> Long.valueOf(1).equals(v) || Long.valueOf(2).equals(v),
                "is not a valid queue-version value"));
        USER_RULES.put("max-in-memory-length", new Rule(v -> atLeast(v, 0), "is not a valid max-in-memory-length value"));
        USER_RULES.put("max-in-memory-bytes", new Rule(v -> atLeast(v, 0), "is not a valid max-in-memory-bytes value"));
        USER_RULES.put(MAX_AGE, new Rule(v -> v instanceof String s && MAX_AGE_FORMAT.matcher(s).matches(),
                "is not a valid max age"));
        USER_RULES.put(STREAM_MAX_SEGMENT_SIZE_BYTES, new Rule(v -> atLeast(v, 0), "is not a valid segment size"));
        USER_RULES.put(RETRY_DELAYS, new Rule(PolicyDefinitions::isDelayList, "is not a valid list of retry delays"));
        HA_KEYS.forEach(key -> USER_RULES.put(key, new Rule(v -> true, "")));
        for (String key : List.of(EXPIRES, MESSAGE_TTL, MAX_LENGTH, MAX_LENGTH_BYTES, "max-in-memory-length",
                "max-in-memory-bytes", DELIVERY_LIMIT)) {
            OPERATOR_RULES.put(key, USER_RULES.get(key));
        }
    }

    private PolicyDefinitions() {
    }

    /** The keys an operator policy may set (RabbitMQ 3.10's list). */
    public static Set<String> operatorKeys() {
        return OPERATOR_RULES.keySet();
    }

    /**
     * Checks a definition as RabbitMQ does: empty is "no policy provided"; each known key's value
     * in key order, the first bad one reported; then every unknown key, together.
     *
     * @return the problems, one per line, or an empty list
     */
    static List<String> problems(PolicyKind kind, Map<String, Object> definition) {
        List<String> problems = new ArrayList<>();
        if (definition.isEmpty()) {
            problems.add("no policy provided");
            return problems;
        }
        Map<String, Rule> rules = kind == PolicyKind.OPERATOR ? OPERATOR_RULES : USER_RULES;
        Map<String, Object> unknown = new TreeMap<>();
        for (Map.Entry<String, Object> entry : new TreeMap<>(definition).entrySet()) {
            Rule rule = rules.get(entry.getKey());
            if (rule == null) {
                unknown.put(entry.getKey(), entry.getValue());
            } else if (!rule.valid().test(entry.getValue())) {
                problems.add(ErlangTerms.format(entry.getValue()) + " " + rule.refusal());
                return problems;
            }
        }
        if (!unknown.isEmpty()) {
            problems.add(ErlangTerms.keyValueList(unknown) + " are not recognised policy settings");
        }
        return problems;
    }

    private static boolean isString(Object value) {
        return value instanceof String;
    }

    private static boolean atLeast(Object value, long minimum) {
        return value instanceof Long number && number >= minimum;
    }

    private static boolean isDelayList(Object value) {
        return value instanceof List<?> list && list.stream().allMatch(item -> atLeast(item, 0));
    }
}
