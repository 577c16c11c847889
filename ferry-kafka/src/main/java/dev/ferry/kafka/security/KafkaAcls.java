package dev.ferry.kafka.security;

import dev.ferry.access.AccessControl;
import dev.ferry.access.AclBinding;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.access.KafkaAuthorizer;
import dev.ferry.access.User;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.text.LogSafe;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka front's question to the broker's ACLs: may the user behind this request do this? The
 * user is the one the connection acts as ({@link KafkaSession#user()}: a SASL login, or
 * {@code guest} on a PLAINTEXT listener), as principal {@code User:name}; the host is the client's
 * address. The rules are {@link KafkaAuthorizer}'s. Asked once per resource of a request, never per
 * record. A refusal is logged with user, address, operation and resource.
 *
 * <p>Without an {@link AccessControl} (handler unit tests) everything is allowed.
 */
public final class KafkaAcls {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaAcls.class);
    public static final KafkaAcls ALLOW_ALL = new KafkaAcls(null);

    private final AccessControl access;

    public KafkaAcls(AccessControl access) {
        this.access = access;
    }

    /** Where ACLs are changed and listed; null for {@link #ALLOW_ALL}. */
    public AccessControl access() {
        return access;
    }

    public boolean allowed(RequestContext context, Operation operation, ResourceType type, String name) {
        if (access == null) {
            return true;
        }
        String user = user(context);
        String host = host(context);
        if (KafkaAuthorizer.authorize(access.state(), user, host, operation, type, name)) {
            return true;
        }
        LOG.info("Kafka ACLs refused {} on {} '{}' to user '{}' from {}", operation, type, LogSafe.text(name),
                LogSafe.text(String.valueOf(user)), host);
        return false;
    }

    /** As {@link #allowed}, without a log line: for listings that leave out what the user may not see. */
    public boolean allowedQuietly(RequestContext context, Operation operation, ResourceType type, String name) {
        return access == null
                || KafkaAuthorizer.authorize(access.state(), user(context), host(context), operation, type, name);
    }

    /**
     * The operations the client may perform on a resource, as the bit field Kafka answers when a
     * request asks for "authorized operations" (bit {@code AclOperation.code()} set for each): the
     * operations Kafka defines for the resource's type, each checked as a request for it would be
     * (so DESCRIBE also where READ, WRITE, DELETE or ALTER is allowed), without a log line.
     */
    public int authorizedOperations(RequestContext context, ResourceType type, String name) {
        int operations = 0;
        for (Operation operation : operationsOf(type)) {
            if (allowedQuietly(context, operation, type, name)) {
                operations |= 1 << AclOperation.valueOf(operation.name()).code();
            }
        }
        return operations;
    }

    /** Kafka's operations on each resource type, as Kafka 4.3.1 reports them without an authorizer. */
    private static List<Operation> operationsOf(ResourceType type) {
        return switch (type) {
            case TOPIC -> List.of(Operation.READ, Operation.WRITE, Operation.CREATE, Operation.DELETE, Operation.ALTER,
                    Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS);
            case GROUP -> List.of(Operation.READ, Operation.DELETE, Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS,
                    Operation.ALTER_CONFIGS);
            case CLUSTER -> List.of(Operation.CREATE, Operation.ALTER, Operation.DESCRIBE, Operation.CLUSTER_ACTION,
                    Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS, Operation.IDEMPOTENT_WRITE);
            default -> List.of();
        };
    }

    public boolean allowedOnCluster(RequestContext context, Operation operation) {
        return allowed(context, operation, ResourceType.CLUSTER, AclBinding.CLUSTER_NAME);
    }

    /** As {@link #allowedOnCluster}, without a log line: for a check that a narrower one follows. */
    public boolean allowedOnClusterQuietly(RequestContext context, Operation operation) {
        return allowedQuietly(context, operation, ResourceType.CLUSTER, AclBinding.CLUSTER_NAME);
    }

    /**
     * For what could hand the broker to someone else (users' credentials): a user tagged
     * {@code administrator}, or one an ACL allows {@code operation} on the cluster; never the
     * allow-everything of a broker with no ACL at all, under which any logged-in user could
     * otherwise reset an administrator's password. (Kafka without an authorizer allows it; Ferry
     * always has its users' tags to go by.)
     */
    public boolean allowedOnClusterExplicitly(RequestContext context, Operation operation) {
        if (access == null) {
            return true;
        }
        String user = user(context);
        boolean administrator = user != null && access.user(user).map(u -> u.hasTag(User.ADMINISTRATOR)).orElse(false);
        if (administrator || (!access.state().acls().isEmpty() && allowedOnCluster(context, operation))) {
            return true;
        }
        LOG.info("Kafka refused {} of users' credentials to user '{}' from {}: needs the administrator tag or an ACL",
                operation, LogSafe.text(String.valueOf(user)), host(context));
        return false;
    }

    /** Whether the user may do {@code operation} on at least one resource of {@code type} (no log line). */
    public boolean allowedOnAny(RequestContext context, Operation operation, ResourceType type) {
        return access == null
                || KafkaAuthorizer.authorizeAny(access.state(), user(context), host(context), operation, type);
    }

    private static String user(RequestContext context) {
        if (context.securityProtocol() == SecurityProtocol.SSL && context.principal() != null) {
            return context.principal().getName();
        }
        KafkaSession session = context.session();
        if (session != null && session.user().isPresent()) {
            return session.user().get();
        }
        return null;
    }

    private static String host(RequestContext context) {
        SocketAddress remote = context.session() == null ? null : context.session().remote();
        return remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : "";
    }
}
