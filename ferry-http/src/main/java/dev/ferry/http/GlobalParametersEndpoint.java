package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.access.AccessControl;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * RabbitMQ's global parameters, {@code /api/global-parameters[/{name}]}, and {@code /api/cluster-name}.
 * Ferry has two: {@code cluster_name}, once one is set through {@code PUT /api/cluster-name} (kept
 * in the access log; new AMQP connections are shown it in connection.start), and
 * {@code internal_cluster_id}, the cluster's stable id, which is the cluster id Kafka clients are
 * given (a 22-character base64 UUID, where RabbitMQ's reads {@code rabbitmq-cluster-id-...}).
 *
 * <p>Who, as RabbitMQ 3.10: global parameters are read by {@code administrator} and
 * {@code policymaker} users (401 "User not authorised to access object"); the cluster name is read
 * by any management user and set by administrators. Ferry does not take other global parameters:
 * PUT and DELETE on {@code /api/global-parameters} answer 405.
 */
final class GlobalParametersEndpoint {
    static final String CLUSTER_NAME = "cluster_name";
    static final String INTERNAL_CLUSTER_ID = "internal_cluster_id";

    private final BrokerView view;
    private final AccessControl access;

    GlobalParametersEndpoint(BrokerView view, AccessControl access) {
        this.view = view;
        this.access = access;
    }

    CompletableFuture<ApiResponse> globalParameters(ApiRequest request) {
        if (!request.user().isAdministrator() && !request.user().tags().contains("policymaker")) {
            throw ApiException.notAuthorised("User not authorised to access object");
        }
        int depth = request.path().size();
        if (depth > 2) {
            throw ApiException.notFound();
        }
        QueuesEndpoint.requireGet(request.method());
        Map<String, Object> parameters = parameters();
        if (depth == 1) {
            List<Map<String, Object>> listed = new ArrayList<>();
            parameters.forEach((name, value) -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", name);
                entry.put("value", value);
                listed.add(entry);
            });
            ListQuery query = ListQuery.from(request.query());
            return ApiResponse.now(ApiResponse.ok(json -> query.write(json, listed,
                    entry -> String.valueOf(entry.get("name")), entry -> entry)));
        }
        String name = request.segment(1);
        if (!parameters.containsKey(name)) {
            throw ApiException.notFound();
        }
        // One parameter is written value first, as RabbitMQ 3.10 does.
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("value", parameters.get(name));
        json.put("name", name);
        return ApiResponse.now(ApiResponse.okValue(json));
    }

    /** By name: {@code cluster_name} when one was set, then {@code internal_cluster_id} when known. */
    private Map<String, Object> parameters() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        access.clusterName().ifPresent(name -> parameters.put(CLUSTER_NAME, name));
        if (view.config.clusterId() != null) {
            parameters.put(INTERNAL_CLUSTER_ID, view.config.clusterId());
        }
        return parameters;
    }

    /** GET (any management user) and PUT {@code {"name": "..."}} (administrators) {@code /api/cluster-name}. */
    CompletableFuture<ApiResponse> clusterName(ApiRequest request) {
        if (request.path().size() != 1) {
            throw ApiException.notFound();
        }
        return switch (request.method()) {
            case "GET" -> ApiResponse.now(ApiResponse.okValue(Map.of("name", view.clusterName())));
            case "PUT" -> {
                BrokerView.requireAdministrator(request.user());
                ObjectNode body = request.jsonObject();
                RequiredFields.require(body, "name");
                JsonNode name = body.get("name");
                if (!name.isTextual()) {
                    // RabbitMQ answers 500 for a name that is not a string.
                    throw ApiException.badRequest("name must be a string");
                }
                yield AccessEndpoint.changed(() -> access.setClusterName(name.asText()), false);
            }
            default -> throw ApiException.methodNotAllowed();
        };
    }
}
