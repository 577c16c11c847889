package dev.ferry.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The broker's settings for consumer groups, Kafka's defaults unless changed. Checked once when
 * built: every wrong value is named in one {@link IllegalArgumentException}.
 *
 * @param initialRebalanceDelayMs {@code group.initial.rebalance.delay.ms}: how long the first
 *     rebalance of an empty group waits for more members before it completes (extended by the same
 *     again while members keep arriving, up to the rebalance timeout)
 * @param minSessionTimeoutMs {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs {@code group.max.session.timeout.ms}
 * @param offsetMetadataMaxBytes {@code offset.metadata.max.bytes}: longer metadata strings are refused
 * @param newMemberJoinTimeoutMs how long a member that has never completed a join may wait in a
 *     rebalance before it is dropped (Kafka's fixed 5 minutes)
 * @param subscriptions the client's consumer protocol formats: OffsetDelete's "subscribed" check, and
 *     members moving between the classic and the consumer protocols
 * @param offsetsRetentionMs {@code offsets.retention.minutes} in ms: how long an empty group keeps
 *     its offsets (counted from when it became empty), and how long a stable group keeps those of
 *     topics it no longer subscribes to (from their commit)
 * @param offsetsRetentionCheckIntervalMs {@code offsets.retention.check.interval.ms}
 * @param migrationPolicy {@code group.consumer.migration.policy}: whether groups with members
 *     move between the classic and the consumer protocols
 * @param groupConfigDefaults the broker's defaults and bounds of the configs a group may be given
 *     ({@code group.consumer.heartbeat.interval.ms}, {@code group.consumer.min.session.timeout.ms}, ...)
 * @param classicMaxSize {@code group.max.size}: the members a classic group takes
 * @param consumerMaxSize {@code group.consumer.max.size}: the members a consumer-protocol group takes
 */
public record GroupConfig(int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          int offsetMetadataMaxBytes, int newMemberJoinTimeoutMs, ConsumerProtocolFormat subscriptions,
                          long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs,
                          MigrationPolicy migrationPolicy, GroupConfigDefaults groupConfigDefaults,
                          int classicMaxSize, int consumerMaxSize) {

    /** Kafka's {@code offsets.retention.minutes} default, 7 days. */
    public static final long DEFAULT_OFFSETS_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;
    /** Kafka's {@code offsets.retention.check.interval.ms} default, 10 minutes. */
    public static final long DEFAULT_OFFSETS_RETENTION_CHECK_INTERVAL_MS = 600_000;

    public GroupConfig {
        Objects.requireNonNull(subscriptions, "subscriptions");
        Objects.requireNonNull(migrationPolicy, "migrationPolicy");
        Objects.requireNonNull(groupConfigDefaults, "groupConfigDefaults");
        List<String> problems = new ArrayList<>();
        if (initialRebalanceDelayMs < 0) {
            problems.add("initialRebalanceDelayMs=" + initialRebalanceDelayMs + ": must be 0 or more");
        }
        if (minSessionTimeoutMs < 0) {
            problems.add("minSessionTimeoutMs=" + minSessionTimeoutMs + ": must be 0 or more");
        }
        if (maxSessionTimeoutMs < minSessionTimeoutMs) {
            problems.add("maxSessionTimeoutMs=" + maxSessionTimeoutMs + ": must not be below minSessionTimeoutMs="
                    + minSessionTimeoutMs);
        }
        if (offsetMetadataMaxBytes < 0) {
            problems.add("offsetMetadataMaxBytes=" + offsetMetadataMaxBytes + ": must be 0 or more");
        }
        if (newMemberJoinTimeoutMs <= 0) {
            problems.add("newMemberJoinTimeoutMs=" + newMemberJoinTimeoutMs + ": must be positive");
        }
        if (offsetsRetentionMs <= 0) {
            problems.add("offsetsRetentionMs=" + offsetsRetentionMs + ": must be positive");
        }
        if (offsetsRetentionCheckIntervalMs <= 0) {
            problems.add("offsetsRetentionCheckIntervalMs=" + offsetsRetentionCheckIntervalMs + ": must be positive");
        }
        if (classicMaxSize < 1) {
            problems.add("classicMaxSize=" + classicMaxSize + ": must be at least 1");
        }
        if (consumerMaxSize < 1) {
            problems.add("consumerMaxSize=" + consumerMaxSize + ": must be at least 1");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid group settings: " + String.join("; ", problems));
        }
    }

    /**
     * Kafka's defaults: 3 s initial delay, sessions of 6 s to 30 min, 4096 bytes of metadata,
     * offsets kept 7 days, checked every 10 minutes, groups of any size.
     */
    public static GroupConfig defaults() {
        return new GroupConfig(3000, 6000, 1_800_000, 4096, 300_000, ConsumerProtocolFormat.NONE,
                DEFAULT_OFFSETS_RETENTION_MS, DEFAULT_OFFSETS_RETENTION_CHECK_INTERVAL_MS, MigrationPolicy.BIDIRECTIONAL,
                GroupConfigDefaults.kafkaDefaults(), Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    public GroupConfig withInitialRebalanceDelayMs(int delayMs) {
        return new GroupConfig(delayMs, minSessionTimeoutMs, maxSessionTimeoutMs, offsetMetadataMaxBytes,
                newMemberJoinTimeoutMs, subscriptions, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                migrationPolicy, groupConfigDefaults,
                classicMaxSize, consumerMaxSize);
    }

    public GroupConfig withSessionTimeoutBounds(int minMs, int maxMs) {
        return new GroupConfig(initialRebalanceDelayMs, minMs, maxMs, offsetMetadataMaxBytes,
                newMemberJoinTimeoutMs, subscriptions, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                migrationPolicy, groupConfigDefaults,
                classicMaxSize, consumerMaxSize);
    }

    public GroupConfig withSubscriptions(ConsumerProtocolFormat format) {
        return new GroupConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs,
                offsetMetadataMaxBytes, newMemberJoinTimeoutMs, format, offsetsRetentionMs,
                offsetsRetentionCheckIntervalMs, migrationPolicy, groupConfigDefaults,
                classicMaxSize, consumerMaxSize);
    }

    public GroupConfig withOffsetsRetention(long retentionMs, long checkIntervalMs) {
        return new GroupConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs,
                offsetMetadataMaxBytes, newMemberJoinTimeoutMs, subscriptions, retentionMs, checkIntervalMs,
                migrationPolicy, groupConfigDefaults,
                classicMaxSize, consumerMaxSize);
    }

    public GroupConfig withMigrationPolicy(MigrationPolicy policy) {
        return new GroupConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs,
                offsetMetadataMaxBytes, newMemberJoinTimeoutMs, subscriptions, offsetsRetentionMs,
                offsetsRetentionCheckIntervalMs, policy, groupConfigDefaults,
                classicMaxSize, consumerMaxSize);
    }

    public GroupConfig withGroupConfigDefaults(GroupConfigDefaults defaults) {
        return new GroupConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs,
                offsetMetadataMaxBytes, newMemberJoinTimeoutMs, subscriptions, offsetsRetentionMs,
                offsetsRetentionCheckIntervalMs, migrationPolicy, defaults, classicMaxSize, consumerMaxSize);
    }

    /** {@code group.max.size} and {@code group.consumer.max.size}. */
    public GroupConfig withMaxSizes(int classic, int consumer) {
        return new GroupConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs,
                offsetMetadataMaxBytes, newMemberJoinTimeoutMs, subscriptions, offsetsRetentionMs,
                offsetsRetentionCheckIntervalMs, migrationPolicy, groupConfigDefaults, classic, consumer);
    }
}
