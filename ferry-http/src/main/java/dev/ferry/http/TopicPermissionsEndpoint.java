package dev.ferry.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.access.AccessControl;
import dev.ferry.access.TopicPermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Topic permissions, administrators only, as RabbitMQ's {@code /api/topic-permissions[/{vhost}/{user}]},
 * {@code /api/vhosts/{vhost}/topic-permissions} and {@code /api/users/{user}/topic-permissions}.
 * A user has at most one entry per topic exchange of a virtual host ({@code exchange}, {@code write}
 * and {@code read} regular expressions over routing keys); {@code /{vhost}/{user}} is all of them:
 * PUT adds or replaces the one for the body's exchange (201 when the user had none in the virtual
 * host, else 204), DELETE removes every one. Changes go through {@link AccessControl} and answer
 * once durable; publishing and binding check them from then on.
 */
final class TopicPermissionsEndpoint {
    private static final Comparator<TopicPermission> ORDER = Comparator.comparing(TopicPermission::virtualHost)
            .thenComparing(TopicPermission::user).thenComparing(TopicPermission::exchange);

    private final BrokerView view;
    private final AccessControl access;

    TopicPermissionsEndpoint(BrokerView view, AccessControl access) {
        this.view = view;
        this.access = access;
    }

    /** {@code /api/topic-permissions[/{vhost}/{user}]}. */
    CompletableFuture<ApiResponse> handle(ApiRequest request) {
        BrokerView.requireAdministrator(request.user());
        int depth = request.path().size();
        if (depth == 1) {
            QueuesEndpoint.requireGet(request.method());
            return list(request, permission -> true, false);
        }
        if (depth != 3) {
            throw ApiException.notFound();
        }
        String virtualHost = request.segment(1);
        String user = request.segment(2);
        Predicate<TopicPermission> ofPair = p -> p.virtualHost().equals(virtualHost) && p.user().equals(user);
        boolean any = access.topicPermissions().stream().anyMatch(ofPair);
        return switch (request.method()) {
            case "GET" -> {
                if (!any) {
                    throw ApiException.notFound();
                }
                yield list(request, ofPair, false);
            }
            case "PUT" -> {
                if (access.user(user).isEmpty() || !view.virtualHostExists(virtualHost)) {
                    throw ApiException.badRequest("vhost_or_user_not_found");
                }
                ObjectNode body = request.jsonObject();
                RequiredFields.require(body, "exchange", "write", "read");
                TopicPermission permission;
                try {
                    permission = new TopicPermission(user, virtualHost, body.get("exchange").asText(),
                            body.get("write").asText(), body.get("read").asText());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("invalid_regexp: " + e.getMessage());
                }
                yield AccessEndpoint.changed(() -> access.setTopicPermissions(permission), !any);
            }
            case "DELETE" -> {
                if (!any) {
                    throw ApiException.notFound();
                }
                yield AccessEndpoint.changed(() -> access.clearTopicPermissions(user, virtualHost, null), false);
            }
            default -> throw ApiException.methodNotAllowed();
        };
    }

    /** {@code /api/vhosts/{vhost}/topic-permissions}: 404 when the virtual host does not exist. */
    CompletableFuture<ApiResponse> ofVirtualHost(ApiRequest request, String virtualHost) {
        BrokerView.requireAdministrator(request.user());
        QueuesEndpoint.requireGet(request.method());
        if (!view.virtualHostExists(virtualHost)) {
            throw ApiException.notFound();
        }
        return list(request, p -> p.virtualHost().equals(virtualHost), true);
    }

    /** {@code /api/users/{user}/topic-permissions}: 404 when the user does not exist. */
    CompletableFuture<ApiResponse> ofUser(ApiRequest request, String user) {
        BrokerView.requireAdministrator(request.user());
        QueuesEndpoint.requireGet(request.method());
        access.user(user).orElseThrow(ApiException::notFound);
        return list(request, p -> p.user().equals(user), false);
    }

    /**
     * The matching entries by virtual host, user and exchange. A virtual host's list names the
     * virtual host first, as RabbitMQ writes it there.
     */
    private CompletableFuture<ApiResponse> list(ApiRequest request, Predicate<TopicPermission> filter,
                                                boolean virtualHostFirst) {
        List<TopicPermission> listed = new ArrayList<>(access.topicPermissions().stream().filter(filter).toList());
        listed.sort(ORDER);
        ListQuery query = ListQuery.from(request.query());
        return ApiResponse.now(ApiResponse.ok(json -> query.write(json, listed, TopicPermission::user,
                permission -> json(permission, virtualHostFirst))));
    }

    static Map<String, Object> json(TopicPermission permission, boolean virtualHostFirst) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (virtualHostFirst) {
            json.put("vhost", permission.virtualHost());
            json.put("user", permission.user());
        } else {
            json.put("user", permission.user());
            json.put("vhost", permission.virtualHost());
        }
        json.put("exchange", permission.exchange());
        json.put("write", permission.write());
        json.put("read", permission.read());
        return json;
    }
}
