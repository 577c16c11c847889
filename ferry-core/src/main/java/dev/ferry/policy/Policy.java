package dev.ferry.policy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One policy (or operator policy) of a virtual host: which queues and exchanges it matches (a
 * regular expression over their names, found anywhere in the name as RabbitMQ's {@code re:run}
 * does; {@code ^...$} anchors it), its priority among the policies that match, and its definition
 * (keys in {@link PolicyDefinitions}). Immutable; made by {@link #create}, which checks it as
 * RabbitMQ does.
 *
 * <p>The definition's values are JSON's, normalised: whole numbers are {@code Long}, other numbers
 * {@code Double}, then {@code String}, {@code Boolean}, {@code List} and {@code Map} of those.
 */
public record Policy(PolicyKind kind, String virtualHost, String name, String pattern, PolicyTarget target,
                     long priority, Map<String, Object> definition, Pattern compiled) {

    public Policy {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(virtualHost, "virtualHost");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(compiled, "compiled");
        definition = Collections.unmodifiableMap(new TreeMap<>(definition));
    }

    /**
     * A checked policy.
     *
     * @param target the {@code apply-to} text ({@code queues}, {@code exchanges}, {@code all})
     * @throws PolicyValidationException with RabbitMQ's lines for what is wrong
     */
    public static Policy create(PolicyKind kind, String virtualHost, String name, String pattern, String target,
                                long priority, Map<String, ?> definition) {
        Map<String, Object> normalised = normalise(definition);
        List<String> problems = new ArrayList<>(PolicyDefinitions.problems(kind, normalised));
        PolicyTarget appliesTo = PolicyTarget.fromWireName(target).orElse(null);
        if (appliesTo == null) {
            problems.add("apply-to '" + target + "' unrecognised; should be 'queues', 'exchanges' or 'all'");
        }
        Pattern compiled = null;
        try {
            compiled = Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            problems.add("pattern should be regular expression but is invalid: {\"" + e.getDescription() + "\","
                    + Math.max(e.getIndex(), 0) + "}");
        }
        if (!problems.isEmpty()) {
            throw new PolicyValidationException(String.join("\n", problems));
        }
        return new Policy(kind, virtualHost, name, pattern, appliesTo, priority, normalised, compiled);
    }

    /** Whether this policy is for queues (not only exchanges) and its pattern matches {@code queueName}. */
    public boolean matchesQueue(String queueName) {
        return target.appliesToQueues() && compiled.matcher(queueName).find();
    }

    public boolean matchesExchange(String exchangeName) {
        return target.appliesToExchanges() && compiled.matcher(exchangeName).find();
    }

    /** Records compare by what they say; the compiled pattern follows from {@link #pattern}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Policy p && kind == p.kind && virtualHost.equals(p.virtualHost) && name.equals(p.name)
                && pattern.equals(p.pattern) && target == p.target && priority == p.priority
                && definition.equals(p.definition);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, virtualHost, name, pattern, target, priority, definition);
    }

    private static Map<String, Object> normalise(Map<String, ?> definition) {
        Map<String, Object> normalised = new LinkedHashMap<>();
        definition.forEach((key, value) -> normalised.put(key, normaliseValue(value)));
        return normalised;
    }

    private static Object normaliseValue(Object value) {
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger big) {
            return big.bitLength() < 64 ? big.longValue() : big.toString();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Policy::normaliseValue).toList();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new TreeMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), normaliseValue(v)));
            return Collections.unmodifiableMap(copy);
        }
        return value;
    }
}
