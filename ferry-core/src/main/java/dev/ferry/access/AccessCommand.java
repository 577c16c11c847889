package dev.ferry.access;

import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;

/**
 * One change to users, virtual hosts, permissions or limits: data only, no clock and no callback,
 * so that the access log stores it, a restart replays it, and (later) Raft replicates it. Applying
 * one to an {@link AccessState} is deterministic ({@link AccessState#apply}).
 */
public sealed interface AccessCommand {

    record PutUser(String name, PasswordHash hash, Set<String> tags) implements AccessCommand {
        public PutUser {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(hash, "hash");
            tags = Set.copyOf(tags);
        }
    }

    record DeleteUser(String name) implements AccessCommand {
        public DeleteUser {
            Objects.requireNonNull(name, "name");
        }
    }

    record AddVirtualHost(String name) implements AccessCommand {
        public AddVirtualHost {
            Objects.requireNonNull(name, "name");
        }
    }

    record DeleteVirtualHost(String name) implements AccessCommand {
        public DeleteVirtualHost {
            Objects.requireNonNull(name, "name");
        }
    }

    record SetPermission(Permission permission) implements AccessCommand {
        public SetPermission {
            Objects.requireNonNull(permission, "permission");
        }
    }

    record ClearPermission(String user, String virtualHost) implements AccessCommand {
        public ClearPermission {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(virtualHost, "virtualHost");
        }
    }

    record SetTopicPermission(TopicPermission permission) implements AccessCommand {
        public SetTopicPermission {
            Objects.requireNonNull(permission, "permission");
        }
    }

    /** Clears the user's topic permission on {@code exchange}, or on every exchange when it is null. */
    record ClearTopicPermission(String user, String virtualHost, String exchange) implements AccessCommand {
        public ClearTopicPermission {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(virtualHost, "virtualHost");
        }
    }

    record SetUserLimits(String user, UserLimits limits) implements AccessCommand {
        public SetUserLimits {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(limits, "limits");
        }
    }

    record SetVirtualHostLimits(String virtualHost, VirtualHostLimits limits) implements AccessCommand {
        public SetVirtualHostLimits {
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(limits, "limits");
        }
    }

    /** Adds Kafka ACL bindings (one already present stays once). */
    record CreateAcls(List<AclBinding> bindings) implements AccessCommand {
        public CreateAcls {
            bindings = List.copyOf(bindings);
        }
    }

    /**
     * Removes exactly these Kafka ACL bindings: a DeleteAcls filter is resolved to the bindings it
     * matches when the change is accepted, so replaying the command needs no filter logic.
     */
    record DeleteAcls(List<AclBinding> bindings) implements AccessCommand {
        public DeleteAcls {
            bindings = List.copyOf(bindings);
        }
    }

    /** Sets (creates or replaces) a policy or an operator policy, checked when it was made. */
    record SetPolicy(Policy policy) implements AccessCommand {
        public SetPolicy {
            Objects.requireNonNull(policy, "policy");
        }
    }

    record ClearPolicy(PolicyKind kind, String virtualHost, String name) implements AccessCommand {
        public ClearPolicy {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * Sets the cluster name (RabbitMQ's global parameter {@code cluster_name}): what AMQP clients
     * see as {@code cluster_name} in connection.start and the management API shows. Any text, the
     * empty one too, as RabbitMQ takes it.
     */
    record SetClusterName(String name) implements AccessCommand {
        public SetClusterName {
            Objects.requireNonNull(name, "name");
        }
    }
}
