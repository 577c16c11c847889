package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.access.AccessControl;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.Permission;
import dev.ferry.access.TopicPermission;
import dev.ferry.access.User;
import dev.ferry.access.UserLimits;
import dev.ferry.access.VirtualHostLimits;
import dev.ferry.broker.Broker;
import dev.ferry.broker.QueueDeclaration;
import dev.ferry.broker.VirtualHost;
import dev.ferry.error.BrokerException;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import dev.ferry.queue.QueueArguments;
import dev.ferry.route.ExchangeType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * A RabbitMQ definitions document ({@code GET /api/definitions}, {@code rabbitmqctl
 * export_definitions}), read and checked as a whole before anything is applied: a malformed entry,
 * an unsupported hashing algorithm, or a permission, queue, exchange or binding that refers to a
 * user, virtual host, queue or exchange that exists neither in the document nor in the broker is
 * refused with a reason naming the entry, and nothing changes; so is a queue whose arguments a
 * declaration would refuse.
 *
 * <p>Applied as upserts in dependency order: virtual hosts, users (and their limits), permissions,
 * topic permissions, virtual host limits, then exchanges, queues and bindings through the
 * broker's declare calls. Each step waits for the previous one's futures, so nothing blocks.
 * What the document does not name is left alone. Used by {@code POST /api/definitions} and by the
 * server's {@code --definitions} bootstrap file.
 *
 * <ul>
 *   <li>{@code users}: {@code password_hash} with {@code hashing_algorithm}
 *       {@code rabbit_password_hashing_sha256} (the default when absent), or, a Ferry extension, a
 *       plain {@code password}; and, another Ferry extension that an export writes, the user's SCRAM
 *       credentials ({@code scram_credentials}, see {@link ScramCredentialsJson}); {@code tags} as a list (RabbitMQ 3.10) or one comma-separated string
 *       (older exports); {@code limits} {@code max-connections} / {@code max-channels}.</li>
 *   <li>{@code parameters} of component {@code vhost-limits}; other components are not applied
 *       yet (counted in {@link #ignored()}).</li>
 *   <li>{@code policies}: checked as {@code PUT /api/policies} checks them, set after the
 *       permissions (they apply to the queues and exchanges of the document, and to those that
 *       already exist, at once).</li>
 * </ul>
 */
public final class Definitions {
    public static final String SHA256 = "rabbit_password_hashing_sha256";

    /** A refused document; the reason names the entry. */
    public static final class InvalidDefinitionsException extends RuntimeException {
        public InvalidDefinitionsException(String reason) {
            super(reason, null, false, false);
        }
    }

    record UserEntry(String name, PasswordHash hash, String plainPassword, Set<String> tags, UserLimits limits) {
    }

    record ExchangeEntry(String virtualHost, String name, String type, boolean durable, boolean autoDelete,
                         boolean internal, Map<String, Object> arguments) {
    }

    record QueueEntry(String virtualHost, String name, boolean durable, boolean autoDelete,
                      Map<String, Object> arguments) {
    }

    record BindingEntry(String virtualHost, String source, String destination, boolean toQueue, String routingKey,
                        Map<String, Object> arguments) {
        String describe() {
            return "binding from exchange '" + source + "' to " + (toQueue ? "queue" : "exchange") + " '"
                    + destination + "' in vhost '" + virtualHost + "'";
        }
    }

    private final List<String> virtualHosts = new ArrayList<>();
    private final List<UserEntry> users = new ArrayList<>();
    private final List<Permission> permissions = new ArrayList<>();
    private final List<TopicPermission> topicPermissions = new ArrayList<>();
    private final Map<String, VirtualHostLimits> virtualHostLimits = new LinkedHashMap<>();
    private final List<ExchangeEntry> exchanges = new ArrayList<>();
    private final List<QueueEntry> queues = new ArrayList<>();
    private final List<BindingEntry> bindings = new ArrayList<>();
    private final List<Policy> policies = new ArrayList<>();
    private final List<String> ignored = new ArrayList<>();

    private Definitions() {
    }

    /**
     * Reads a document. With {@code onlyVirtualHost} (RabbitMQ's {@code /api/definitions/{vhost}}),
     * every queue, exchange, binding and parameter goes into that virtual host whatever its entry
     * says, and users, virtual hosts and permissions are not read.
     *
     * @throws InvalidDefinitionsException for a malformed entry
     */
    public static Definitions parse(JsonNode root, String onlyVirtualHost) {
        if (root == null || !root.isObject()) {
            throw new InvalidDefinitionsException("definitions must be a JSON object");
        }
        Definitions definitions = new Definitions();
        definitions.read(root, onlyVirtualHost);
        return definitions;
    }

    private void read(JsonNode root, String onlyVirtualHost) {
        if (onlyVirtualHost == null) {
            for (JsonNode vhost : array(root, "vhosts")) {
                virtualHosts.add(text(vhost, "name", "vhosts"));
            }
            for (JsonNode user : array(root, "users")) {
                users.add(userOf(user));
            }
            for (JsonNode p : array(root, "permissions")) {
                try {
                    permissions.add(new Permission(text(p, "user", "permissions"), text(p, "vhost", "permissions"),
                            text(p, "configure", "permissions"), text(p, "write", "permissions"),
                            text(p, "read", "permissions")));
                } catch (IllegalArgumentException e) {
                    throw new InvalidDefinitionsException("permissions: " + e.getMessage());
                }
            }
            for (JsonNode p : array(root, "topic_permissions")) {
                try {
                    topicPermissions.add(new TopicPermission(text(p, "user", "topic_permissions"),
                            text(p, "vhost", "topic_permissions"), text(p, "exchange", "topic_permissions"),
                            text(p, "write", "topic_permissions"), text(p, "read", "topic_permissions")));
                } catch (IllegalArgumentException e) {
                    throw new InvalidDefinitionsException("topic_permissions: " + e.getMessage());
                }
            }
        }
        for (JsonNode parameter : array(root, "parameters")) {
            if ("vhost-limits".equals(parameter.path("component").asText())) {
                String vhost = onlyVirtualHost != null ? onlyVirtualHost : text(parameter, "vhost", "parameters");
                JsonNode value = parameter.path("value");
                virtualHostLimits.put(vhost, new VirtualHostLimits(number(value, "max-connections"),
                        number(value, "max-queues")));
            } else {
                ignored.add("parameter " + parameter.path("component").asText() + "/" + parameter.path("name").asText());
            }
        }
        for (JsonNode policy : array(root, "policies")) {
            String name = text(policy, "name", "policies");
            String vhost = virtualHostOf(policy, onlyVirtualHost, "policies");
            try {
                RequiredFields.require((ObjectNode) policy, "pattern", "definition");
                policies.add(PoliciesEndpoint.parse(policy, PolicyKind.USER, vhost, name));
            } catch (ApiException refusal) {
                throw new InvalidDefinitionsException("policy '" + name + "' in vhost '" + vhost + "': "
                        + refusal.reason());
            }
        }
        for (JsonNode exchange : array(root, "exchanges")) {
            String name = text(exchange, "name", "exchanges");
            String vhost = virtualHostOf(exchange, onlyVirtualHost, "exchanges");
            String type = text(exchange, "type", "exchanges");
            if (ExchangeType.fromWireName(type).isEmpty()) {
                throw new InvalidDefinitionsException("exchange '" + name + "' in vhost '" + vhost
                        + "': unknown exchange type '" + type + "'");
            }
            exchanges.add(new ExchangeEntry(vhost, name, type, flag(exchange, "durable", true, "exchange", name),
                    flag(exchange, "auto_delete", false, "exchange", name),
                    flag(exchange, "internal", false, "exchange", name), arguments(exchange, "exchange", name)));
        }
        for (JsonNode queue : array(root, "queues")) {
            String name = text(queue, "name", "queues");
            queues.add(new QueueEntry(virtualHostOf(queue, onlyVirtualHost, "queues"), name,
                    flag(queue, "durable", true, "queue", name), flag(queue, "auto_delete", false, "queue", name),
                    arguments(queue, "queue", name)));
        }
        for (JsonNode binding : array(root, "bindings")) {
            String type = text(binding, "destination_type", "bindings");
            if (!type.equals("queue") && !type.equals("exchange")) {
                throw new InvalidDefinitionsException("bindings: destination_type must be queue or exchange: " + binding);
            }
            String routingKey = binding.hasNonNull("routing_key") ? text(binding, "routing_key", "bindings") : "";
            bindings.add(new BindingEntry(virtualHostOf(binding, onlyVirtualHost, "bindings"),
                    text(binding, "source", "bindings"), text(binding, "destination", "bindings"),
                    type.equals("queue"), routingKey, arguments(binding, "binding to", binding.path("destination").asText())));
        }
    }

    private static UserEntry userOf(JsonNode user) {
        String name = text(user, "name", "users");
        Set<String> tags = tagsOf(user.get("tags"));
        JsonNode limitsNode = user.get("limits");
        UserLimits limits = limitsNode == null || limitsNode.isNull() ? null
                : new UserLimits(number(limitsNode, "max-connections"), number(limitsNode, "max-channels"));
        if (user.hasNonNull("password")) {
            String password = user.get("password").asText();
            return new UserEntry(name, PasswordHash.of(password), password, tags, limits);
        }
        String algorithm = user.path("hashing_algorithm").asText(SHA256);
        if (!algorithm.equals(SHA256)) {
            throw new InvalidDefinitionsException("user '" + name + "': hashing_algorithm '" + algorithm
                    + "' is not supported (Ferry reads " + SHA256 + ", RabbitMQ's default)");
        }
        String hash = user.path("password_hash").asText("");
        PasswordHash parsed;
        try {
            parsed = hash.isEmpty() ? PasswordHash.NONE : PasswordHash.fromRabbitSha256(hash);
        } catch (IllegalArgumentException e) {
            throw new InvalidDefinitionsException("user '" + name + "': " + e.getMessage());
        }
        return new UserEntry(name, ScramCredentialsJson.read(name, user.get(ScramCredentialsJson.KEY), parsed), null,
                tags, limits);
    }

    /** Tags as RabbitMQ 3.10 writes them (a list) or older versions (one comma-separated string). */
    private static Set<String> tagsOf(JsonNode tags) {
        Set<String> result = new LinkedHashSet<>();
        if (tags == null || tags.isNull()) {
            return result;
        }
        List<String> given = new ArrayList<>();
        if (tags.isArray()) {
            tags.forEach(tag -> given.add(tag.asText()));
        } else {
            given.addAll(List.of(tags.asText().split(",")));
        }
        for (String tag : given) {
            if (!tag.isBlank()) {
                result.add(tag.strip());
            }
        }
        return result;
    }

    /**
     * Checks every reference against the document and the broker: the virtual host of each entry,
     * the user and virtual host of each permission, both ends of each binding.
     *
     * @throws InvalidDefinitionsException naming the first entry that refers to something missing
     */
    public void checkReferences(Broker broker, AccessControl access) {
        Set<String> hosts = new HashSet<>(virtualHosts);
        broker.virtualHosts().forEach(host -> hosts.add(host.name()));
        Set<String> userNames = new HashSet<>();
        users.forEach(user -> userNames.add(user.name()));
        if (access != null) {
            access.users().forEach(user -> userNames.add(user.name()));
        }
        for (Permission p : permissions) {
            requireUserAndHost(userNames, hosts, p.user(), p.virtualHost(), "permission");
        }
        for (TopicPermission p : topicPermissions) {
            requireUserAndHost(userNames, hosts, p.user(), p.virtualHost(), "topic permission");
        }
        for (String vhost : virtualHostLimits.keySet()) {
            requireHost(hosts, vhost, "vhost-limits of vhost '" + vhost + "'");
        }
        for (Policy policy : policies) {
            requireHost(hosts, policy.virtualHost(), "policy '" + policy.name() + "'");
        }
        Set<String> exchangeKeys = new HashSet<>();
        Set<String> queueKeys = new HashSet<>();
        for (ExchangeEntry exchange : exchanges) {
            requireHost(hosts, exchange.virtualHost(), "exchange '" + exchange.name() + "'");
            exchangeKeys.add(key(exchange.virtualHost(), exchange.name()));
        }
        for (QueueEntry queue : queues) {
            String what = "queue '" + queue.name() + "' in vhost '" + queue.virtualHost() + "'";
            requireHost(hosts, queue.virtualHost(), what);
            try {
                // The arguments declare would refuse (a stream, a malformed x-argument), refused before any change.
                QueueArguments.parse(queue.arguments(), what);
            } catch (BrokerException refusal) {
                throw new InvalidDefinitionsException(what + ": " + refusal.getMessage());
            }
            queueKeys.add(key(queue.virtualHost(), queue.name()));
        }
        for (BindingEntry binding : bindings) {
            requireHost(hosts, binding.virtualHost(), binding.describe());
            VirtualHost host = broker.virtualHost(binding.virtualHost()).orElse(null);
            if (!exchangeKeys.contains(key(binding.virtualHost(), binding.source()))
                    && (host == null || host.exchange(binding.source()).isEmpty())) {
                throw new InvalidDefinitionsException(binding.describe() + ": exchange '" + binding.source()
                        + "' does not exist");
            }
            boolean destinationExists = binding.toQueue()
                    ? queueKeys.contains(key(binding.virtualHost(), binding.destination()))
                    || (host != null && host.queue(binding.destination()).isPresent())
                    : exchangeKeys.contains(key(binding.virtualHost(), binding.destination()))
                    || (host != null && host.exchange(binding.destination()).isPresent());
            if (!destinationExists) {
                throw new InvalidDefinitionsException(binding.describe() + ": " + (binding.toQueue() ? "queue" : "exchange")
                        + " '" + binding.destination() + "' does not exist");
            }
        }
    }

    private static void requireUserAndHost(Set<String> users, Set<String> hosts, String user, String vhost, String what) {
        if (!users.contains(user)) {
            throw new InvalidDefinitionsException(what + " of user '" + user + "' in vhost '" + vhost
                    + "': user '" + user + "' does not exist");
        }
        requireHost(hosts, vhost, what + " of user '" + user + "' in vhost '" + vhost + "'");
    }

    private static void requireHost(Set<String> hosts, String vhost, String what) {
        if (!hosts.contains(vhost)) {
            throw new InvalidDefinitionsException(what + ": vhost '" + vhost + "' does not exist");
        }
    }

    private static String key(String vhost, String name) {
        return vhost + '\0' + name;
    }

    /**
     * Applies virtual hosts, users, permissions, topic permissions and limits, skipping what is
     * already as the document says (so a bootstrap file applied at every start records nothing new).
     *
     * @param steps runs each step after the first (a thread of the caller's, not the one that
     *              happened to complete the previous step's last future: that may be a queue's owner)
     * @return completes with the number of changes once every one is durable
     */
    public CompletableFuture<Integer> applyAccess(AccessControl access, Executor steps) {
        List<Supplier<CompletableFuture<Void>>> hostChanges = new ArrayList<>();
        for (String name : virtualHosts) {
            if (!access.virtualHostExists(name)) {
                hostChanges.add(() -> access.addVirtualHost(name));
            }
        }
        return runAll(hostChanges).thenComposeAsync(hostCount -> {
            List<Supplier<CompletableFuture<Void>>> changes = new ArrayList<>();
            for (UserEntry user : users) {
                if (!sameUser(access, user)) {
                    changes.add(() -> access.putUser(user.name(), user.hash(), user.tags()));
                }
                if (user.limits() != null && !user.limits().equals(access.state().userLimits(user.name()))) {
                    changes.add(() -> access.setUserLimits(user.name(), user.limits()));
                }
            }
            return runAll(changes).thenComposeAsync(userCount -> {
                List<Supplier<CompletableFuture<Void>>> grants = new ArrayList<>();
                for (Permission p : permissions) {
                    if (!p.equals(access.state().permission(p.user(), p.virtualHost()))) {
                        grants.add(() -> access.setPermissions(p));
                    }
                }
                for (TopicPermission p : topicPermissions) {
                    if (!p.equals(access.state().topicPermission(p.user(), p.virtualHost(), p.exchange()))) {
                        grants.add(() -> access.setTopicPermissions(p));
                    }
                }
                virtualHostLimits.forEach((vhost, limits) -> {
                    if (!limits.equals(access.state().virtualHostLimits(vhost))) {
                        grants.add(() -> access.setVirtualHostLimits(vhost, limits));
                    }
                });
                for (Policy policy : policies) {
                    if (!policy.equals(access.state().policy(policy.kind(), policy.virtualHost(), policy.name()))) {
                        grants.add(() -> access.setPolicy(policy));
                    }
                }
                return runAll(grants).thenApply(grantCount -> hostCount + userCount + grantCount);
            }, steps);
        }, steps);
    }

    /** Whether the stored user already is what the document says. */
    private static boolean sameUser(AccessControl access, UserEntry entry) {
        User stored = access.user(entry.name()).orElse(null);
        if (stored == null || !stored.tags().equals(entry.tags())) {
            return false;
        }
        if (entry.plainPassword() != null) {
            return stored.hash().matches(entry.plainPassword());
        }
        if (!stored.hash().rabbitSha256().equals(entry.hash().rabbitSha256())) {
            return false;
        }
        // A document without SCRAM credentials (RabbitMQ's) leaves the stored ones alone; one with them must match.
        for (PasswordHash.ScramMechanism mechanism : PasswordHash.ScramMechanism.values()) {
            java.util.Optional<PasswordHash.ScramCredential> given = entry.hash().scram(mechanism);
            if (given.isPresent() && !stored.hash().scram(mechanism)
                    .map(have -> java.util.Arrays.equals(have.storedKey(), given.get().storedKey())
                            && java.util.Arrays.equals(have.salt(), given.get().salt())
                            && have.iterations() == given.get().iterations())
                    .orElse(false)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Declares the exchanges, then the queues, then the bindings, each step once the previous one
     * is durable. A declaration the broker refuses (an existing queue declared differently) fails
     * the future with {@link InvalidDefinitionsException} naming it; what was declared before stays.
     *
     * @param steps runs each step (as for {@link #applyAccess})
     */
    public CompletableFuture<Void> applyTopology(Broker broker, Executor steps) {
        List<Supplier<CompletableFuture<Void>>> exchangeDeclarations = new ArrayList<>();
        for (ExchangeEntry e : exchanges) {
            exchangeDeclarations.add(() -> {
                VirtualHost host = hostOf(broker, e.virtualHost());
                if (e.name().startsWith("amq.") && host.exchange(e.name()).isPresent()) {
                    return CompletableFuture.completedFuture(null); // predeclared, as RabbitMQ's own exports omit
                }
                return refusalNaming("exchange '" + e.name() + "' in vhost '" + e.virtualHost() + "'",
                        () -> host.declareExchange(e.name(), e.type(), e.durable(), e.autoDelete(), e.internal(),
                                e.arguments()));
            });
        }
        List<Supplier<CompletableFuture<Void>>> queueDeclarations = new ArrayList<>();
        for (QueueEntry q : queues) {
            queueDeclarations.add(() -> refusalNaming("queue '" + q.name() + "' in vhost '" + q.virtualHost() + "'",
                    () -> hostOf(broker, q.virtualHost()).declareQueue(new QueueDeclaration(q.name(), q.durable(), false,
                            q.autoDelete(), q.arguments(), BrokerView.sessionId())).durable()));
        }
        List<Supplier<CompletableFuture<Void>>> bindingDeclarations = new ArrayList<>();
        for (BindingEntry b : bindings) {
            bindingDeclarations.add(() -> refusalNaming(b.describe(), () -> {
                VirtualHost host = hostOf(broker, b.virtualHost());
                return b.toQueue()
                        ? host.bindQueue(b.destination(), b.source(), b.routingKey(), b.arguments(), BrokerView.sessionId())
                        : host.bindExchange(b.destination(), b.source(), b.routingKey(), b.arguments());
            }));
        }
        return CompletableFuture.supplyAsync(() -> runAll(exchangeDeclarations), steps)
                .thenCompose(declared -> declared)
                .thenComposeAsync(ignored -> runAll(queueDeclarations), steps)
                .thenComposeAsync(ignored -> runAll(bindingDeclarations), steps)
                .thenApply(ignored -> null);
    }

    private static VirtualHost hostOf(Broker broker, String name) {
        return broker.virtualHost(name).orElseThrow(() -> new InvalidDefinitionsException(
                "vhost '" + name + "' does not exist"));
    }

    private static CompletableFuture<Void> refusalNaming(String what, Supplier<CompletableFuture<Void>> declaration) {
        CompletableFuture<Void> declared;
        try {
            declared = declaration.get();
        } catch (BrokerException refusal) {
            return CompletableFuture.failedFuture(new InvalidDefinitionsException(what + ": " + refusal.getMessage()));
        }
        return declared.handle((ignored, error) -> {
            if (error == null) {
                return null;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            throw new InvalidDefinitionsException(what + ": " + cause.getMessage());
        });
    }

    /** Starts every change (in order) and completes with their count when all have. */
    private static CompletableFuture<Integer> runAll(List<Supplier<CompletableFuture<Void>>> changes) {
        List<CompletableFuture<Void>> started = new ArrayList<>(changes.size());
        for (Supplier<CompletableFuture<Void>> change : changes) {
            try {
                started.add(change.get());
            } catch (RuntimeException e) {
                started.add(CompletableFuture.failedFuture(e));
                break;
            }
        }
        return CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).thenApply(ignored -> started.size());
    }

    /** What the document holds that Ferry does not apply yet (parameters of other components). */
    public List<String> ignored() {
        return List.copyOf(ignored);
    }

    public boolean hasTopology() {
        return !exchanges.isEmpty() || !queues.isEmpty() || !bindings.isEmpty();
    }

    private static Iterable<JsonNode> array(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new InvalidDefinitionsException("'" + name + "' must be a list");
        }
        return node;
    }

    private static String text(JsonNode entry, String field, String section) {
        JsonNode value = entry.get(field);
        if (value == null || !value.isTextual()) {
            throw new InvalidDefinitionsException("an entry of '" + section + "' has no text field '" + field + "': "
                    + entry);
        }
        return value.asText();
    }

    private static String virtualHostOf(JsonNode entry, String onlyVirtualHost, String section) {
        return onlyVirtualHost != null ? onlyVirtualHost : text(entry, "vhost", section);
    }

    private static boolean flag(JsonNode entry, String field, boolean absent, String kind, String name) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isBoolean()) {
            throw new InvalidDefinitionsException(kind + " '" + name + "': " + field + " must be true or false");
        }
        return value.booleanValue();
    }

    private static Map<String, Object> arguments(JsonNode entry, String kind, String name) {
        JsonNode value = entry.get("arguments");
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!(value instanceof ObjectNode object)) {
            throw new InvalidDefinitionsException(kind + " '" + name + "': arguments must be an object");
        }
        return MessageJson.tableOf(object);
    }

    /** A limit; absent means no limit (-1). */
    private static int number(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        return value == null || value.isNull() ? -1 : value.asInt(-1);
    }
}
