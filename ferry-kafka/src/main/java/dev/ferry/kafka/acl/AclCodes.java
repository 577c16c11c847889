package dev.ferry.kafka.acl;

import dev.ferry.access.AclBinding;
import dev.ferry.access.AclFilter;
import dev.ferry.access.AclFilter.PatternFilter;
import java.util.Optional;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Between Kafka's ACL codes (the bytes in CreateAcls, DescribeAcls and DeleteAcls) and Ferry's
 * {@link AclBinding} / {@link AclFilter}. Kafka values Ferry keeps no binding for (DELEGATION_TOKEN
 * and USER resources, the token operations) are refused in a binding and match nothing in a filter.
 */
final class AclCodes {
    private AclCodes() {
    }

    /** A binding for CreateAcls, or the reason it is invalid (Kafka answers INVALID_REQUEST with it). */
    record Parsed(AclBinding binding, String invalid) {
    }

    static Parsed binding(byte resourceType, String resourceName, byte patternType, String principal, String host,
                          byte operation, byte permission) {
        Optional<AclBinding.ResourceType> type = resourceType(ResourceType.fromCode(resourceType));
        if (type.isEmpty()) {
            return invalid("Invalid resourceType " + ResourceType.fromCode(resourceType));
        }
        PatternType pattern = PatternType.fromCode(patternType);
        if (pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED) {
            return invalid("Invalid patternType " + pattern);
        }
        Optional<AclBinding.Operation> op = operation(AclOperation.fromCode(operation));
        if (op.isEmpty()) {
            return invalid("Invalid operation " + AclOperation.fromCode(operation));
        }
        AclPermissionType permissionType = AclPermissionType.fromCode(permission);
        if (permissionType != AclPermissionType.ALLOW && permissionType != AclPermissionType.DENY) {
            return invalid("Invalid permissionType " + permissionType);
        }
        if (resourceName == null || resourceName.isEmpty()) {
            return invalid("Resource name must not be empty");
        }
        if (type.get() == AclBinding.ResourceType.CLUSTER && !resourceName.equals(AclBinding.CLUSTER_NAME)) {
            return invalid("The only valid name for the CLUSTER resource is " + AclBinding.CLUSTER_NAME);
        }
        if (principal == null || !principal.startsWith(AclBinding.USER_PREFIX)
                || principal.length() == AclBinding.USER_PREFIX.length()) {
            return invalid("Could not parse principal from `" + principal + "`: Ferry's principals are User:name");
        }
        if (host == null || host.isEmpty()) {
            return invalid("Invalid host");
        }
        return new Parsed(new AclBinding(type.get(), resourceName, pattern == PatternType.LITERAL
                ? AclBinding.PatternType.LITERAL : AclBinding.PatternType.PREFIXED, principal, host, op.get(),
                permissionType == AclPermissionType.ALLOW ? AclBinding.AclPermission.ALLOW
                        : AclBinding.AclPermission.DENY), null);
    }

    private static Parsed invalid(String why) {
        return new Parsed(null, why);
    }

    /**
     * A filter for DescribeAcls / DeleteAcls; empty when it can match nothing Ferry keeps.
     *
     * @throws IllegalArgumentException for a filter Kafka refuses (an UNKNOWN field): INVALID_REQUEST
     */
    static Optional<AclFilter> filter(byte resourceType, String resourceName, byte patternType, String principal,
                                      String host, byte operation, byte permission) {
        ResourceType kafkaType = ResourceType.fromCode(resourceType);
        PatternType kafkaPattern = PatternType.fromCode(patternType);
        AclOperation kafkaOperation = AclOperation.fromCode(operation);
        AclPermissionType kafkaPermission = AclPermissionType.fromCode(permission);
        if (kafkaType == ResourceType.UNKNOWN) {
            throw new IllegalArgumentException("Filter contains UNKNOWN resource type");
        }
        if (kafkaPattern == PatternType.UNKNOWN) {
            throw new IllegalArgumentException("Filter contains UNKNOWN pattern type");
        }
        if (kafkaOperation == AclOperation.UNKNOWN) {
            throw new IllegalArgumentException("Filter contains UNKNOWN operation");
        }
        if (kafkaPermission == AclPermissionType.UNKNOWN) {
            throw new IllegalArgumentException("Filter contains UNKNOWN permission type");
        }
        AclBinding.ResourceType type = null;
        if (kafkaType != ResourceType.ANY) {
            Optional<AclBinding.ResourceType> known = resourceType(kafkaType);
            if (known.isEmpty()) {
                return Optional.empty();
            }
            type = known.get();
        }
        AclBinding.Operation op = null;
        if (kafkaOperation != AclOperation.ANY) {
            Optional<AclBinding.Operation> known = operation(kafkaOperation);
            if (known.isEmpty()) {
                return Optional.empty();
            }
            op = known.get();
        }
        AclBinding.AclPermission permissionFilter = switch (kafkaPermission) {
            case ALLOW -> AclBinding.AclPermission.ALLOW;
            case DENY -> AclBinding.AclPermission.DENY;
            default -> null;
        };
        PatternFilter patternFilter = switch (kafkaPattern) {
            case LITERAL -> PatternFilter.LITERAL;
            case PREFIXED -> PatternFilter.PREFIXED;
            case MATCH -> PatternFilter.MATCH;
            default -> PatternFilter.ANY;
        };
        return Optional.of(new AclFilter(type, resourceName, patternFilter, principal, host, op, permissionFilter));
    }

    static byte code(AclBinding.ResourceType type) {
        return ResourceType.valueOf(type.name()).code();
    }

    static byte code(AclBinding.PatternType type) {
        return PatternType.valueOf(type.name()).code();
    }

    static byte code(AclBinding.Operation operation) {
        return AclOperation.valueOf(operation.name()).code();
    }

    static byte code(AclBinding.AclPermission permission) {
        return AclPermissionType.valueOf(permission.name()).code();
    }

    private static Optional<AclBinding.ResourceType> resourceType(ResourceType type) {
        return switch (type) {
            case TOPIC -> Optional.of(AclBinding.ResourceType.TOPIC);
            case GROUP -> Optional.of(AclBinding.ResourceType.GROUP);
            case CLUSTER -> Optional.of(AclBinding.ResourceType.CLUSTER);
            case TRANSACTIONAL_ID -> Optional.of(AclBinding.ResourceType.TRANSACTIONAL_ID);
            default -> Optional.empty();
        };
    }

    private static Optional<AclBinding.Operation> operation(AclOperation operation) {
        for (AclBinding.Operation op : AclBinding.Operation.values()) {
            if (op.name().equals(operation.name())) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
