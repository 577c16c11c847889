package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.access.AccessControl;
import dev.ferry.access.TopicPermission;
import dev.ferry.access.User;
import dev.ferry.access.UserLimits;
import dev.ferry.access.VirtualHostLimits;
import dev.ferry.broker.VirtualHost;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import dev.ferry.queue.MessageQueue;
import dev.ferry.route.Binding;
import dev.ferry.route.DefaultExchange;
import dev.ferry.route.Exchange;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.text.LogSafe;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpData;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/definitions[/{vhost}]}: GET exports, POST imports RabbitMQ's definitions format
 * (see {@link Definitions} for what an import applies). Administrators only, as RabbitMQ.
 *
 * <p>As RabbitMQ 3.10 exports: every queue that is not exclusive (durable or not), every exchange
 * but the default and the predeclared {@code amq.*} ones, every binding between them (bindings
 * from {@code amq.*} exchanges included). The per-vhost export leaves users, virtual hosts and
 * permissions out and the {@code vhost} field out of queues, exchanges and bindings. Arguments are
 * written in key order, as RabbitMQ writes them.
 */
final class DefinitionsEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(DefinitionsEndpoint.class);

    private final BrokerView view;
    private final AccessControl access;

    DefinitionsEndpoint(BrokerView view, AccessControl access) {
        this.view = view;
        this.access = access;
    }

    CompletableFuture<ApiResponse> handle(ApiRequest request) {
        BrokerView.requireAdministrator(request.user());
        int depth = request.path().size();
        if (depth > 2) {
            throw ApiException.notFound();
        }
        String onlyVirtualHost = depth == 2 ? request.segment(1) : null;
        if (onlyVirtualHost != null && view.config.broker().virtualHost(onlyVirtualHost).isEmpty()) {
            throw ApiException.badRequest("vhost_not_found");
        }
        return switch (request.method()) {
            case "GET" -> ApiResponse.now(ApiResponse.okValue(onlyVirtualHost == null ? exportAll()
                    : exportVirtualHost(onlyVirtualHost)));
            case "POST" -> importDefinitions(request, onlyVirtualHost);
            default -> throw ApiException.methodNotAllowed();
        };
    }

    private Map<String, Object> versions() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("rabbit_version", NodeEndpoint.RABBITMQ_API_VERSION);
        json.put("rabbitmq_version", NodeEndpoint.RABBITMQ_API_VERSION);
        json.put("product_name", "Ferry");
        json.put("product_version", view.config.productVersion());
        return json;
    }

    private Map<String, Object> exportAll() {
        Map<String, Object> json = versions();
        List<User> users = new ArrayList<>(access.users());
        users.sort(Comparator.comparing(User::name));
        json.put("users", users.stream().map(this::userJson).toList());
        List<VirtualHost> hosts = sortedHosts();
        json.put("vhosts", hosts.stream().map(host -> Map.of("name", host.name())).toList());
        List<Map<String, Object>> permissions = new ArrayList<>();
        access.permissions().stream()
                .sorted(Comparator.comparing((dev.ferry.access.Permission p) -> p.virtualHost()).thenComparing(p -> p.user()))
                .forEach(p -> permissions.add(AccessEndpoint.permissionJson(p)));
        json.put("permissions", permissions);
        List<Map<String, Object>> topicPermissions = new ArrayList<>();
        for (TopicPermission p : access.topicPermissions()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("user", p.user());
            entry.put("vhost", p.virtualHost());
            entry.put("exchange", p.exchange());
            entry.put("write", p.write());
            entry.put("read", p.read());
            topicPermissions.add(entry);
        }
        json.put("topic_permissions", topicPermissions);
        List<Map<String, Object>> parameters = new ArrayList<>();
        for (VirtualHost host : hosts) {
            parameters.addAll(limitParameters(host.name()));
        }
        json.put("parameters", parameters);
        json.put("global_parameters", List.of());
        json.put("policies", policies(null));
        List<Map<String, Object>> queues = new ArrayList<>();
        List<Map<String, Object>> exchanges = new ArrayList<>();
        List<Map<String, Object>> bindings = new ArrayList<>();
        for (VirtualHost host : hosts) {
            addTopology(host, true, queues, exchanges, bindings);
        }
        json.put("queues", queues);
        json.put("exchanges", exchanges);
        json.put("bindings", bindings);
        return json;
    }

    private Map<String, Object> exportVirtualHost(String name) {
        VirtualHost host = view.config.broker().virtualHost(name).orElseThrow(ApiException::notFound);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("rabbit_version", NodeEndpoint.RABBITMQ_API_VERSION);
        json.put("parameters", limitParameters(name));
        json.put("policies", policies(name));
        List<Map<String, Object>> queues = new ArrayList<>();
        List<Map<String, Object>> exchanges = new ArrayList<>();
        List<Map<String, Object>> bindings = new ArrayList<>();
        addTopology(host, false, queues, exchanges, bindings);
        json.put("queues", queues);
        json.put("exchanges", exchanges);
        json.put("bindings", bindings);
        return json;
    }

    private List<VirtualHost> sortedHosts() {
        List<VirtualHost> hosts = new ArrayList<>(view.config.broker().virtualHosts());
        hosts.sort(Comparator.comparing(VirtualHost::name));
        return hosts;
    }

    private Map<String, Object> userJson(User user) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", user.name());
        json.put("password_hash", user.hash().rabbitSha256().orElse(""));
        List<Map<String, Object>> scram = ScramCredentialsJson.of(user.hash());
        if (!scram.isEmpty()) {
            json.put(ScramCredentialsJson.KEY, scram);
        }
        json.put("hashing_algorithm", Definitions.SHA256);
        json.put("tags", AccessControlUsers.tags(user));
        Map<String, Object> limits = new LinkedHashMap<>();
        UserLimits userLimits = access.userLimits(user.name());
        if (userLimits != null) {
            if (userLimits.maxConnections() >= 0) {
                limits.put("max-connections", userLimits.maxConnections());
            }
            if (userLimits.maxChannels() >= 0) {
                limits.put("max-channels", userLimits.maxChannels());
            }
        }
        json.put("limits", limits);
        return json;
    }

    /** RabbitMQ's {@code vhost-limits} parameter, when the virtual host has a limit. */
    private List<Map<String, Object>> limitParameters(String virtualHost) {
        VirtualHostLimits limits = access.virtualHostLimits(virtualHost);
        if (limits == null || limits.isNone()) {
            return List.of();
        }
        Map<String, Object> value = new LinkedHashMap<>();
        if (limits.maxConnections() >= 0) {
            value.put("max-connections", limits.maxConnections());
        }
        if (limits.maxQueues() >= 0) {
            value.put("max-queues", limits.maxQueues());
        }
        Map<String, Object> parameter = new LinkedHashMap<>();
        parameter.put("value", value);
        parameter.put("vhost", virtualHost);
        parameter.put("component", "vhost-limits");
        parameter.put("name", "limits");
        return List.of(parameter);
    }

    private static void addTopology(VirtualHost host, boolean withVirtualHost, List<Map<String, Object>> queues,
                                    List<Map<String, Object>> exchanges, List<Map<String, Object>> bindings) {
        List<MessageQueue> hostQueues = new ArrayList<>(host.queues());
        hostQueues.sort(Comparator.comparing(MessageQueue::name));
        Set<String> exclusive = new HashSet<>();
        for (MessageQueue queue : hostQueues) {
            if (queue.isDeleted() || queue.settings().exclusive()) {
                exclusive.add(queue.name());
                continue;
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", queue.name());
            if (withVirtualHost) {
                json.put("vhost", host.name());
            }
            json.put("durable", queue.settings().durable());
            json.put("auto_delete", queue.settings().autoDelete());
            json.put("arguments", new TreeMap<>(queue.settings().arguments().raw()));
            queues.add(json);
        }
        List<Exchange> hostExchanges = new ArrayList<>(host.exchanges());
        hostExchanges.sort(Comparator.comparing(Exchange::name));
        for (Exchange exchange : hostExchanges) {
            if (isPredeclared(exchange.name())) {
                continue;
            }
            ExchangeSettings settings = exchange.settings();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", settings.name());
            if (withVirtualHost) {
                json.put("vhost", host.name());
            }
            json.put("type", settings.type().wireName());
            json.put("durable", settings.durable());
            json.put("auto_delete", settings.autoDelete());
            json.put("internal", settings.internal());
            json.put("arguments", new TreeMap<>(settings.arguments()));
            exchanges.add(json);
        }
        for (Exchange exchange : hostExchanges) {
            if (exchange.name().equals(DefaultExchange.NAME)) {
                continue;
            }
            for (Binding binding : exchange.bindings()) {
                if (binding.destination().isQueue() && exclusive.contains(binding.destination().name())) {
                    continue;
                }
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("source", binding.source());
                if (withVirtualHost) {
                    json.put("vhost", host.name());
                }
                json.put("destination", binding.destination().name());
                json.put("destination_type", binding.destination().isQueue() ? "queue" : "exchange");
                json.put("routing_key", binding.routingKey());
                json.put("arguments", new TreeMap<>(binding.arguments()));
                bindings.add(json);
            }
        }
    }

    /** The policies, of every virtual host or of one (not the operator policies: RabbitMQ's export leaves them out too). */
    private List<Map<String, Object>> policies(String onlyVirtualHost) {
        List<Map<String, Object>> policies = new ArrayList<>();
        for (Policy policy : access.policies()) {
            if (policy.kind() == PolicyKind.USER
                    && (onlyVirtualHost == null || policy.virtualHost().equals(onlyVirtualHost))) {
                policies.add(PoliciesEndpoint.policyJson(policy)); // with its vhost, even in a vhost's export (RabbitMQ too)
            }
        }
        return policies;
    }

    private static boolean isPredeclared(String exchange) {
        return exchange.equals(DefaultExchange.NAME) || exchange.startsWith("amq.");
    }

    /**
     * The document: the body, or, for the management UI's upload ({@code multipart/form-data}), its
     * {@code file} part (the first file part when none is called so).
     */
    private static byte[] uploadedFile(ApiRequest request) throws IOException {
        String contentType = request.headers().apply("Content-Type");
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            return request.body();
        }
        DefaultFullHttpRequest upload = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/",
                Unpooled.wrappedBuffer(request.body()));
        upload.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpPostRequestDecoder decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), upload);
        try {
            byte[] found = null;
            for (InterfaceHttpData part : decoder.getBodyHttpDatas()) {
                if (part instanceof HttpData data && (found == null || part.getName().equals("file"))) {
                    found = data.get();
                    if (part.getName().equals("file")) {
                        break;
                    }
                }
            }
            return found == null ? new byte[0] : found;
        } catch (HttpPostRequestDecoder.ErrorDataDecoderException e) {
            throw new IOException(e);
        } finally {
            decoder.destroy();
        }
    }

    /** Checks the whole document first (400 naming the entry, nothing changed), then applies it; 204 when done. */
    private CompletableFuture<ApiResponse> importDefinitions(ApiRequest request, String onlyVirtualHost) {
        JsonNode root;
        try {
            byte[] document = uploadedFile(request);
            root = document.length == 0 ? null : ApiRequest.JSON.readTree(document);
        } catch (IOException e) {
            throw ApiException.badRequest("failed_to_parse_json");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("failed_to_parse_json");
        }
        Definitions definitions;
        try {
            definitions = Definitions.parse(root, onlyVirtualHost);
            definitions.checkReferences(view.config.broker(), access);
        } catch (Definitions.InvalidDefinitionsException refused) {
            LOG.info("Definitions import by user '{}' refused: {}", LogSafe.text(request.user().name()),
                    LogSafe.text(refused.getMessage()));
            throw ApiException.badRequest(refused.getMessage());
        }
        if (!definitions.ignored().isEmpty()) {
            LOG.info("Definitions import by user '{}': not applied (not supported yet): {}",
                    LogSafe.text(request.user().name()), LogSafe.text(String.join(", ", definitions.ignored())));
        }
        // Steps run on the request's own worker pool, not on whichever thread (a queue's owner, the
        // access log's writer) completed the previous step.
        ForkJoinPool workers = ForkJoinTask.getPool();
        Executor steps = workers != null ? workers : ForkJoinPool.commonPool();
        return definitions.applyAccess(access, steps)
                .thenCompose(changes -> definitions.applyTopology(view.config.broker(), steps)
                        .thenApply(ignored -> changes))
                .handle((changes, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        LOG.info("Definitions import by user '{}' failed: {}", LogSafe.text(request.user().name()),
                                LogSafe.text(String.valueOf(cause.getMessage())));
                        throw cause instanceof Definitions.InvalidDefinitionsException
                                ? ApiException.badRequest(cause.getMessage())
                                : new CompletionException(cause);
                    }
                    LOG.info("Definitions imported by user '{}'{}: {} access changes", LogSafe.text(request.user().name()),
                            onlyVirtualHost == null ? "" : " into vhost '" + LogSafe.text(onlyVirtualHost) + "'", changes);
                    return ApiResponse.noContent();
                });
    }
}
