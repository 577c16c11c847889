package dev.ferry.group;

import java.util.Locale;

/**
 * Kafka's {@code group.consumer.migration.policy}: whether a non-empty group may move between the
 * classic protocol and the consumer protocol (KIP-848) while its members run. An empty group
 * changes protocol with its next member whatever this says.
 */
public enum MigrationPolicy {
    /** A group keeps the protocol it has while it has members. */
    DISABLED,
    /** A consumer-protocol member may join a classic group, which then turns into a consumer group. */
    UPGRADE,
    /** A consumer group left with only classic members turns back into a classic group. */
    DOWNGRADE,
    /** Both: Kafka 4's default. */
    BIDIRECTIONAL;

    boolean allowsUpgrade() {
        return this == UPGRADE || this == BIDIRECTIONAL;
    }

    boolean allowsDowngrade() {
        return this == DOWNGRADE || this == BIDIRECTIONAL;
    }

    /** Kafka's value, any case; null when it is none of them. */
    public static MigrationPolicy parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** As Kafka writes it. */
    public String kafkaName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
