package dev.ferry.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.PublishResult;
import dev.ferry.broker.VirtualHost;
import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;
import dev.ferry.route.DefaultExchange;
import dev.ferry.route.Exchange;
import dev.ferry.route.ExchangeSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /api/exchanges[/{vhost}[/{name}[/publish|/bindings/source|/bindings/destination]]]}. The
 * default exchange is {@code amq.default} in paths and {@code ""} in documents, as in RabbitMQ.
 */
final class ExchangesEndpoint {
    static final String DEFAULT_EXCHANGE_PATH_NAME = "amq.default";

    private final BrokerView view;

    ExchangesEndpoint(BrokerView view) {
        this.view = view;
    }

    CompletableFuture<ApiResponse> handle(ApiRequest request) {
        int depth = request.path().size();
        String method = request.method();
        if (depth == 1) {
            QueuesEndpoint.requireGet(method);
            List<Exchange> exchanges = new ArrayList<>();
            List<String> hosts = new ArrayList<>();
            for (VirtualHost host : view.visibleVirtualHosts(request.user())) {
                for (Exchange exchange : host.exchanges()) {
                    exchanges.add(exchange);
                    hosts.add(host.name());
                }
            }
            return list(request, exchanges, hosts);
        }
        if (depth == 2) {
            QueuesEndpoint.requireGet(method);
            VirtualHost host = view.virtualHost(request.user(), request.segment(1));
            List<Exchange> exchanges = host.exchanges();
            return list(request, exchanges, Collections.nCopies(exchanges.size(), host.name()));
        }
        String name = pathName(request.segment(2));
        if (depth == 3) {
            return switch (method) {
                case "GET" -> {
                    VirtualHost host = view.virtualHost(request.user(), request.segment(1));
                    Exchange exchange = host.exchange(name).orElseThrow(ApiException::notFound);
                    yield ApiResponse.now(ApiResponse.okValue(ListQuery.from(request.query())
                            .select(withStats(exchange, host.name()))));
                }
                case "PUT" -> {
                    VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
                    view.requireConfigure(request.user(), host.name(), name);
                    yield declare(request, host, name);
                }
                case "DELETE" -> {
                    VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
                    view.requireConfigure(request.user(), host.name(), name);
                    host.exchange(name).orElseThrow(ApiException::notFound);
                    try {
                        yield host.deleteExchange(name, "true".equals(request.queryParameter("if-unused")))
                                .thenApply(ignored -> ApiResponse.noContent());
                    } catch (BrokerException refusal) {
                        throw ApiException.from(refusal);
                    }
                }
                default -> throw ApiException.methodNotAllowed();
            };
        }
        if (depth == 4 && request.segment(3).equals("publish")) {
            QueuesEndpoint.requireMethod(method, "POST");
            VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
            if (!view.config.users().mayWrite(request.user(), host.name(), name.isEmpty() ? DEFAULT_EXCHANGE_PATH_NAME : name)) {
                // As RabbitMQ: the channel's 403, reported as a bad request.
                throw ApiException.badRequest("403 " + BrokerView.refusal(request.user(), host.name(), "exchange",
                        name.isEmpty() ? DEFAULT_EXCHANGE_PATH_NAME : name));
            }
            return publish(request, host, name);
        }
        if (depth == 5 && request.segment(3).equals("bindings")) {
            QueuesEndpoint.requireGet(method);
            String side = request.segment(4);
            if (!side.equals("source") && !side.equals("destination")) {
                throw ApiException.notFound();
            }
            // RabbitMQ 3.10 lists no bindings, rather than 404, for an exchange or host that does not exist.
            Optional<VirtualHost> host = view.virtualHostIfAny(request.user(), request.segment(1));
            if (host.isEmpty() || host.get().exchange(name).isEmpty()) {
                return BindingsEndpoint.list(request, List.of());
            }
            return BindingsEndpoint.list(request, side.equals("source") ? BindingsEndpoint.bindingsFrom(host.get(), name)
                    : BindingsEndpoint.bindingsTo(host.get(), name, false));
        }
        throw ApiException.notFound();
    }

    /** The exchange a path names: {@code amq.default} is the default exchange. */
    static String pathName(String segment) {
        return DEFAULT_EXCHANGE_PATH_NAME.equals(segment) ? DefaultExchange.NAME : segment;
    }

    private CompletableFuture<ApiResponse> list(ApiRequest request, List<Exchange> exchanges, List<String> hosts) {
        ListQuery query = ListQuery.from(request.query());
        record Listed(Exchange exchange, String host) {
        }
        List<Listed> listed = new ArrayList<>(exchanges.size());
        for (int i = 0; i < exchanges.size(); i++) {
            listed.add(new Listed(exchanges.get(i), hosts.get(i)));
        }
        listed.sort(Comparator.comparing(Listed::host).thenComparing(entry -> entry.exchange().name()));
        return ApiResponse.now(ApiResponse.ok(json -> query.write(json, listed, entry -> entry.exchange().name(),
                entry -> withStats(entry.exchange(), entry.host()))));
    }

    /** An exchange with its message_stats (publish_in, publish_out and their rates; none while idle). */
    private Map<String, Object> withStats(Exchange exchange, String virtualHost) {
        Map<String, Object> json = exchangeJson(exchange, virtualHost);
        view.rates.putMessageStats(json, exchange, MessageRates.exchangeCounts(exchange), MessageRates.EXCHANGE_FIELDS);
        return json;
    }

    Map<String, Object> exchangeJson(Exchange exchange, String virtualHost) {
        ExchangeSettings settings = exchange.settings();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", settings.name());
        json.put("vhost", virtualHost);
        json.put("type", settings.type().wireName());
        json.put("durable", settings.durable());
        json.put("auto_delete", settings.autoDelete());
        json.put("internal", settings.internal());
        json.put("arguments", settings.arguments());
        String policy = PoliciesEndpoint.exchangePolicy(view.config.broker().virtualHost(virtualHost).orElse(null),
                settings.name());
        if (policy != null) {
            json.put("policy", policy); // RabbitMQ leaves the field out when no policy applies
        }
        return json;
    }

    /**
     * PUT: exchange.declare, each field left out taking exchange.declare's default as in RabbitMQ 3.10
     * ({@code direct}, not durable). 201 new, 204 already there.
     */
    private CompletableFuture<ApiResponse> declare(ApiRequest request, VirtualHost host, String name) {
        ObjectNode body = request.jsonObject();
        String type = body.hasNonNull("type") ? body.get("type").asText() : "direct";
        boolean existed = host.exchange(name).isPresent();
        try {
            return host.declareExchange(name, type, RequiredFields.flag(body, "durable", false),
                            RequiredFields.flag(body, "auto_delete", false), RequiredFields.flag(body, "internal", false),
                            MessageJson.tableOf(RequiredFields.object(body, "arguments")))
                    .thenApply(ignored -> existed ? ApiResponse.noContent() : ApiResponse.created());
        } catch (BrokerException refusal) {
            throw ApiException.from(refusal);
        }
    }

    /**
     * POST publish: routes one message like basic.publish with publisher confirms and answers
     * {@code {"routed": bool}} once every queue it reached has stored it.
     */
    private CompletableFuture<ApiResponse> publish(ApiRequest request, VirtualHost host, String name) {
        ObjectNode body = request.jsonObject();
        RequiredFields.require(body, "properties", "routing_key", "payload", "payload_encoding");
        byte[] payload = MessageJson.payload(body.get("payload").asText(), body.get("payload_encoding").asText());
        Message message = new Message(name, body.get("routing_key").asText(), MessageJson.properties(body.get("properties")),
                payload);
        PublishResult result;
        try {
            result = host.publish(message, true);
        } catch (BrokerException refusal) {
            // RabbitMQ answers 400 with the channel's AMQP error, code included ("404 NOT_FOUND - no exchange ...").
            throw ApiException.badRequest(refusal.errorCode().code() + " " + refusal.getMessage());
        }
        Map<String, Object> routed = Map.of("routed", result.routed());
        return result.accepted().toCompletableFuture().handle((ignored, error) ->
                ApiResponse.okValue(error == null ? routed : Map.of("routed", false)));
    }
}
