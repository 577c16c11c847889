package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.access.AccessControl;
import dev.ferry.access.UserLimits;
import dev.ferry.access.VirtualHostLimits;
import dev.ferry.broker.VirtualHost;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * RabbitMQ's {@code /api/vhost-limits[/{vhost}[/{name}]]} and {@code /api/user-limits[/{user}[/{name}]]}.
 * Lists are {@code [{"vhost"|"user": ..., "value": {limit: number}}]}, one entry per virtual host
 * or user that has a limit. As RabbitMQ 3.10: any management user reads the limits of the virtual
 * hosts it sees and every user's limits; setting ({@code PUT {"value": N}}) and clearing
 * ({@code DELETE}) one limit takes {@code administrator}. A change answers 204 once durable; the
 * limit holds from the next connection, channel or queue on.
 */
final class LimitsEndpoint {
    private final BrokerView view;
    private final AccessControl access;

    LimitsEndpoint(BrokerView view, AccessControl access) {
        this.view = view;
        this.access = access;
    }

    CompletableFuture<ApiResponse> virtualHostLimits(ApiRequest request) {
        int depth = request.path().size();
        if (depth == 1 || depth == 2) {
            QueuesEndpoint.requireGet(request.method());
            List<VirtualHost> hosts = depth == 1 ? view.visibleVirtualHosts(request.user())
                    : List.of(view.virtualHost(request.user(), request.segment(1)));
            List<Map<String, Object>> listed = new ArrayList<>();
            for (VirtualHost host : hosts) {
                VirtualHostLimits limits = access.virtualHostLimits(host.name());
                if (!limits.isNone()) {
                    listed.add(entry("vhost", host.name(), LimitValues.json(limits)));
                }
            }
            return list(request, listed, "vhost");
        }
        if (depth != 3) {
            throw ApiException.notFound();
        }
        BrokerView.requireAdministrator(request.user());
        String virtualHost = request.segment(1);
        String name = request.segment(2);
        return switch (request.method()) {
            case "PUT" -> {
                if (!view.virtualHostExists(virtualHost)) {
                    throw new ApiException(404, "not_found", "vhost_not_found");
                }
                JsonNode value = limitValue(request, name, LimitValues.VIRTUAL_HOST_NAMES, "limits", true);
                yield AccessEndpoint.changed(() -> access.updateVirtualHostLimits(virtualHost,
                        limits -> LimitValues.with(limits, name, LimitValues.value(value))), false);
            }
            case "DELETE" -> {
                if (!view.virtualHostExists(virtualHost)) {
                    throw ApiException.notFound();
                }
                if (!LimitValues.VIRTUAL_HOST_NAMES.contains(name)) {
                    // Nothing of that name is set: RabbitMQ answers 204 too.
                    yield ApiResponse.now(ApiResponse.noContent());
                }
                yield AccessEndpoint.changed(() -> access.updateVirtualHostLimits(virtualHost,
                        limits -> LimitValues.with(limits, name, -1)), false);
            }
            default -> throw ApiException.methodNotAllowed();
        };
    }

    CompletableFuture<ApiResponse> userLimits(ApiRequest request) {
        int depth = request.path().size();
        if (depth == 1) {
            QueuesEndpoint.requireGet(request.method());
            List<Map<String, Object>> listed = new ArrayList<>();
            new TreeMap<>(access.state().allUserLimits()).forEach((user, limits) ->
                    listed.add(entry("user", user, LimitValues.json(limits))));
            return list(request, listed, "user");
        }
        String user = request.segment(1);
        if (depth == 2) {
            QueuesEndpoint.requireGet(request.method());
            access.user(user).orElseThrow(ApiException::notFound);
            UserLimits limits = access.userLimits(user);
            return list(request, limits.isNone() ? List.of() : List.of(entry("user", user, LimitValues.json(limits))),
                    "user");
        }
        if (depth != 3) {
            throw ApiException.notFound();
        }
        BrokerView.requireAdministrator(request.user());
        String name = request.segment(2);
        return switch (request.method()) {
            case "PUT" -> {
                JsonNode value = limitValue(request, name, LimitValues.USER_NAMES, "user-limits", false);
                if (access.user(user).isEmpty()) {
                    // RabbitMQ's reason is the Erlang term [no_such_user, Name]; Ferry writes it as text.
                    throw ApiException.badRequest("no_such_user: " + user);
                }
                yield AccessEndpoint.changed(() -> access.updateUserLimits(user,
                        limits -> LimitValues.with(limits, name, LimitValues.value(value))), false);
            }
            case "DELETE" -> {
                access.user(user).orElseThrow(ApiException::notFound);
                if (!LimitValues.USER_NAMES.contains(name)) {
                    yield ApiResponse.now(ApiResponse.noContent());
                }
                yield AccessEndpoint.changed(() -> access.updateUserLimits(user,
                        limits -> LimitValues.with(limits, name, -1)), false);
            }
            default -> throw ApiException.methodNotAllowed();
        };
    }

    /**
     * The {@code value} of a PUT body for limit {@code name}, refused as RabbitMQ refuses it: 400
     * {@code [{key_missing,value}]} without one, else its validation text (for virtual hosts inside
     * {@code Validation failed}, for users bare, as RabbitMQ 3.10 writes them).
     */
    private static JsonNode limitValue(ApiRequest request, String name, List<String> known, String what,
                                       boolean validationFailed) {
        ObjectNode body = request.jsonObject();
        RequiredFields.require(body, "value");
        JsonNode value = body.get("value");
        List<String> problems = LimitValues.problems(Map.of(name, value), known, what);
        if (!problems.isEmpty()) {
            String text = String.join("\n", problems);
            throw ApiException.badRequest(validationFailed ? "Validation failed\n\n" + text + "\n" : text);
        }
        return value;
    }

    private static Map<String, Object> entry(String key, String name, Map<String, Object> value) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put(key, name);
        json.put("value", value);
        return json;
    }

    private static CompletableFuture<ApiResponse> list(ApiRequest request, List<Map<String, Object>> entries,
                                                      String nameField) {
        ListQuery query = ListQuery.from(request.query());
        return ApiResponse.now(ApiResponse.ok(json -> query.write(json, entries,
                entry -> String.valueOf(entry.get(nameField)), entry -> entry)));
    }
}
