package dev.ferry.http;

import dev.ferry.policy.PolicyKind;
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
        this.access = config.accessControl() == null ? null : new AccessEndpoint(view, config.accessControl());
        this.definitions = config.accessControl() == null ? null
                : new DefinitionsEndpoint(view, config.accessControl());
        this.policies = config.accessControl() == null ? null : new PoliciesEndpoint(view, config.accessControl());
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
        return switch (request.segment(0)) {
            case "overview" -> node.overview(request);
            case "nodes" -> node.nodes(request);
            case "whoami" -> node.whoami(request);
            case "health" -> node.healthCheck(request);
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
            case "users" -> requireAccess().users(request);
            case "permissions" -> requireAccess().permissions(request);
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
        if (request.path().size() == 2 && !request.method().equals("GET")) {
            return requireAccess().changeVirtualHost(request, request.segment(1));
        }
        return node.virtualHosts(request);
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
