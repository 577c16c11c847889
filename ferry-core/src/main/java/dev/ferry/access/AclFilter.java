package dev.ferry.access;

import dev.ferry.access.AclBinding.AclPermission;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.PatternType;
import dev.ferry.access.AclBinding.ResourceType;

/**
 * Which ACL bindings a DescribeAcls or DeleteAcls names, as Kafka's filters do: a null field
 * matches anything (Kafka's ANY, or a null name/principal/host). {@code patternFilter} is Kafka's
 * pattern-type filter: {@link PatternFilter#LITERAL} and {@link PatternFilter#PREFIXED} match
 * bindings of that type with exactly {@code resourceName}; {@link PatternFilter#ANY} matches either
 * type with exactly that name; {@link PatternFilter#MATCH} matches every binding that would apply
 * to the resource called {@code resourceName}: the literal one, the literal wildcard, and every
 * prefix of it.
 */
public record AclFilter(ResourceType resourceType, String resourceName, PatternFilter patternFilter, String principal,
                        String host, Operation operation, AclPermission permission) {

    public enum PatternFilter { ANY, MATCH, LITERAL, PREFIXED }

    public AclFilter {
        if (patternFilter == null) {
            patternFilter = PatternFilter.ANY;
        }
    }

    /** Matches every binding. */
    public static final AclFilter ANY = new AclFilter(null, null, PatternFilter.ANY, null, null, null, null);

    public boolean matches(AclBinding binding) {
        if (resourceType != null && resourceType != binding.resourceType()) {
            return false;
        }
        if (principal != null && !principal.equals(binding.principal())) {
            return false;
        }
        if (host != null && !host.equals(binding.host())) {
            return false;
        }
        if (operation != null && operation != binding.operation()) {
            return false;
        }
        if (permission != null && permission != binding.permission()) {
            return false;
        }
        return matchesPattern(binding);
    }

    private boolean matchesPattern(AclBinding binding) {
        switch (patternFilter) {
            case LITERAL:
                return binding.patternType() == PatternType.LITERAL && nameEquals(binding);
            case PREFIXED:
                return binding.patternType() == PatternType.PREFIXED && nameEquals(binding);
            case ANY:
                return nameEquals(binding);
            case MATCH:
            default:
                if (resourceName == null) {
                    return true;
                }
                return switch (binding.patternType()) {
                    case LITERAL -> binding.resourceName().equals(resourceName)
                            || binding.resourceName().equals(AclBinding.WILDCARD);
                    case PREFIXED -> resourceName.startsWith(binding.resourceName());
                };
        }
    }

    private boolean nameEquals(AclBinding binding) {
        return resourceName == null || resourceName.equals(binding.resourceName());
    }
}
