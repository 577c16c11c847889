package dev.ferry.access;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.access.AccessCommand.AddVirtualHost;
import dev.ferry.access.AccessCommand.ClearPermission;
import dev.ferry.access.AccessCommand.ClearPolicy;
import dev.ferry.access.AccessCommand.SetPolicy;
import dev.ferry.access.AccessCommand.CreateAcls;
import dev.ferry.access.AccessCommand.DeleteAcls;
import dev.ferry.access.AccessCommand.ClearTopicPermission;
import dev.ferry.access.AccessCommand.DeleteUser;
import dev.ferry.access.AccessCommand.DeleteVirtualHost;
import dev.ferry.access.AccessCommand.PutUser;
import dev.ferry.access.AccessCommand.SetClusterName;
import dev.ferry.access.AccessCommand.SetPermission;
import dev.ferry.access.AccessCommand.SetTopicPermission;
import dev.ferry.access.AccessCommand.SetUserLimits;
import dev.ferry.access.AccessCommand.SetVirtualHostLimits;
import dev.ferry.broker.Broker;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import dev.ferry.policy.VirtualHostPolicies;
import dev.ferry.text.LogSafe;

/**
 * Who may log in and what each user may do: users, virtual hosts, permissions, topic permissions
 * and limits, one per broker, for every protocol front (AMQP now; Kafka and HTTP use the same).
 *
 * <p>Reads ({@link #authenticate}, the {@code may*} checks) use an immutable {@link AccessState}
 * snapshot: no lock, safe from any event loop. A change is an {@link AccessCommand}: checked against
 * the state all earlier changes will make, recorded in the {@link AccessStore}, and applied only
 * once it is durable; its future completes then. A change names its object and is logged.
 *
 * <p>Virtual hosts live in the {@link Broker} too: adding one here adds it there once durable;
 * deleting one deletes its queues and exchanges.
 */
public final class AccessControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
    public static final String GUEST = "guest";

    private final AccessStore store;
    private final Broker broker;
    private final Set<String> loopbackUsers;
    private final OpenConnections connections = new OpenConnections(this);
    private final Object changeLock = new Object();
    private boolean firstStart;
    /** What readers see: every change applied once durable. */
    private volatile AccessState state;
    /** The state after every change accepted so far, durable or not: what new changes are checked against. */
    private AccessState accepted;

    private AccessControl(AccessStore store, AccessState state, Broker broker, Set<String> loopbackUsers) {
        this.store = Objects.requireNonNull(store, "store");
        this.state = state;
        this.accepted = state;
        this.broker = broker;
        this.loopbackUsers = Set.copyOf(loopbackUsers);
        if (broker != null) {
            state.virtualHosts().forEach(broker::addVirtualHost);
            state.virtualHosts().forEach(this::applyPolicies);
        }
    }

    /**
     * The access control kept in {@code directory} (the data directory's {@code access/}). When
     * nothing is stored yet, RabbitMQ's defaults are recorded first: virtual host {@code /}, user
     * {@code guest}/{@code guest} tagged {@code administrator} with full permissions on {@code /}.
     *
     * @param loopbackUsers users who may log in from loopback addresses only (RabbitMQ's {@code loopback_users})
     */
    public static AccessControl open(Path directory, Broker broker, Set<String> loopbackUsers) {
        return open(directory, broker, loopbackUsers, rabbitMqDefaults());
    }

    /**
     * As {@link #open(Path, Broker, Set)}, recording {@code firstStart} instead of RabbitMQ's defaults
     * when nothing is stored yet (a first-start bootstrap such as {@code --users}).
     */
    public static AccessControl open(Path directory, Broker broker, Set<String> loopbackUsers,
                                     List<AccessCommand> firstStart) {
        AccessLog.Opened opened = AccessLog.open(directory);
        if (opened.state() != null) {
            AccessState state = opened.state();
            LOG.info("Access control: {} users, {} virtual hosts, {} permissions from {}", state.users().size(),
                    state.virtualHosts().size(), state.permissions().size(), directory);
            return new AccessControl(opened.log(), state, broker, loopbackUsers);
        }
        AccessControl access = new AccessControl(opened.log(), AccessState.EMPTY, broker, loopbackUsers);
        access.firstStart = true;
        CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
        for (AccessCommand command : firstStart) {
            last = access.apply(command);
        }
        last.join();
        LOG.info("Access control: nothing stored in {}; first-start users and virtual hosts recorded: {}", directory,
                access.state().users().stream().map(User::name).toList());
        return access;
    }

    /**
     * RabbitMQ's defaults for an empty broker: virtual host {@code /}, user {@code guest} (password
     * {@code guest}, tag {@code administrator}) with full permissions there. guest is loopback-only
     * as long as it is among the loopback users.
     */
    public static List<AccessCommand> rabbitMqDefaults() {
        return List.of(new AddVirtualHost(Broker.DEFAULT_VIRTUAL_HOST),
                new PutUser(GUEST, PasswordHash.of(GUEST), Set.of(User.ADMINISTRATOR)),
                new SetPermission(Permission.full(GUEST, Broker.DEFAULT_VIRTUAL_HOST)));
    }

    /** Whether nothing was stored when this opened: the first start of a data directory. */
    public boolean isFirstStart() {
        return firstStart;
    }

    /** Access control that keeps nothing on disk, starting from RabbitMQ's defaults. */
    public static AccessControl inMemory(Broker broker, Set<String> loopbackUsers) {
        AccessControl access = new AccessControl(AccessStore.IN_MEMORY, AccessState.EMPTY, broker, loopbackUsers);
        rabbitMqDefaults().forEach(access::apply);
        return access;
    }

    /** Access control over {@code store}, starting from {@code state} (tests). */
    static AccessControl of(AccessStore store, AccessState state, Broker broker, Set<String> loopbackUsers) {
        return new AccessControl(store, state, broker, loopbackUsers);
    }

    /** The current snapshot (management listings read one snapshot for a consistent answer). */
    public AccessState state() {
        return state;
    }

    // ---- authentication ----

    /**
     * The user {@code username} if {@code password} is theirs and they may log in from {@code from}
     * (a loopback-only user from a loopback address only). Unknown user and wrong password look alike.
     */
    public Optional<User> authenticate(String username, String password, SocketAddress from) {
        User user = state.user(username);
        if (user == null || !user.hash().matches(password)) {
            return Optional.empty();
        }
        return mayLogInFrom(username, from) ? Optional.of(user) : Optional.empty();
    }

    /** The address rule of every login, with or without a password: a loopback-only user from loopback only. */
    public boolean mayLogInFrom(String username, SocketAddress from) {
        return !loopbackUsers.contains(username) || ClientAddress.isLoopback(from);
    }

    public boolean isLoopbackOnly(String username) {
        return loopbackUsers.contains(username);
    }

    public Optional<User> user(String name) {
        return Optional.ofNullable(state.user(name));
    }

    public Collection<User> users() {
        return state.users();
    }

    // ---- authorisation ----

    public boolean virtualHostExists(String virtualHost) {
        return state.hasVirtualHost(virtualHost);
    }

    public List<String> virtualHosts() {
        return state.virtualHosts();
    }

    /** Whether the user has a permission entry in the virtual host (what connection.open needs). */
    public boolean mayOpen(User user, String virtualHost) {
        return state.permission(user.name(), virtualHost) != null;
    }

    public boolean mayConfigure(User user, String virtualHost, String resource) {
        Permission p = state.permission(user.name(), virtualHost);
        return p != null && p.allowsConfigure(resource);
    }

    public boolean mayWrite(User user, String virtualHost, String resource) {
        Permission p = state.permission(user.name(), virtualHost);
        return p != null && p.allowsWrite(resource);
    }

    public boolean mayRead(User user, String virtualHost, String resource) {
        Permission p = state.permission(user.name(), virtualHost);
        return p != null && p.allowsRead(resource);
    }

    /**
     * Whether the user may publish to topic exchange {@code exchange} with {@code routingKey}: true
     * when the user has no topic permission on it. The caller asks only for topic exchanges.
     */
    public boolean mayWriteTopic(User user, String virtualHost, String exchange, String routingKey) {
        TopicPermission p = state.topicPermission(user.name(), virtualHost, exchange);
        return p == null || p.allowsWrite(routingKey);
    }

    /** Whether the user may bind from topic exchange {@code exchange} with {@code routingKey}. */
    public boolean mayReadTopic(User user, String virtualHost, String exchange, String routingKey) {
        TopicPermission p = state.topicPermission(user.name(), virtualHost, exchange);
        return p == null || p.allowsRead(routingKey);
    }

    public List<Permission> permissions() {
        return state.permissions();
    }

    public List<TopicPermission> topicPermissions() {
        return state.topicPermissions();
    }

    public UserLimits userLimits(String user) {
        return state.userLimits(user);
    }

    public VirtualHostLimits virtualHostLimits(String virtualHost) {
        return state.virtualHostLimits(virtualHost);
    }

    /** Connections and channels open per user and virtual host, against their limits. */
    public OpenConnections connections() {
        return connections;
    }

    // ---- changes ----

    /** Creates or replaces a user (RabbitMQ's add_user / change_password / set_user_tags in one). */
    public CompletableFuture<Void> putUser(String name, PasswordHash hash, Set<String> tags) {
        return change(new PutUser(name, hash, tags), "user '" + name + "' stored with tags " + tags);
    }

    public CompletableFuture<Void> deleteUser(String name) {
        return change(new DeleteUser(name), "user '" + name + "' deleted");
    }

    public CompletableFuture<Void> setPermissions(Permission p) {
        return change(new SetPermission(p), "permissions of user '" + p.user() + "' in vhost '" + p.virtualHost()
                + "' set to configure '" + p.configure() + "' write '" + p.write() + "' read '" + p.read() + "'");
    }

    public CompletableFuture<Void> clearPermissions(String user, String virtualHost) {
        return change(new ClearPermission(user, virtualHost), "permissions of user '" + user + "' in vhost '"
                + virtualHost + "' cleared");
    }

    public CompletableFuture<Void> setTopicPermissions(TopicPermission p) {
        return change(new SetTopicPermission(p), "topic permissions of user '" + p.user() + "' in vhost '"
                + p.virtualHost() + "' on exchange '" + p.exchange() + "' set to write '" + p.write() + "' read '"
                + p.read() + "'");
    }

    /** Clears the user's topic permissions on {@code exchange}, or on every exchange when it is null. */
    public CompletableFuture<Void> clearTopicPermissions(String user, String virtualHost, String exchange) {
        return change(new ClearTopicPermission(user, virtualHost, exchange), "topic permissions of user '" + user
                + "' in vhost '" + virtualHost + "' on " + (exchange == null ? "every exchange" : "exchange '"
                + exchange + "'") + " cleared");
    }

    /** Adds a virtual host (here and in the broker); an existing one is left as it is. */
    public CompletableFuture<Void> addVirtualHost(String name) {
        return change(new AddVirtualHost(name), "vhost '" + name + "' added");
    }

    /** Deletes a virtual host: its permissions, limits, and in the broker its queues and exchanges. */
    public CompletableFuture<Void> deleteVirtualHost(String name) {
        return change(new DeleteVirtualHost(name), "vhost '" + name + "' deleted");
    }

    public CompletableFuture<Void> setUserLimits(String user, UserLimits limits) {
        return change(new SetUserLimits(user, limits), "limits of user '" + user + "' set to " + limits);
    }

    public CompletableFuture<Void> setVirtualHostLimits(String virtualHost, VirtualHostLimits limits) {
        return change(new SetVirtualHostLimits(virtualHost, limits), "limits of vhost '" + virtualHost + "' set to "
                + limits);
    }

    /**
     * Sets the user's limits to what {@code update} makes of them, as every change accepted so far
     * leaves them: one limit changed through the API while another is changed beside it keeps both.
     * Resolved under the lock that orders changes (as {@link #deleteAcls}); recorded as a plain
     * {@link SetUserLimits}. 404 as {@link #setUserLimits} when the user does not exist.
     */
    public CompletableFuture<Void> updateUserLimits(String user, UnaryOperator<UserLimits> update) {
        synchronized (changeLock) {
            return setUserLimits(user, update.apply(accepted.userLimits(user)));
        }
    }

    /**
     * Creates or changes a user from what {@code update} makes of it as every change accepted so
     * far leaves it (null when there is no such user): a user it returns is stored, null changes
     * nothing. Resolved under the lock that orders changes, so two updates of one user (Kafka's
     * SCRAM credentials of two mechanisms, altered by two clients) both count; recorded as a plain
     * {@link PutUser}.
     *
     * @return completes once the change is durable, with whether there was one
     */
    public CompletableFuture<Boolean> updateUser(String name, UnaryOperator<User> update) {
        synchronized (changeLock) {
            User changed = update.apply(accepted.user(name));
            if (changed == null) {
                return CompletableFuture.completedFuture(false);
            }
            return putUser(changed.name(), changed.hash(), changed.tags()).thenApply(ignored -> true);
        }
    }

    /** As {@link #updateUserLimits}, for a virtual host's limits. */
    public CompletableFuture<Void> updateVirtualHostLimits(String virtualHost, UnaryOperator<VirtualHostLimits> update) {
        synchronized (changeLock) {
            return setVirtualHostLimits(virtualHost, update.apply(accepted.virtualHostLimits(virtualHost)));
        }
    }

    /** Sets the cluster name clients and the management API are shown (RabbitMQ's {@code cluster_name}). */
    public CompletableFuture<Void> setClusterName(String name) {
        return change(new SetClusterName(name), "cluster name set to '" + name + "'");
    }

    /** The cluster name set with {@link #setClusterName}; empty when none was ever set (the node's default applies). */
    public Optional<String> clusterName() {
        return Optional.ofNullable(state.clusterName());
    }

    /** Adds Kafka ACL bindings, durable once the future completes. */
    public CompletableFuture<Void> createAcls(List<AclBinding> bindings) {
        return change(new CreateAcls(bindings), "Kafka ACLs created: " + bindings);
    }

    /**
     * Deletes the Kafka ACL bindings each filter matches; the future gives, per filter in order, the
     * bindings it deleted (a binding two filters match is reported under the first). The filters are
     * resolved against every change accepted so far, under the same lock that orders changes.
     */
    public CompletableFuture<List<List<AclBinding>>> deleteAcls(List<AclFilter> filters) {
        synchronized (changeLock) {
            List<List<AclBinding>> matched = new ArrayList<>();
            Set<AclBinding> taken = new LinkedHashSet<>();
            for (AclFilter filter : filters) {
                List<AclBinding> mine = new ArrayList<>();
                for (AclBinding binding : accepted.acls()) {
                    if (filter.matches(binding) && taken.add(binding)) {
                        mine.add(binding);
                    }
                }
                matched.add(mine);
            }
            if (taken.isEmpty()) {
                return CompletableFuture.completedFuture(matched);
            }
            return change(new DeleteAcls(List.copyOf(taken)), "Kafka ACLs deleted: " + taken)
                    .thenApply(done -> matched);
        }
    }

    /** Kafka ACL bindings a filter matches, in the durable state. */
    public List<AclBinding> acls(AclFilter filter) {
        return state.acls().stream().filter(filter::matches).toList();
    }

    /** Applies any change (the typed methods above are shorthands); logged as the command. */
    public CompletableFuture<Void> apply(AccessCommand command) {
        return change(command, command.toString());
    }

    /**
     * Checks {@code command} against every change accepted before it, records it, and applies it once
     * durable. Refusals (an unknown user or virtual host) are thrown at once, as BrokerException 404.
     * A change the store cannot write fails its future and is never applied; the store then refuses
     * every later change too, until a restart replays what is on disk.
     */
    private CompletableFuture<Void> change(AccessCommand command, String description) {
        synchronized (changeLock) {
            accepted.check(command);
            accepted = accepted.apply(command);
            // Registered under the lock: the store completes futures in recording order (on its one
            // thread, or at once for a store that keeps nothing), so changes apply in the order accepted.
            return store.record(command).thenRun(() -> {
                state = state.apply(command);
                LOG.info("Access change: {}", LogSafe.text(description));
                applyToBroker(command);
            });
        }
    }

    private void applyToBroker(AccessCommand command) {
        if (broker == null) {
            return;
        }
        if (command instanceof AddVirtualHost add) {
            broker.addVirtualHost(add.name());
            applyPolicies(add.name());
        } else if (command instanceof DeleteVirtualHost delete) {
            broker.deleteVirtualHost(delete.name());
        } else if (command instanceof SetPolicy set) {
            applyPolicies(set.policy().virtualHost());
        } else if (command instanceof ClearPolicy clear) {
            applyPolicies(clear.virtualHost());
        }
    }

    /** Hands the virtual host its policies as they stand now (they apply to its queues at once). */
    private void applyPolicies(String virtualHost) {
        broker.virtualHost(virtualHost).ifPresent(v -> v.usePolicies(new VirtualHostPolicies(state.policies(virtualHost))));
    }

    // ---- policies (RabbitMQ keeps them as runtime parameters; they share the access log here) ----

    /** Sets a policy or operator policy (made by {@link Policy#create}); in effect once durable. */
    public CompletableFuture<Void> setPolicy(Policy policy) {
        return change(new SetPolicy(policy), "set " + policy.kind().wireName() + " '" + policy.name() + "' in vhost '"
                + policy.virtualHost() + "': pattern " + policy.pattern() + ", apply-to " + policy.target().wireName()
                + ", priority " + policy.priority() + ", definition " + policy.definition());
    }

    /** Clears a policy; 404 "Parameter does not exist" (rabbitmqctl's words) when there is none of that name. */
    public CompletableFuture<Void> clearPolicy(PolicyKind kind, String virtualHost, String name) {
        return change(new ClearPolicy(kind, virtualHost, name), "clear " + kind.wireName() + " '" + name
                + "' in vhost '" + virtualHost + "'");
    }

    /** The policies and operator policies in effect (durable). */
    public List<Policy> policies() {
        return state.policies();
    }

    @Override
    public void close() {
        store.close();
    }
}
