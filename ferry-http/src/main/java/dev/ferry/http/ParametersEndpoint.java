package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.access.AccessControl;
import dev.ferry.access.VirtualHostLimits;
import dev.ferry.broker.VirtualHost;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import dev.ferry.text.ErlangTerms;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * RabbitMQ's runtime parameters, {@code /api/parameters[/{component}[/{vhost}[/{name}]]]}, over
 * what Ferry keeps: component {@code vhost-limits} (one parameter {@code limits} per virtual host
 * with limits, the same limits as {@code /api/vhost-limits}), and the policies and operator
 * policies as components {@code policy} and {@code operator_policy} (listed under their component
 * only, as RabbitMQ; they are changed through {@code /api/policies}). Any other component has no
 * parameters: Ferry has no shovels or federation.
 *
 * <p>Who, as RabbitMQ 3.10: {@code administrator} or {@code policymaker} (401 "User not authorised
 * to access object" for the rest, monitoring users too), over the virtual hosts the user sees.
 * That includes PUT and DELETE of {@code vhost-limits}: a policymaker may set limits here that
 * {@code /api/vhost-limits} leaves to administrators, as in RabbitMQ.
 */
final class ParametersEndpoint {
    static final String VIRTUAL_HOST_LIMITS = "vhost-limits";
    /** The one parameter name of component {@code vhost-limits}. */
    static final String LIMITS = "limits";
    private static final String NOT_AUTHORISED = "User not authorised to access object";

    private final BrokerView view;
    private final AccessControl access;

    ParametersEndpoint(BrokerView view, AccessControl access) {
        this.view = view;
        this.access = access;
    }

    CompletableFuture<ApiResponse> handle(ApiRequest request) {
        requirePolicymaker(request.user());
        int depth = request.path().size();
        if (depth > 4) {
            throw ApiException.notFound();
        }
        String component = request.segment(1);
        String onlyVirtualHost = request.segment(2);
        if (depth < 4) {
            QueuesEndpoint.requireGet(request.method());
            if (onlyVirtualHost != null) {
                requireVisible(request.user(), onlyVirtualHost);
            }
            List<Map<String, Object>> listed = new ArrayList<>();
            if (component == null || component.equals(VIRTUAL_HOST_LIMITS)) {
                listed.addAll(limitParameters(request.user(), onlyVirtualHost));
            }
            if (component != null) {
                PolicyKind policies = policyComponent(component);
                if (policies != null) {
                    listed.addAll(policyParameters(request.user(), policies, onlyVirtualHost));
                }
            }
            ListQuery query = ListQuery.from(request.query());
            return ApiResponse.now(ApiResponse.ok(json -> query.write(json, listed,
                    parameter -> String.valueOf(parameter.get("name")), parameter -> parameter)));
        }
        String name = request.segment(3);
        return switch (request.method()) {
            case "GET" -> {
                requireVisible(request.user(), onlyVirtualHost);
                List<Map<String, Object>> candidates = new ArrayList<>(limitParameters(request.user(), onlyVirtualHost));
                PolicyKind policies = policyComponent(component);
                if (policies != null) {
                    candidates.addAll(policyParameters(request.user(), policies, onlyVirtualHost));
                }
                Map<String, Object> found = candidates.stream()
                        .filter(p -> p.get("component").equals(component) && p.get("name").equals(name))
                        .findFirst().orElseThrow(ApiException::notFound);
                yield ApiResponse.now(ApiResponse.okValue(found));
            }
            case "PUT" -> put(request, component, onlyVirtualHost, name);
            case "DELETE" -> {
                requireVisible(request.user(), onlyVirtualHost);
                if (!component.equals(VIRTUAL_HOST_LIMITS) || !name.equals(LIMITS)
                        || access.virtualHostLimits(onlyVirtualHost).isNone()) {
                    throw ApiException.notFound();
                }
                yield AccessEndpoint.changed(() -> access.setVirtualHostLimits(onlyVirtualHost, VirtualHostLimits.NONE),
                        false);
            }
            default -> throw ApiException.methodNotAllowed();
        };
    }

    private CompletableFuture<ApiResponse> put(ApiRequest request, String component, String virtualHost, String name) {
        if (!view.virtualHostExists(virtualHost)) {
            throw new ApiException(404, "not_found", "vhost_not_found");
        }
        requireVisible(request.user(), virtualHost);
        if (policyComponent(component) != null) {
            throw ApiException.badRequest("policies may not be set using this method");
        }
        if (!component.equals(VIRTUAL_HOST_LIMITS)) {
            throw ApiException.badRequest("Validation failed\n\ncomponent " + component + " not found\n");
        }
        ObjectNode body = request.jsonObject();
        RequiredFields.require(body, "value");
        if (!name.equals(LIMITS)) {
            // RabbitMQ stores a second vhost-limits parameter under any name and then fails on it (500).
            throw ApiException.badRequest("Validation failed\n\nvirtual host limits are the parameter named "
                    + LIMITS + "\n");
        }
        JsonNode value = body.get("value");
        if (!value.isObject()) {
            throw ApiException.badRequest(escaped("Validation failed\n\nlimits not a list "
                    + ErlangTerms.format(ApiRequest.JSON.convertValue(value, Object.class)) + "\n"));
        }
        Map<String, JsonNode> given = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            given.put(field.getKey(), field.getValue());
        }
        List<String> problems = LimitValues.problems(given, LimitValues.VIRTUAL_HOST_NAMES, LIMITS);
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(escaped("Validation failed\n\n" + String.join("\n", problems) + "\n"));
        }
        // The whole parameter: a limit it leaves out is no longer set.
        VirtualHostLimits limits = new VirtualHostLimits(
                given.containsKey(LimitValues.MAX_CONNECTIONS) ? LimitValues.value(given.get(LimitValues.MAX_CONNECTIONS)) : -1,
                given.containsKey(LimitValues.MAX_QUEUES) ? LimitValues.value(given.get(LimitValues.MAX_QUEUES)) : -1);
        boolean existed = !access.virtualHostLimits(virtualHost).isNone();
        return AccessEndpoint.changed(() -> access.setVirtualHostLimits(virtualHost, limits), !existed);
    }

    private static void requirePolicymaker(ApiUser user) {
        if (!user.isAdministrator() && !user.tags().contains("policymaker")) {
            throw ApiException.notAuthorised(NOT_AUTHORISED);
        }
    }

    /** A virtual host named in the path: 404 when missing, 401 (this endpoint's words) when not the user's. */
    private void requireVisible(ApiUser user, String virtualHost) {
        if (!view.virtualHostExists(virtualHost)) {
            throw ApiException.notFound();
        }
        if (!view.maySee(user, virtualHost)) {
            throw ApiException.notAuthorised(NOT_AUTHORISED);
        }
    }

    private static PolicyKind policyComponent(String component) {
        return switch (component) {
            case "policy" -> PolicyKind.USER;
            case "operator_policy" -> PolicyKind.OPERATOR;
            default -> null;
        };
    }

    private List<Map<String, Object>> limitParameters(ApiUser user, String onlyVirtualHost) {
        List<Map<String, Object>> parameters = new ArrayList<>();
        for (VirtualHost host : view.visibleVirtualHosts(user)) {
            VirtualHostLimits limits = access.virtualHostLimits(host.name());
            if ((onlyVirtualHost == null || host.name().equals(onlyVirtualHost)) && !limits.isNone()) {
                parameters.add(parameter(LimitValues.json(limits), host.name(), VIRTUAL_HOST_LIMITS, LIMITS));
            }
        }
        return parameters;
    }

    private List<Map<String, Object>> policyParameters(ApiUser user, PolicyKind kind, String onlyVirtualHost) {
        List<Policy> policies = new ArrayList<>();
        for (Policy policy : access.policies()) {
            if (policy.kind() == kind && (onlyVirtualHost == null || policy.virtualHost().equals(onlyVirtualHost))
                    && view.maySee(user, policy.virtualHost())) {
                policies.add(policy);
            }
        }
        policies.sort(Comparator.comparing(Policy::virtualHost).thenComparing(Policy::name));
        List<Map<String, Object>> parameters = new ArrayList<>();
        for (Policy policy : policies) {
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("pattern", policy.pattern());
            value.put("definition", policy.definition());
            value.put("priority", policy.priority());
            value.put("apply-to", policy.target().wireName());
            parameters.add(parameter(value, policy.virtualHost(), kind == PolicyKind.USER ? "policy" : "operator_policy",
                    policy.name()));
        }
        return parameters;
    }

    /** One parameter as RabbitMQ writes it: value, vhost, component, name. */
    static Map<String, Object> parameter(Object value, String virtualHost, String component, String name) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("value", value);
        json.put("vhost", virtualHost);
        json.put("component", component);
        json.put("name", name);
        return json;
    }

    /** RabbitMQ 3.10 escapes a parameter's validation text as HTML, as it does a policy's. */
    private static String escaped(String reason) {
        return reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
