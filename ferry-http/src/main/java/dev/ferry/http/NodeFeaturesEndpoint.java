package dev.ferry.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a management client asks about the node's features rather than its objects:
 * {@code /api/auth} (how the UI logs in: basic auth only, no OAuth 2 / UAA; answered without a
 * login, as RabbitMQ's login page reads it first), {@code /api/extensions} (UI plugins' scripts:
 * none, Ferry's console needs none) and {@code /api/feature-flags} (none: Ferry has no feature
 * flags; what it supports is always on, and nothing waits to be enabled, so the honest list is
 * empty where a RabbitMQ 3.10 node lists its nine flags as enabled). GET only.
 */
final class NodeFeaturesEndpoint {

    /** {@code /api/auth}: the request carries no user (it needs no login). */
    CompletableFuture<ApiResponse> auth(ApiRequest request) {
        requireGetOf(request);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("enable_uaa", false);
        json.put("uaa_client_id", "");
        json.put("uaa_location", "");
        return ApiResponse.now(ApiResponse.okValue(json));
    }

    CompletableFuture<ApiResponse> extensions(ApiRequest request) {
        requireGetOf(request);
        return ApiResponse.now(ApiResponse.okValue(List.of()));
    }

    /** Administrators only, as RabbitMQ. */
    CompletableFuture<ApiResponse> featureFlags(ApiRequest request) {
        BrokerView.requireAdministrator(request.user());
        requireGetOf(request);
        return ApiResponse.now(ApiResponse.okValue(List.of()));
    }

    private static void requireGetOf(ApiRequest request) {
        if (request.path().size() != 1) {
            throw ApiException.notFound();
        }
        QueuesEndpoint.requireGet(request.method());
    }
}
