package dev.ferry.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import dev.ferry.error.BrokerException;
import dev.ferry.queue.QueueArguments;

/**
 * The policy and the operator policy in effect for one queue (either may be null), and what they
 * make of the queue's own arguments. Precedence, as RabbitMQ 3.10's classic queues resolve it:
 *
 * <ul>
 *   <li>Limits ({@code message-ttl}, {@code expires}, {@code max-length}, {@code max-length-bytes},
 *       {@code delivery-limit}): the lowest of the queue's argument, the policy and the operator
 *       policy.</li>
 *   <li>Everything else ({@code dead-letter-exchange}, {@code dead-letter-routing-key},
 *       {@code overflow}, {@code dead-letter-strategy}, Ferry's {@code retry-delays}): the queue's
 *       own argument when it has one, else the policy.</li>
 * </ul>
 *
 * Immutable. Redeclare equivalence keeps comparing the queue's own arguments only.
 */
public record QueuePolicy(Policy policy, Policy operatorPolicy) {
    public static final QueuePolicy NONE = new QueuePolicy(null, null);

    private static final Map<String, String> LIMITS = Map.of(
            PolicyDefinitions.MESSAGE_TTL, QueueArguments.MESSAGE_TTL,
            PolicyDefinitions.EXPIRES, QueueArguments.EXPIRES,
            PolicyDefinitions.MAX_LENGTH, QueueArguments.MAX_LENGTH,
            PolicyDefinitions.MAX_LENGTH_BYTES, QueueArguments.MAX_LENGTH_BYTES,
            PolicyDefinitions.DELIVERY_LIMIT, QueueArguments.DELIVERY_LIMIT);
    private static final Map<String, String> ARGUMENT_FIRST = Map.of(
            PolicyDefinitions.DEAD_LETTER_EXCHANGE, QueueArguments.DEAD_LETTER_EXCHANGE,
            PolicyDefinitions.DEAD_LETTER_ROUTING_KEY, QueueArguments.DEAD_LETTER_ROUTING_KEY,
            PolicyDefinitions.OVERFLOW, QueueArguments.OVERFLOW,
            PolicyDefinitions.DEAD_LETTER_STRATEGY, QueueArguments.DEAD_LETTER_STRATEGY,
            PolicyDefinitions.RETRY_DELAYS, QueueArguments.RETRY_DELAYS);

    public boolean isEmpty() {
        return policy == null && operatorPolicy == null;
    }

    public String policyName() {
        return policy == null ? null : policy.name();
    }

    public String operatorPolicyName() {
        return operatorPolicy == null ? null : operatorPolicy.name();
    }

    /**
     * RabbitMQ's {@code effective_policy_definition}: the policy's keys and the operator policy's,
     * the lower value where both set a limit.
     */
    public Map<String, Object> effectiveDefinition() {
        Map<String, Object> merged = new TreeMap<>();
        if (policy != null) {
            merged.putAll(policy.definition());
        }
        if (operatorPolicy != null) {
            operatorPolicy.definition().forEach((key, value) -> merged.merge(key, value, QueuePolicy::lower));
        }
        return merged;
    }

    /**
     * The arguments in effect for a queue declared with {@code declared}. A combination the queue
     * cannot take (a dead-letter routing key with no dead-letter exchange anywhere, a key its type
     * refuses) leaves that key out, as RabbitMQ ignores what a queue type does not use.
     */
    public QueueArguments effectiveArguments(QueueArguments declared, String queueDescription) {
        if (isEmpty()) {
            return declared;
        }
        Map<String, Object> definition = effectiveDefinition();
        Map<String, Object> arguments = new LinkedHashMap<>(declared.raw());
        LIMITS.forEach((key, argument) -> {
            Object value = definition.get(key);
            if (value != null && !declared.queueType().refuses(argument)) {
                arguments.merge(argument, value, QueuePolicy::lower);
            }
        });
        ARGUMENT_FIRST.forEach((key, argument) -> {
            Object value = definition.get(key);
            if (value != null && !declared.queueType().refuses(argument)) {
                arguments.putIfAbsent(argument, value);
            }
        });
        if (!arguments.containsKey(QueueArguments.DEAD_LETTER_EXCHANGE)) {
            arguments.remove(QueueArguments.DEAD_LETTER_ROUTING_KEY);
        }
        try {
            return QueueArguments.parse(arguments, queueDescription);
        } catch (BrokerException e) {
            // Validation made every policy value acceptable on its own; what is left is a mix the
            // queue's own arguments make invalid. The queue keeps its own then.
            return declared;
        }
    }

    private static Object lower(Object left, Object right) {
        if (left instanceof Number a && right instanceof Number b) {
            return a.longValue() <= b.longValue() ? left : right;
        }
        return left;
    }

    /** The policy names and effective definition, for equality checks that skip unchanged queues. */
    List<Object> identity() {
        return List.of(Objects.requireNonNullElse(policyName(), ""),
                Objects.requireNonNullElse(operatorPolicyName(), ""), effectiveDefinition());
    }
}
