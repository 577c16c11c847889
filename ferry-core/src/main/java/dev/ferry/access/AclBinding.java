package dev.ferry.access;

import java.util.Objects;

/**
 * One Kafka ACL: who ({@code principal}, "User:name" or "User:*") from where ({@code host}, "*" or
 * an address) may or may not ({@code permission}) do {@code operation} on the resources that
 * {@code resourceName} under {@code patternType} names. Kafka's model and words, kept in the access
 * log beside users and permissions so one store answers for AMQP, Kafka and HTTP. Kafka's numeric
 * codes are the front's business; here the enums are Ferry's own, named as Kafka names them.
 */
public record AclBinding(ResourceType resourceType, String resourceName, PatternType patternType, String principal,
                         String host, Operation operation, AclPermission permission) {
    /** The one name a CLUSTER resource has, as in Kafka. */
    public static final String CLUSTER_NAME = "kafka-cluster";
    /** A literal resource name or principal that matches every one. */
    public static final String WILDCARD = "*";
    public static final String USER_PREFIX = "User:";

    public AclBinding {
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(patternType, "patternType");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(permission, "permission");
    }

    public enum ResourceType { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID }

    /** How a stored binding names resources (filters add MATCH and ANY, see {@link AclFilter}). */
    public enum PatternType { LITERAL, PREFIXED }

    public enum Operation {
        ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS,
        IDEMPOTENT_WRITE
    }

    public enum AclPermission { ALLOW, DENY }

    /** Whether this binding's resource pattern covers the resource {@code type}/{@code name}. */
    public boolean coversResource(ResourceType type, String name) {
        if (type != resourceType) {
            return false;
        }
        return switch (patternType) {
            case LITERAL -> resourceName.equals(WILDCARD) || resourceName.equals(name);
            case PREFIXED -> name.startsWith(resourceName);
        };
    }

    /** Whether this binding speaks of {@code userPrincipal} ("User:name") connecting from {@code clientHost}. */
    public boolean coversClient(String userPrincipal, String clientHost) {
        boolean principalMatches = principal.equals(userPrincipal) || principal.equals(USER_PREFIX + WILDCARD);
        return principalMatches && (host.equals(WILDCARD) || host.equals(clientHost));
    }
}
