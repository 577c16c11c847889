package dev.ferry.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The policies and operator policies of one virtual host, and which of them a queue or exchange
 * gets: of those whose pattern and {@code apply-to} match, the one with the highest priority.
 * RabbitMQ leaves the choice among equal priorities unspecified; Ferry takes the name that sorts
 * first, so the choice never changes between restarts. Immutable.
 */
public final class VirtualHostPolicies {
    public static final VirtualHostPolicies NONE = new VirtualHostPolicies(List.of());

    // Highest priority first, then by name: the first match wins.
    private static final Comparator<Policy> PRECEDENCE = Comparator.comparingLong(Policy::priority).reversed()
            .thenComparing(Policy::name);

    private final List<Policy> policies;
    private final List<Policy> operatorPolicies;

    public VirtualHostPolicies(List<Policy> all) {
        List<Policy> user = new ArrayList<>();
        List<Policy> operator = new ArrayList<>();
        for (Policy policy : all) {
            (policy.kind() == PolicyKind.OPERATOR ? operator : user).add(policy);
        }
        user.sort(PRECEDENCE);
        operator.sort(PRECEDENCE);
        this.policies = List.copyOf(user);
        this.operatorPolicies = List.copyOf(operator);
    }

    public boolean isEmpty() {
        return policies.isEmpty() && operatorPolicies.isEmpty();
    }

    public QueuePolicy forQueue(String queueName) {
        if (isEmpty()) {
            return QueuePolicy.NONE;
        }
        Policy policy = policies.stream().filter(p -> p.matchesQueue(queueName)).findFirst().orElse(null);
        Policy operator = operatorPolicies.stream().filter(p -> p.matchesQueue(queueName)).findFirst().orElse(null);
        return policy == null && operator == null ? QueuePolicy.NONE : new QueuePolicy(policy, operator);
    }

    /** The policy an exchange gets (operator policies set only queue limits, so none of them counts here). */
    public Optional<Policy> forExchange(String exchangeName) {
        return policies.stream().filter(p -> p.matchesExchange(exchangeName)).findFirst();
    }

    /** Whether a queue's policies changed between two sets: only then is it handed new arguments. */
    public static boolean sameForQueue(QueuePolicy before, QueuePolicy after) {
        return before.identity().equals(after.identity());
    }
}
