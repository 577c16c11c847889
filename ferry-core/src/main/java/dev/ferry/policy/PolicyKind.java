package dev.ferry.policy;

/**
 * RabbitMQ's two kinds of policy. A user policy may set any supported key; an operator policy
 * (set by the broker's operators, over what users configure) may only set limits, and where it and
 * the queue's own setting both give a limit, the lower one is in effect.
 */
public enum PolicyKind {
    USER("policy"),
    OPERATOR("operator_policy");

    private final String wireName;

    PolicyKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name RabbitMQ's queue JSON and its runtime parameters use: {@code policy} or {@code operator_policy}. */
    public String wireName() {
        return wireName;
    }
}
