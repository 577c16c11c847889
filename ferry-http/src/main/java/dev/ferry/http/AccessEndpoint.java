package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.access.AccessControl;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.Permission;
import dev.ferry.access.User;
import dev.ferry.error.BrokerException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Users, permissions and virtual hosts, administrators only, as RabbitMQ's {@code /api/users},
 * {@code /api/permissions} and PUT / DELETE {@code /api/vhosts/{name}}. Every change goes through
 * {@link AccessControl}, which records it durably before it takes effect; the answer waits for that.
 */
final class AccessEndpoint {
    private static final String HASHING_ALGORITHM = "rabbit_password_hashing_sha256";

    private final BrokerView view;
    private final AccessControl access;

    AccessEndpoint(BrokerView view, AccessControl access) {
        this.view = view;
        this.access = access;
    }

    CompletableFuture<ApiResponse> users(ApiRequest request) {
        BrokerView.requireAdministrator(request.user());
        int depth = request.path().size();
        if (depth == 1) {
            QueuesEndpoint.requireGet(request.method());
            List<User> users = new ArrayList<>(access.users());
            users.sort(Comparator.comparing(User::name));
            ListQuery query = ListQuery.from(request.query());
            return ApiResponse.now(ApiResponse.ok(json -> query.write(json, users, User::name, this::userJson)));
        }
        String name = request.segment(1);
        if (depth == 2 && name.equals("without-permissions")) {
            // RabbitMQ's list of users with no permission entry in any virtual host; the path shadows a
            // user of that name, so any other method is 405, as there.
            QueuesEndpoint.requireGet(request.method());
            List<User> without = new ArrayList<>();
            for (User user : access.users()) {
                if (access.permissions().stream().noneMatch(p -> p.user().equals(user.name()))) {
                    without.add(user);
                }
            }
            without.sort(Comparator.comparing(User::name));
            ListQuery query = ListQuery.from(request.query());
            return ApiResponse.now(ApiResponse.ok(json -> query.write(json, without, User::name, this::userJson)));
        }
        if (depth == 2) {
            return switch (request.method()) {
                case "GET" -> ApiResponse.now(ApiResponse.okValue(userJson(access.user(name)
                        .orElseThrow(ApiException::notFound))));
                case "PUT" -> putUser(request, name);
                case "DELETE" -> {
                    access.user(name).orElseThrow(ApiException::notFound);
                    yield changed(() -> access.deleteUser(name), false);
                }
                default -> throw ApiException.methodNotAllowed();
            };
        }
        if (depth == 3 && request.segment(2).equals("permissions")) {
            QueuesEndpoint.requireGet(request.method());
            access.user(name).orElseThrow(ApiException::notFound);
            return list(request, access.permissions().stream().filter(p -> p.user().equals(name)).toList());
        }
        throw ApiException.notFound();
    }

    private CompletableFuture<ApiResponse> putUser(ApiRequest request, String name) {
        ObjectNode body = request.jsonObject();
        PasswordHash hash;
        if (body.hasNonNull("password")) {
            hash = PasswordHash.of(body.get("password").asText());
        } else if (body.hasNonNull("password_hash")) {
            String given = body.get("password_hash").asText();
            if (body.hasNonNull("hashing_algorithm") && !HASHING_ALGORITHM.equals(body.get("hashing_algorithm").asText())) {
                throw ApiException.badRequest("hashing_algorithm must be " + HASHING_ALGORITHM);
            }
            try {
                hash = given.isEmpty() ? PasswordHash.NONE : PasswordHash.fromRabbitSha256(given);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        } else {
            // No password: the user exists (for its tags and permissions) but cannot log in with one.
            hash = access.user(name).map(User::hash).orElse(PasswordHash.NONE);
        }
        boolean existed = access.user(name).isPresent();
        Set<String> tags = tags(body.get("tags"));
        return changed(() -> access.putUser(name, hash, tags), !existed);
    }

    /** RabbitMQ takes tags as one comma-separated string or as a list. */
    private static Set<String> tags(JsonNode node) {
        Set<String> tags = new LinkedHashSet<>();
        if (node == null || node.isNull()) {
            return tags;
        }
        if (node.isArray()) {
            node.forEach(tag -> addTag(tags, tag.asText()));
        } else {
            for (String tag : node.asText().split(",")) {
                addTag(tags, tag);
            }
        }
        return tags;
    }

    private static void addTag(Set<String> tags, String tag) {
        if (!tag.isBlank()) {
            tags.add(tag.strip());
        }
    }

    Map<String, Object> userJson(User user) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", user.name());
        json.put("password_hash", user.hash().rabbitSha256().orElse(""));
        json.put("hashing_algorithm", HASHING_ALGORITHM);
        json.put("tags", AccessControlUsers.tags(user));
        json.put("limits", LimitValues.json(access.userLimits(user.name())));
        return json;
    }

    CompletableFuture<ApiResponse> permissions(ApiRequest request) {
        BrokerView.requireAdministrator(request.user());
        int depth = request.path().size();
        if (depth == 1) {
            QueuesEndpoint.requireGet(request.method());
            return list(request, access.permissions());
        }
        if (depth != 3) {
            throw ApiException.notFound();
        }
        String virtualHost = request.segment(1);
        String user = request.segment(2);
        return switch (request.method()) {
            case "GET" -> ApiResponse.now(ApiResponse.okValue(permissionJson(access.permissions().stream()
                    .filter(p -> p.user().equals(user) && p.virtualHost().equals(virtualHost)).findFirst()
                    .orElseThrow(ApiException::notFound))));
            case "PUT" -> {
                if (access.user(user).isEmpty() || view.config.broker().virtualHost(virtualHost).isEmpty()) {
                    throw ApiException.badRequest("vhost_or_user_not_found");
                }
                ObjectNode body = request.jsonObject();
                RequiredFields.require(body, "configure", "write", "read");
                Permission permission;
                try {
                    permission = new Permission(user, virtualHost, body.get("configure").asText(),
                            body.get("write").asText(), body.get("read").asText());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("invalid_regexp: " + e.getMessage());
                }
                boolean existed = access.permissions().stream()
                        .anyMatch(p -> p.user().equals(user) && p.virtualHost().equals(virtualHost));
                yield changed(() -> access.setPermissions(permission), !existed);
            }
            case "DELETE" -> {
                if (access.permissions().stream().noneMatch(p -> p.user().equals(user) && p.virtualHost().equals(virtualHost))) {
                    throw ApiException.notFound();
                }
                yield changed(() -> access.clearPermissions(user, virtualHost), false);
            }
            default -> throw ApiException.methodNotAllowed();
        };
    }

    /** /api/vhosts/{name}/permissions. */
    CompletableFuture<ApiResponse> permissionsOf(ApiRequest request, String virtualHost) {
        BrokerView.requireAdministrator(request.user());
        QueuesEndpoint.requireGet(request.method());
        view.config.broker().virtualHost(virtualHost).orElseThrow(ApiException::notFound);
        return list(request, access.permissions().stream().filter(p -> p.virtualHost().equals(virtualHost)).toList());
    }

    /** PUT / DELETE /api/vhosts/{name}; a PUT that creates one gives its caller full permissions there. */
    CompletableFuture<ApiResponse> changeVirtualHost(ApiRequest request, String name) {
        BrokerView.requireAdministrator(request.user());
        boolean exists = view.config.broker().virtualHost(name).isPresent();
        return switch (request.method()) {
            // As RabbitMQ: the administrator who creates a virtual host gets full permissions in it.
            case "PUT" -> changed(() -> exists ? access.addVirtualHost(name) : access.addVirtualHost(name)
                    .thenCompose(added -> access.setPermissions(Permission.full(request.user().name(), name))), !exists);
            case "DELETE" -> {
                if (!exists) {
                    throw ApiException.notFound();
                }
                yield changed(() -> access.deleteVirtualHost(name), false);
            }
            default -> throw ApiException.methodNotAllowed();
        };
    }

    private static CompletableFuture<ApiResponse> list(ApiRequest request, List<Permission> permissions) {
        List<Permission> ordered = new ArrayList<>(permissions);
        ordered.sort(Comparator.comparing(Permission::virtualHost).thenComparing(Permission::user));
        ListQuery query = ListQuery.from(request.query());
        return ApiResponse.now(ApiResponse.ok(json -> query.write(json, ordered, Permission::user,
                AccessEndpoint::permissionJson)));
    }

    static Map<String, Object> permissionJson(Permission permission) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("user", permission.user());
        json.put("vhost", permission.virtualHost());
        json.put("configure", permission.configure());
        json.put("write", permission.write());
        json.put("read", permission.read());
        return json;
    }

    /** Runs a change; 201 when it created something, 204 otherwise, once it is durable. */
    static CompletableFuture<ApiResponse> changed(Supplier<CompletableFuture<Void>> change,
                                                          boolean created) {
        try {
            return change.get().thenApply(ignored -> created ? ApiResponse.created() : ApiResponse.noContent());
        } catch (BrokerException refusal) {
            throw ApiException.from(refusal);
        }
    }
}
