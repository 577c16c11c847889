package dev.ferry.http;

import dev.ferry.access.AccessControl;
import dev.ferry.policy.PolicyKind;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a request to the endpoint its first path segment names. One endpoint class per family of
 * RabbitMQ's paths; each checks the rest of the path, the method and the user's rights.
 */
final class ApiRouter {
    private final NodeEndpoint node;
    private final QueuesEndpoint queues;
    private final ExchangesEndpoint exchanges;
    private final BindingsEndpoint bindings;
    private final ConnectionsEndpoint connections;
    private final AccessEndpoint access;
    private final DefinitionsEndpoint definitions;
    private final PoliciesEndpoint policies;
    private final TopicPermissionsEndpoint topicPermissions;
    private final LimitsEndpoint limits;
    private final ParametersEndpoint parameters;
    private final GlobalParametersEndpoint globalParameters;
    private final HealthChecksEndpoint healthChecks;
    private final NodeFeaturesEndpoint features = new NodeFeaturesEndpoint();

    private final BrokerView view;
    private final StreamsEndpoint streams;
    private final GroupsEndpoint groups;

    ApiRouter(HttpApiConfig config) {
        this.view = new BrokerView(config);
        this.node = new NodeEndpoint(view);
        this.queues = new QueuesEndpoint(view);
        this.exchanges = new ExchangesEndpoint(view);
        this.bindings = new BindingsEndpoint(view);
        this.connections = new ConnectionsEndpoint(view);
        this.streams = new StreamsEndpoint(view);
        this.groups = new GroupsEndpoint(view);
        this.healthChecks = new HealthChecksEndpoint(view);
        AccessControl accessControl = config.accessControl();
        this.access = accessControl == null ? null : new AccessEndpoint(view, accessControl);
        this.definitions = accessControl == null ? null : new DefinitionsEndpoint(view, accessControl);
        this.policies = accessControl == null ? null : new PoliciesEndpoint(view, accessControl);
        this.topicPermissions = accessControl == null ? null : new TopicPermissionsEndpoint(view, accessControl);
        this.limits = accessControl == null ? null : new LimitsEndpoint(view, accessControl);
        this.parameters = accessControl == null ? null : new ParametersEndpoint(view, accessControl);
        this.globalParameters = accessControl == null ? null : new GlobalParametersEndpoint(view, accessControl);
    }

    /**
     * Whether a path below {@code /api} needs a logged-in user: all do but {@code /api/auth}, which
     * RabbitMQ's login page reads before anyone has logged in. A request to it carries no user.
     */
    static boolean needsLogin(List<String> path) {
        return !(path.size() == 1 && path.get(0).equals("auth"));
    }

    /** The sampler behind message_stats rates; started and stopped with the server. */
    MessageRates rates() {
        return view.rates;
    }

    /** The answer; throws (or fails with) {@link ApiException} for what the API refuses. */
    CompletableFuture<ApiResponse> route(ApiRequest request) {
        if (request.path().isEmpty()) {
            throw ApiException.notFound();
        }
        if (!needsLogin(request.path())) {
            return features.auth(request);
        }
        return switch (request.segment(0)) {
            case "overview" -> node.overview(request);
            case "nodes" -> node.nodes(request);
            case "whoami" -> node.whoami(request);
            case "health" -> healthChecks.check(request);
            case "healthchecks" -> healthChecks.node(request);
            case "extensions" -> features.extensions(request);
            case "feature-flags" -> features.featureFlags(request);
            case "aliveness-test" -> node.alivenessTest(request);
            case "vhosts" -> virtualHosts(request);
            case "queues" -> queues.handle(request);
            case "exchanges" -> exchanges.handle(request);
            case "bindings" -> bindings.handle(request);
            case "connections" -> connections.connections(request);
            case "channels" -> connections.channels(request);
            case "streams" -> streams.handle(request);
            case "groups" -> groups.handle(request);
            case "consumers" -> connections.consumers(request);
            case "users" -> users(request);
            case "permissions" -> requireAccess().permissions(request);
            case "topic-permissions" -> requireTopicPermissions().handle(request);
            case "vhost-limits" -> requireLimits().virtualHostLimits(request);
            case "user-limits" -> requireLimits().userLimits(request);
            case "parameters" -> requireParameters().handle(request);
            case "global-parameters" -> requireGlobalParameters().globalParameters(request);
            case "cluster-name" -> requireGlobalParameters().clusterName(request);
            case "policies" -> requirePolicies().handle(request, PolicyKind.USER);
            case "operator-policies" -> requirePolicies().handle(request, PolicyKind.OPERATOR);
            case "definitions" -> {
                requireAccess();
                yield definitions.handle(request);
            }
            default -> throw ApiException.notFound();
        };
    }

    private CompletableFuture<ApiResponse> virtualHosts(ApiRequest request) {
        if (request.path().size() == 3 && request.segment(2).equals("connections")) {
            return connections.ofVirtualHost(request, request.segment(1), false);
        }
        if (request.path().size() == 3 && request.segment(2).equals("channels")) {
            return connections.ofVirtualHost(request, request.segment(1), true);
        }
        if (request.path().size() == 3 && request.segment(2).equals("permissions")) {
            return requireAccess().permissionsOf(request, request.segment(1));
        }
        if (request.path().size() == 3 && request.segment(2).equals("topic-permissions")) {
            return requireTopicPermissions().ofVirtualHost(request, request.segment(1));
        }
        if (request.path().size() == 2 && !request.method().equals("GET")) {
            return requireAccess().changeVirtualHost(request, request.segment(1));
        }
        return node.virtualHosts(request);
    }

    private CompletableFuture<ApiResponse> users(ApiRequest request) {
        if (request.path().size() == 3 && request.segment(2).equals("topic-permissions")) {
            return requireTopicPermissions().ofUser(request, request.segment(1));
        }
        return requireAccess().users(request);
    }

    private TopicPermissionsEndpoint requireTopicPermissions() {
        return present(topicPermissions);
    }

    private LimitsEndpoint requireLimits() {
        return present(limits);
    }

    private ParametersEndpoint requireParameters() {
        return present(parameters);
    }

    private GlobalParametersEndpoint requireGlobalParameters() {
        return present(globalParameters);
    }

    /** An endpoint over the access control; 404 on an API given only users ({@link HttpApiConfig#users}). */
    private static <T> T present(T endpoint) {
        if (endpoint == null) {
            throw ApiException.notFound();
        }
        return endpoint;
    }

    private PoliciesEndpoint requirePolicies() {
        if (policies == null) {
            throw ApiException.notFound();
        }
        return policies;
    }

    private AccessEndpoint requireAccess() {
        if (access == null) {
            throw ApiException.notFound();
        }
        return access;
    }
}
