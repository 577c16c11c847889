package dev.ferry.policy;

import java.util.Optional;

/** What a policy applies to, RabbitMQ 3.10's {@code apply-to}: queues, exchanges, or both. */
public enum PolicyTarget {
    QUEUES("queues"),
    EXCHANGES("exchanges"),
    ALL("all");

    private final String wireName;

    PolicyTarget(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<PolicyTarget> fromWireName(String name) {
        for (PolicyTarget target : values()) {
            if (target.wireName.equals(name)) {
                return Optional.of(target);
            }
        }
        return Optional.empty();
    }

    boolean appliesToQueues() {
        return this != EXCHANGES;
    }

    boolean appliesToExchanges() {
        return this != QUEUES;
    }
}
