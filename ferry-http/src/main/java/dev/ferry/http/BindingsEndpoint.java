package dev.ferry.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.VirtualHost;
import dev.ferry.error.BrokerException;
import dev.ferry.queue.MessageQueue;
import dev.ferry.route.Binding;
import dev.ferry.route.DefaultExchange;
import dev.ferry.route.Destination;
import dev.ferry.route.Exchange;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /api/bindings[/{vhost}[/e/{source}/q|e/{destination}[/{props}]]]}: list, create (POST)
 * and delete. Every queue's implicit binding from the default exchange is listed, as RabbitMQ
 * lists it. A binding is named in a path by its {@code properties_key}: the routing key when it
 * has no arguments, else the key, {@code ~} and a hash of the arguments.
 */
final class BindingsEndpoint {
    /** One binding with the virtual host it lives in. */
    record Listed(String virtualHost, Binding binding) {
    }

    private final BrokerView view;

    BindingsEndpoint(BrokerView view) {
        this.view = view;
    }

    CompletableFuture<ApiResponse> handle(ApiRequest request) {
        int depth = request.path().size();
        if (depth == 1) {
            QueuesEndpoint.requireGet(request.method());
            List<Listed> all = new ArrayList<>();
            for (VirtualHost host : view.visibleVirtualHosts(request.user())) {
                all.addAll(bindingsOf(host));
            }
            return list(request, all);
        }
        if (depth == 2) {
            QueuesEndpoint.requireGet(request.method());
            return list(request, bindingsOf(view.virtualHost(request.user(), request.segment(1))));
        }
        if ((depth == 6 || depth == 7) && request.segment(2).equals("e")
                && (request.segment(4).equals("q") || request.segment(4).equals("e"))) {
            boolean toQueue = request.segment(4).equals("q");
            String source = ExchangesEndpoint.pathName(request.segment(3));
            String destination = request.segment(5);
            boolean reading = request.method().equals("GET");
            if (depth == 6 && !reading && !request.method().equals("POST")) {
                throw ApiException.methodNotAllowed();
            }
            VirtualHost host;
            if (reading) {
                Optional<VirtualHost> named = view.virtualHostIfAny(request.user(), request.segment(1));
                if (named.isEmpty()) {
                    if (depth == 6) {
                        return list(request, List.of());
                    }
                    throw ApiException.notFound();
                }
                host = named.get();
            } else if (depth == 6 && !view.virtualHostExists(request.segment(1))) {
                throw ApiException.notFound("vhost_not_found");
            } else {
                host = view.virtualHostToChange(request.user(), request.segment(1));
            }
            boolean sourceMissing = host.exchange(source).isEmpty();
            boolean destinationMissing = toQueue ? host.queue(destination).isEmpty() : host.exchange(destination).isEmpty();
            if (request.method().equals("POST") && depth == 6 && (sourceMissing || destinationMissing)) {
                // RabbitMQ 3.10 names what is missing, the source first.
                throw ApiException.notFound("no " + (sourceMissing ? "exchange '" + source
                        : (toQueue ? "queue '" : "exchange '") + destination) + "' in vhost '" + host.name() + "'");
            }
            if (sourceMissing || destinationMissing) {
                // The bindings between two objects are a listing: none, as RabbitMQ 3.10 answers,
                // when either is missing; one named binding of them is not found.
                if (depth == 6) {
                    return list(request, List.of());
                }
                throw ApiException.notFound();
            }
            List<Listed> between = new ArrayList<>();
            for (Listed listed : bindingsTo(host, destination, toQueue)) {
                if (listed.binding().source().equals(source)) {
                    between.add(listed);
                }
            }
            if (!reading) {
                // As queue.bind: write on the destination, read on the source.
                view.requireWrite(request.user(), host.name(), toQueue ? "queue" : "exchange", destination);
                view.requireRead(request.user(), host.name(), "exchange",
                        source.isEmpty() ? ExchangesEndpoint.DEFAULT_EXCHANGE_PATH_NAME : source);
            }
            if (depth == 6) {
                return switch (request.method()) {
                    case "GET" -> list(request, between);
                    case "POST" -> create(request, host, source, destination, toQueue);
                    default -> throw ApiException.methodNotAllowed();
                };
            }
            String propertiesKey = request.segment(6);
            Listed named = between.stream().filter(listed -> propertiesKey(listed.binding()).equals(propertiesKey))
                    .findFirst().orElseThrow(ApiException::notFound);
            return switch (request.method()) {
                case "GET" -> ApiResponse.now(ApiResponse.okValue(bindingJson(named)));
                case "DELETE" -> remove(host, named.binding(), toQueue);
                default -> throw ApiException.methodNotAllowed();
            };
        }
        throw ApiException.notFound();
    }

    private static CompletableFuture<ApiResponse> create(ApiRequest request, VirtualHost host, String source,
                                                         String destination, boolean toQueue) {
        ObjectNode body = request.jsonObject();
        String routingKey = body.hasNonNull("routing_key") ? body.get("routing_key").asText() : "";
        Map<String, Object> arguments = MessageJson.tableOf(RequiredFields.object(body, "arguments"));
        try {
            CompletableFuture<Void> bound = toQueue
                    ? host.bindQueue(destination, source, routingKey, arguments, BrokerView.sessionId())
                    : host.bindExchange(destination, source, routingKey, arguments);
            return bound.thenApply(ignored -> ApiResponse.created());
        } catch (BrokerException refusal) {
            throw ApiException.from(refusal);
        }
    }

    private static CompletableFuture<ApiResponse> remove(VirtualHost host, Binding binding, boolean toQueue) {
        if (binding.source().equals(DefaultExchange.NAME)) {
            throw ApiException.notAuthorised("Access refused.");
        }
        try {
            CompletableFuture<Void> removed = toQueue
                    ? host.unbindQueue(binding.destination().name(), binding.source(), binding.routingKey(),
                    binding.arguments(), BrokerView.sessionId())
                    : host.unbindExchange(binding.destination().name(), binding.source(), binding.routingKey(),
                    binding.arguments());
            return removed.thenApply(ignored -> ApiResponse.noContent());
        } catch (BrokerException refusal) {
            throw ApiException.from(refusal);
        }
    }

    static CompletableFuture<ApiResponse> list(ApiRequest request, List<Listed> bindings) {
        ListQuery query = ListQuery.from(request.query());
        return ApiResponse.now(ApiResponse.ok(json -> query.write(json, bindings,
                listed -> listed.binding().routingKey(), BindingsEndpoint::bindingJson)));
    }

    /** Every binding of a virtual host: each queue's default binding first, then each exchange's, by source. */
    static List<Listed> bindingsOf(VirtualHost host) {
        List<Listed> all = new ArrayList<>();
        for (MessageQueue queue : sortedQueues(host)) {
            all.add(defaultBinding(host, queue.name()));
        }
        List<Exchange> exchanges = new ArrayList<>(host.exchanges());
        exchanges.sort(Comparator.comparing(Exchange::name));
        for (Exchange exchange : exchanges) {
            for (Binding binding : exchange.bindings()) {
                all.add(new Listed(host.name(), binding));
            }
        }
        return all;
    }

    /** Bindings that lead to a queue (with its default binding) or to an exchange. */
    static List<Listed> bindingsTo(VirtualHost host, String destination, boolean isQueue) {
        List<Listed> found = new ArrayList<>();
        if (isQueue) {
            found.add(defaultBinding(host, destination));
        }
        Destination wanted = isQueue ? Destination.queue(destination) : Destination.exchange(destination);
        List<Exchange> exchanges = new ArrayList<>(host.exchanges());
        exchanges.sort(Comparator.comparing(Exchange::name));
        for (Exchange exchange : exchanges) {
            for (Binding binding : exchange.bindings()) {
                if (binding.destination().equals(wanted)) {
                    found.add(new Listed(host.name(), binding));
                }
            }
        }
        return found;
    }

    static List<Listed> bindingsFrom(VirtualHost host, String source) {
        List<Listed> found = new ArrayList<>();
        Exchange exchange = host.exchange(source).orElseThrow(ApiException::notFound);
        if (source.equals(DefaultExchange.NAME)) {
            for (MessageQueue queue : sortedQueues(host)) {
                found.add(defaultBinding(host, queue.name()));
            }
            return found;
        }
        for (Binding binding : exchange.bindings()) {
            found.add(new Listed(host.name(), binding));
        }
        return found;
    }

    private static List<MessageQueue> sortedQueues(VirtualHost host) {
        List<MessageQueue> queues = new ArrayList<>(host.queues());
        queues.sort(Comparator.comparing(MessageQueue::name));
        return queues;
    }

    private static Listed defaultBinding(VirtualHost host, String queueName) {
        return new Listed(host.name(), new Binding(DefaultExchange.NAME, Destination.queue(queueName), queueName));
    }

    static Map<String, Object> bindingJson(Listed listed) {
        Binding binding = listed.binding();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("source", binding.source());
        json.put("vhost", listed.virtualHost());
        json.put("destination", binding.destination().name());
        json.put("destination_type", binding.destination().isQueue() ? "queue" : "exchange");
        json.put("routing_key", binding.routingKey());
        json.put("arguments", binding.arguments());
        json.put("properties_key", propertiesKey(binding));
        return json;
    }

    /**
     * The binding's name in paths. Like RabbitMQ's: the routing key form-encoded (a space is
     * {@code +}; {@code ~}, {@code *}, {@code #} and {@code /} are escaped), alone without arguments
     * ({@code ~} for an empty key); with arguments, the key, {@code ~} and a hash of them. The hash
     * is Ferry's own (RabbitMQ hashes Erlang terms), so keys with arguments differ between the two.
     */
    static String propertiesKey(Binding binding) {
        String key = URLEncoder.encode(binding.routingKey(), StandardCharsets.UTF_8).replace("*", "%2A");
        if (binding.arguments().isEmpty()) {
            return key.isEmpty() ? "~" : key;
        }
        String arguments = new TreeMap<>(binding.arguments()).toString();
        return key + "~" + Integer.toUnsignedString(arguments.hashCode(), 36);
    }
}
