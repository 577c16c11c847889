package dev.ferry.access;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.ferry.access.AclBinding.AclPermission;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;

/**
 * Kafka's authorizer rules over the ACL bindings of one {@link AccessState}:
 * <ul>
 * <li>no binding at all: everything is allowed, as before ACLs existed (a broker nobody has
 *     written an ACL for keeps working); from the first binding on, Kafka's
 *     {@code allow.everyone.if.no.acl.found=false} holds: what no ALLOW covers is refused;</li>
 * <li>users tagged {@code administrator} are super users: always allowed;</li>
 * <li>a DENY that covers the request wins over any ALLOW; a DENY of ALL denies every operation;</li>
 * <li>an ALLOW of the operation itself or of ALL allows it; an ALLOW of READ, WRITE, DELETE or
 *     ALTER also allows DESCRIBE, and of ALTER_CONFIGS also DESCRIBE_CONFIGS.</li>
 * </ul>
 * Pure functions of the state; safe from any thread.
 */
public final class KafkaAuthorizer {
    private static final Set<Operation> IMPLY_DESCRIBE = EnumSet.of(Operation.DESCRIBE, Operation.READ,
            Operation.WRITE, Operation.DELETE, Operation.ALTER);
    private static final Set<Operation> IMPLY_DESCRIBE_CONFIGS = EnumSet.of(Operation.DESCRIBE_CONFIGS,
            Operation.ALTER_CONFIGS);

    private KafkaAuthorizer() {
    }

    /**
     * Whether {@code user} (a Ferry user name; Kafka principal "User:" + it) connecting from
     * {@code host} may do {@code operation} on the resource {@code type}/{@code name}.
     */
    public static boolean authorize(AccessState state, String user, String host, Operation operation,
                                    ResourceType type, String name) {
        List<AclBinding> acls = state.acls();
        if (acls.isEmpty()) {
            return true;
        }
        User known = user == null ? null : state.user(user);
        if (known != null && known.hasTag(User.ADMINISTRATOR)) {
            return true;
        }
        String principal = AclBinding.USER_PREFIX + (user == null ? "ANONYMOUS" : user);
        boolean allowed = false;
        for (AclBinding acl : acls) {
            if (!acl.coversResource(type, name) || !acl.coversClient(principal, host)) {
                continue;
            }
            if (acl.permission() == AclPermission.DENY) {
                if (acl.operation() == Operation.ALL || acl.operation() == operation) {
                    return false;
                }
            } else if (allows(acl.operation(), operation)) {
                allowed = true;
            }
        }
        return allowed;
    }

    /** Whether an ALLOW of {@code granted} allows {@code wanted}. */
    static boolean allows(Operation granted, Operation wanted) {
        if (granted == Operation.ALL || granted == wanted) {
            return true;
        }
        if (wanted == Operation.DESCRIBE) {
            return IMPLY_DESCRIBE.contains(granted);
        }
        if (wanted == Operation.DESCRIBE_CONFIGS) {
            return IMPLY_DESCRIBE_CONFIGS.contains(granted);
        }
        return false;
    }

    /**
     * Whether the user may do {@code operation} on at least one resource of {@code type} (Kafka's
     * authorizeByResourceType, used by InitProducerId: WRITE on some topic). Simplified: any ALLOW
     * binding of that type for the user that no DENY of the same pattern cancels.
     */
    public static boolean authorizeAny(AccessState state, String user, String host, Operation operation,
                                       ResourceType type) {
        List<AclBinding> acls = state.acls();
        if (acls.isEmpty()) {
            return true;
        }
        User known = user == null ? null : state.user(user);
        if (known != null && known.hasTag(User.ADMINISTRATOR)) {
            return true;
        }
        String principal = AclBinding.USER_PREFIX + (user == null ? "ANONYMOUS" : user);
        for (AclBinding acl : acls) {
            if (acl.resourceType() == type && acl.permission() == AclPermission.ALLOW
                    && acl.coversClient(principal, host) && allows(acl.operation(), operation)
                    && authorize(state, user, host, operation, type, acl.resourceName())) {
                return true;
            }
        }
        return false;
    }
}
