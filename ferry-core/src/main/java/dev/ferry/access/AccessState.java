package dev.ferry.access;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.ferry.access.AccessCommand.AddVirtualHost;
import dev.ferry.access.AccessCommand.ClearPermission;
import dev.ferry.access.AccessCommand.CreateAcls;
import dev.ferry.access.AccessCommand.DeleteAcls;
import dev.ferry.access.AccessCommand.ClearTopicPermission;
import dev.ferry.access.AccessCommand.SetClusterName;
import dev.ferry.access.AccessCommand.DeleteUser;
import dev.ferry.access.AccessCommand.DeleteVirtualHost;
import dev.ferry.access.AccessCommand.PutUser;
import dev.ferry.access.AccessCommand.SetPermission;
import dev.ferry.access.AccessCommand.SetTopicPermission;
import dev.ferry.access.AccessCommand.SetUserLimits;
import dev.ferry.access.AccessCommand.SetVirtualHostLimits;
import dev.ferry.access.AccessCommand.ClearPolicy;
import dev.ferry.access.AccessCommand.SetPolicy;
import dev.ferry.error.BrokerException;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;

/**
 * Users, virtual hosts, permissions and limits at one point of the access log: an immutable value,
 * so readers on any thread use a snapshot without a lock, and {@link #apply} makes the next one.
 * Deleting a user takes its permissions and limits with it; deleting a virtual host takes the
 * permissions in it and its limits. Limits set to none are not kept: a user or virtual host without
 * any is not listed among those with limits.
 */
public final class AccessState {
    public static final AccessState EMPTY = new AccessState(Map.of(), Set.of(), Map.of(), Map.of(), Map.of(), Map.of(),
            List.of(), Map.of(), null);

    private final Map<String, User> users;
    private final Set<String> virtualHosts;
    /** Keyed by virtual host, then user. */
    private final Map<String, Map<String, Permission>> permissions;
    /** Keyed by virtual host, then user, then exchange. */
    private final Map<String, Map<String, Map<String, TopicPermission>>> topicPermissions;
    private final Map<String, UserLimits> userLimits;
    private final Map<String, VirtualHostLimits> virtualHostLimits;
    /** Kafka ACL bindings, each once, in the order created. */
    private final List<AclBinding> acls;
    /** Policies and operator policies, in the order set (RabbitMQ's runtime parameters; kept here for the same log). */
    private final Map<PolicyKey, Policy> policies;
    /** RabbitMQ's global parameter {@code cluster_name}; null until one is set (the node's default then). */
    private final String clusterName;

    private record PolicyKey(PolicyKind kind, String virtualHost, String name) {
    }

    private AccessState(Map<String, User> users, Set<String> virtualHosts,
                        Map<String, Map<String, Permission>> permissions,
                        Map<String, Map<String, Map<String, TopicPermission>>> topicPermissions,
                        Map<String, UserLimits> userLimits, Map<String, VirtualHostLimits> virtualHostLimits,
                        List<AclBinding> acls, Map<PolicyKey, Policy> policies, String clusterName) {
        this.users = users;
        this.virtualHosts = virtualHosts;
        this.permissions = permissions;
        this.topicPermissions = topicPermissions;
        this.userLimits = userLimits;
        this.virtualHostLimits = virtualHostLimits;
        this.acls = acls;
        this.policies = policies;
        this.clusterName = clusterName;
    }

    /** The cluster name set through {@link SetClusterName}, or null when none was ever set. */
    public String clusterName() {
        return clusterName;
    }

    /** Every policy and operator policy. */
    public List<Policy> policies() {
        return List.copyOf(policies.values());
    }

    /** The policies and operator policies of one virtual host. */
    public List<Policy> policies(String virtualHost) {
        return policies.values().stream().filter(p -> p.virtualHost().equals(virtualHost)).toList();
    }

    /** The policy of that kind and name in the virtual host, or null. */
    public Policy policy(PolicyKind kind, String virtualHost, String name) {
        return policies.get(new PolicyKey(kind, virtualHost, name));
    }

    /** Every Kafka ACL binding (Kafka principals are not checked against the users: Kafka does not either). */
    public List<AclBinding> acls() {
        return acls;
    }

    public User user(String name) {
        return users.get(name);
    }

    public List<User> users() {
        return List.copyOf(users.values());
    }

    public boolean hasVirtualHost(String name) {
        return virtualHosts.contains(name);
    }

    public List<String> virtualHosts() {
        return List.copyOf(virtualHosts);
    }

    /** The user's permission in the virtual host, or null. */
    public Permission permission(String user, String virtualHost) {
        return permissions.getOrDefault(virtualHost, Map.of()).get(user);
    }

    public List<Permission> permissions() {
        List<Permission> all = new ArrayList<>();
        permissions.values().forEach(byUser -> all.addAll(byUser.values()));
        return all;
    }

    /** The user's topic permission on the exchange, or null (unrestricted). */
    public TopicPermission topicPermission(String user, String virtualHost, String exchange) {
        return topicPermissions.getOrDefault(virtualHost, Map.of()).getOrDefault(user, Map.of()).get(exchange);
    }

    /** Whether the user has a topic permission on any exchange of the virtual host (else topic checks can be skipped). */
    public boolean hasTopicPermissions(String user, String virtualHost) {
        return !topicPermissions.getOrDefault(virtualHost, Map.of()).getOrDefault(user, Map.of()).isEmpty();
    }

    public List<TopicPermission> topicPermissions() {
        List<TopicPermission> all = new ArrayList<>();
        topicPermissions.values().forEach(byUser -> byUser.values().forEach(byExchange -> all.addAll(byExchange.values())));
        return all;
    }

    public UserLimits userLimits(String user) {
        return userLimits.getOrDefault(user, UserLimits.NONE);
    }

    public VirtualHostLimits virtualHostLimits(String virtualHost) {
        return virtualHostLimits.getOrDefault(virtualHost, VirtualHostLimits.NONE);
    }

    /** Every user with limits set, by name (for listings such as GET /api/user-limits). */
    public Map<String, UserLimits> allUserLimits() {
        return userLimits;
    }

    /** Every virtual host with limits set, by name (GET /api/vhost-limits). */
    public Map<String, VirtualHostLimits> allVirtualHostLimits() {
        return virtualHostLimits;
    }

    /**
     * Refuses a command that names a user or virtual host that does not exist, with RabbitMQ's
     * words; applying a checked command cannot fail.
     */
    public void check(AccessCommand command) {
        if (command instanceof SetPermission c) {
            requireUserAndVirtualHost(c.permission().user(), c.permission().virtualHost());
        } else if (command instanceof SetTopicPermission c) {
            requireUserAndVirtualHost(c.permission().user(), c.permission().virtualHost());
        } else if (command instanceof ClearPermission c) {
            requireUserAndVirtualHost(c.user(), c.virtualHost());
        } else if (command instanceof ClearTopicPermission c) {
            requireUserAndVirtualHost(c.user(), c.virtualHost());
        } else if (command instanceof DeleteUser c) {
            requireUser(c.name());
        } else if (command instanceof DeleteVirtualHost c) {
            requireVirtualHost(c.name());
        } else if (command instanceof SetUserLimits c) {
            requireUser(c.user());
        } else if (command instanceof SetVirtualHostLimits c) {
            requireVirtualHost(c.virtualHost());
        } else if (command instanceof SetPolicy c) {
            requireVirtualHost(c.policy().virtualHost());
        } else if (command instanceof ClearPolicy c) {
            requireVirtualHost(c.virtualHost());
            if (policy(c.kind(), c.virtualHost(), c.name()) == null) {
                throw BrokerException.notFound("Parameter does not exist");
            }
        }
    }

    private void requireUserAndVirtualHost(String user, String virtualHost) {
        requireUser(user);
        requireVirtualHost(virtualHost);
    }

    private void requireUser(String user) {
        if (!users.containsKey(user)) {
            throw BrokerException.notFound("User '" + user + "' does not exist");
        }
    }

    private void requireVirtualHost(String virtualHost) {
        if (!virtualHosts.contains(virtualHost)) {
            throw BrokerException.notFound("Virtual host '" + virtualHost + "' does not exist");
        }
    }

    /** The state after {@code command}; a command naming something missing changes nothing. */
    public AccessState apply(AccessCommand command) {
        Builder next = new Builder(this);
        if (command instanceof PutUser c) {
            next.users.put(c.name(), new User(c.name(), c.tags(), c.hash()));
        } else if (command instanceof DeleteUser c) {
            next.users.remove(c.name());
            next.permissions.values().forEach(byUser -> byUser.remove(c.name()));
            next.topicPermissions.values().forEach(byUser -> byUser.remove(c.name()));
            next.userLimits.remove(c.name());
        } else if (command instanceof AddVirtualHost c) {
            next.virtualHosts.add(c.name());
        } else if (command instanceof DeleteVirtualHost c) {
            next.virtualHosts.remove(c.name());
            next.permissions.remove(c.name());
            next.topicPermissions.remove(c.name());
            next.virtualHostLimits.remove(c.name());
            next.policies.keySet().removeIf(key -> key.virtualHost().equals(c.name()));
        } else if (command instanceof SetPermission c) {
            Permission p = c.permission();
            if (next.users.containsKey(p.user()) && next.virtualHosts.contains(p.virtualHost())) {
                next.permissions.computeIfAbsent(p.virtualHost(), v -> new LinkedHashMap<>()).put(p.user(), p);
            }
        } else if (command instanceof ClearPermission c) {
            next.permissions.getOrDefault(c.virtualHost(), new LinkedHashMap<>()).remove(c.user());
        } else if (command instanceof SetTopicPermission c) {
            TopicPermission p = c.permission();
            if (next.users.containsKey(p.user()) && next.virtualHosts.contains(p.virtualHost())) {
                next.topicPermissions.computeIfAbsent(p.virtualHost(), v -> new LinkedHashMap<>())
                        .computeIfAbsent(p.user(), u -> new LinkedHashMap<>()).put(p.exchange(), p);
            }
        } else if (command instanceof ClearTopicPermission c) {
            Map<String, Map<String, TopicPermission>> byUser = next.topicPermissions.get(c.virtualHost());
            if (byUser != null && c.exchange() == null) {
                byUser.remove(c.user());
            } else if (byUser != null && byUser.containsKey(c.user())) {
                byUser.get(c.user()).remove(c.exchange());
            }
        } else if (command instanceof SetUserLimits c) {
            if (c.limits().isNone()) {
                next.userLimits.remove(c.user());
            } else if (next.users.containsKey(c.user())) {
                next.userLimits.put(c.user(), c.limits());
            }
        } else if (command instanceof SetVirtualHostLimits c) {
            if (c.limits().isNone()) {
                next.virtualHostLimits.remove(c.virtualHost());
            } else if (next.virtualHosts.contains(c.virtualHost())) {
                next.virtualHostLimits.put(c.virtualHost(), c.limits());
            }
        } else if (command instanceof CreateAcls c) {
            next.acls.addAll(c.bindings());
        } else if (command instanceof DeleteAcls c) {
            c.bindings().forEach(next.acls::remove);
        } else if (command instanceof SetPolicy c) {
            Policy p = c.policy();
            if (next.virtualHosts.contains(p.virtualHost())) {
                next.policies.put(new PolicyKey(p.kind(), p.virtualHost(), p.name()), p);
            }
        } else if (command instanceof ClearPolicy c) {
            next.policies.remove(new PolicyKey(c.kind(), c.virtualHost(), c.name()));
        } else if (command instanceof SetClusterName c) {
            next.clusterName = c.name();
        }
        return next.build();
    }

    /** Commands that rebuild this state from {@link #EMPTY}: what a compacted access log holds. */
    public List<AccessCommand> asCommands() {
        List<AccessCommand> commands = new ArrayList<>();
        virtualHosts.forEach(v -> commands.add(new AddVirtualHost(v)));
        users.values().forEach(u -> commands.add(new PutUser(u.name(), u.hash(), u.tags())));
        permissions().forEach(p -> commands.add(new SetPermission(p)));
        topicPermissions().forEach(p -> commands.add(new SetTopicPermission(p)));
        userLimits.forEach((u, l) -> commands.add(new SetUserLimits(u, l)));
        virtualHostLimits.forEach((v, l) -> commands.add(new SetVirtualHostLimits(v, l)));
        if (!acls.isEmpty()) {
            commands.add(new CreateAcls(acls));
        }
        policies.values().forEach(p -> commands.add(new SetPolicy(p)));
        if (clusterName != null) {
            commands.add(new SetClusterName(clusterName));
        }
        return commands;
    }

    /** Mutable deep copy for one apply; frozen again by {@link #build}. */
    private static final class Builder {
        final Map<String, User> users;
        final Set<String> virtualHosts;
        final Map<String, Map<String, Permission>> permissions = new LinkedHashMap<>();
        final Map<String, Map<String, Map<String, TopicPermission>>> topicPermissions = new LinkedHashMap<>();
        final Map<String, UserLimits> userLimits;
        final Map<String, VirtualHostLimits> virtualHostLimits;
        final Set<AclBinding> acls;
        final Map<PolicyKey, Policy> policies;
        String clusterName;

        Builder(AccessState from) {
            users = new LinkedHashMap<>(from.users);
            virtualHosts = new LinkedHashSet<>(from.virtualHosts);
            from.permissions.forEach((v, byUser) -> permissions.put(v, new LinkedHashMap<>(byUser)));
            from.topicPermissions.forEach((v, byUser) -> {
                Map<String, Map<String, TopicPermission>> copy = new LinkedHashMap<>();
                byUser.forEach((u, byExchange) -> copy.put(u, new LinkedHashMap<>(byExchange)));
                topicPermissions.put(v, copy);
            });
            userLimits = new LinkedHashMap<>(from.userLimits);
            virtualHostLimits = new LinkedHashMap<>(from.virtualHostLimits);
            acls = new LinkedHashSet<>(from.acls);
            policies = new LinkedHashMap<>(from.policies);
            clusterName = from.clusterName;
        }

        AccessState build() {
            Map<String, Map<String, Permission>> frozenPermissions = new LinkedHashMap<>();
            permissions.forEach((v, byUser) -> frozenPermissions.put(v, Collections.unmodifiableMap(byUser)));
            Map<String, Map<String, Map<String, TopicPermission>>> frozenTopic = new LinkedHashMap<>();
            topicPermissions.forEach((v, byUser) -> {
                Map<String, Map<String, TopicPermission>> copy = new LinkedHashMap<>();
                byUser.forEach((u, byExchange) -> copy.put(u, Collections.unmodifiableMap(byExchange)));
                frozenTopic.put(v, Collections.unmodifiableMap(copy));
            });
            return new AccessState(Collections.unmodifiableMap(users), Collections.unmodifiableSet(virtualHosts),
                    Collections.unmodifiableMap(frozenPermissions), Collections.unmodifiableMap(frozenTopic),
                    Collections.unmodifiableMap(userLimits), Collections.unmodifiableMap(virtualHostLimits),
                    List.copyOf(acls), Collections.unmodifiableMap(policies), clusterName);
        }
    }
}
