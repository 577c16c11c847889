package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.access.AccessControl;
import dev.ferry.broker.VirtualHost;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import dev.ferry.policy.PolicyValidationException;
import dev.ferry.policy.QueuePolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * RabbitMQ's {@code /api/policies[/{vhost}[/{name}]]} and {@code /api/operator-policies/...}.
 * Who may do what, as RabbitMQ 3.10: any management user lists the policies of the virtual hosts
 * it sees; reading one policy and changing policies takes {@code administrator} or
 * {@code policymaker} (401 "User not authorised to access object"); operator policies are changed
 * and read one by one by administrators only (401 "Not administrator user"). A change answers once
 * it is durable and applied to the matching queues.
 */
final class PoliciesEndpoint {
    private static final String NOT_AUTHORISED = "User not authorised to access object";

    private final BrokerView view;
    private final AccessControl access;

    PoliciesEndpoint(BrokerView view, AccessControl access) {
        this.view = view;
        this.access = access;
    }

    CompletableFuture<ApiResponse> handle(ApiRequest request, PolicyKind kind) {
        int depth = request.path().size();
        if (depth == 1 || depth == 2) {
            QueuesEndpoint.requireGet(request.method());
            String onlyVirtualHost = depth == 2 ? request.segment(1) : null;
            if (onlyVirtualHost != null) {
                view.virtualHost(request.user(), onlyVirtualHost);
            }
            List<Policy> listed = new ArrayList<>();
            for (Policy policy : access.policies()) {
                if (policy.kind() == kind && (onlyVirtualHost == null || policy.virtualHost().equals(onlyVirtualHost))
                        && view.maySee(request.user(), policy.virtualHost())) {
                    listed.add(policy);
                }
            }
            listed.sort(Comparator.comparing(Policy::virtualHost).thenComparing(Policy::name));
            ListQuery query = ListQuery.from(request.query());
            return ApiResponse.now(ApiResponse.ok(json -> query.write(json, listed, Policy::name, PoliciesEndpoint::policyJson)));
        }
        if (depth != 3) {
            throw ApiException.notFound();
        }
        requireMayChange(request.user(), kind);
        String virtualHost = request.segment(1);
        String name = request.segment(2);
        return switch (request.method()) {
            case "GET" -> {
                Policy policy = access.state().policy(kind, virtualHost, name);
                if (policy == null) {
                    throw ApiException.notFound();
                }
                yield ApiResponse.now(ApiResponse.okValue(policyJson(policy)));
            }
            case "PUT" -> put(request, kind, virtualHost, name);
            case "DELETE" -> {
                if (access.state().policy(kind, virtualHost, name) == null) {
                    throw ApiException.notFound();
                }
                yield AccessEndpoint.changed(() -> access.clearPolicy(kind, virtualHost, name), false);
            }
            default -> throw ApiException.methodNotAllowed();
        };
    }

    private static void requireMayChange(ApiUser user, PolicyKind kind) {
        if (kind == PolicyKind.OPERATOR) {
            BrokerView.requireAdministrator(user);
        } else if (!user.isAdministrator() && !user.tags().contains("policymaker")) {
            throw ApiException.notAuthorised(NOT_AUTHORISED);
        }
    }

    private CompletableFuture<ApiResponse> put(ApiRequest request, PolicyKind kind, String virtualHost, String name) {
        if (view.config.broker().virtualHost(virtualHost).isEmpty()) {
            throw new ApiException(404, "not_found", "vhost_not_found");
        }
        if (!request.user().isAdministrator() && !view.config.users().mayAccess(request.user(), virtualHost)) {
            throw ApiException.notAuthorised(NOT_AUTHORISED);
        }
        ObjectNode body = request.jsonObject();
        RequiredFields.require(body, "pattern", "definition");
        Policy policy = parse(body, kind, virtualHost, name);
        boolean existed = access.state().policy(kind, virtualHost, name) != null;
        return AccessEndpoint.changed(() -> access.setPolicy(policy), !existed);
    }

    /**
     * A policy from RabbitMQ's JSON ({@code pattern}, {@code definition}, optional {@code priority}
     * (a number or a numeral, as the management UI sends it) and {@code apply-to}, default {@code all}).
     */
    static Policy parse(JsonNode body, PolicyKind kind, String virtualHost, String name) {
        JsonNode definition = body.get("definition");
        JsonNode priority = body.path("priority");
        long priorityValue = 0;
        if (priority.isIntegralNumber()) {
            priorityValue = priority.asLong();
        } else if (priority.isTextual() && priority.asText().matches("-?[0-9]{1,18}")) {
            priorityValue = Long.parseLong(priority.asText());
        } else if (!priority.isMissingNode() && !priority.isNull()) {
            throw ApiException.badRequest(escaped(kind, "Validation failed\n\npriority should be a number, actually was "
                    + (priority.isTextual() ? "<<\"" + priority.asText() + "\">>" : priority.toString()) + "\n"));
        }
        if (definition == null || !definition.isObject()) {
            throw ApiException.badRequest("Validation failed\n\ndefinition must be a JSON object\n");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> keys = ApiRequest.JSON.convertValue(definition, Map.class);
        try {
            return Policy.create(kind, virtualHost, name, body.path("pattern").asText(),
                    body.path("apply-to").asText("all"), priorityValue, keys);
        } catch (PolicyValidationException e) {
            throw ApiException.badRequest(escaped(kind, e.reason()));
        }
    }

    /**
     * RabbitMQ 3.10 escapes the Erlang terms of a policy's validation text as HTML ({@code &lt;&lt;"x"&gt;&gt;})
     * on {@code /api/policies}, and not on {@code /api/operator-policies}; so do we, for scripts that match it.
     */
    private static String escaped(PolicyKind kind, String reason) {
        return kind == PolicyKind.OPERATOR ? reason
                : reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static Map<String, Object> policyJson(Policy policy) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("vhost", policy.virtualHost());
        json.put("name", policy.name());
        json.put("pattern", policy.pattern());
        json.put("apply-to", policy.target().wireName());
        json.put("definition", policy.definition());
        json.put("priority", policy.priority());
        return json;
    }

    /** The fields RabbitMQ's queue JSON has about policies. */
    static void putQueuePolicy(Map<String, Object> json, VirtualHost host, String queueName) {
        QueuePolicy applied = host == null ? QueuePolicy.NONE : host.policies().forQueue(queueName);
        json.put("policy", applied.policyName());
        json.put("operator_policy", applied.operatorPolicyName());
        json.put("effective_policy_definition", applied.effectiveDefinition());
    }

    /** An exchange's {@code policy} field. */
    static String exchangePolicy(VirtualHost host, String exchangeName) {
        return host == null ? null : host.policies().forExchange(exchangeName).map(Policy::name).orElse(null);
    }
}
