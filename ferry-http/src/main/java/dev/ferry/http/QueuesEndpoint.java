package dev.ferry.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.DeclaredQueue;
import dev.ferry.broker.QueueDeclaration;
import dev.ferry.broker.VirtualHost;
import dev.ferry.error.BrokerException;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueSettings;
import dev.ferry.queue.SettleOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /api/queues[/{vhost}[/{name}[/get|/contents|/bindings|/move]]]}: list, show, declare (PUT),
 * delete, peek (POST get), purge (DELETE contents) and Ferry's move (POST, see {@link QueueMove}). Counts are the queue's own statistics as of
 * its owner's last drain (volatile reads, no command); everything that changes a queue is a
 * command to its owner, answered through a future, so no thread here ever waits.
 */
final class QueuesEndpoint {
    /** What RabbitMQ's get accepts in {@code ackmode}, and what becomes of the messages it took. */
    private static final Map<String, SettleOutcome> ACK_MODES = Map.of(
            "ack_requeue_true", SettleOutcome.REQUEUE,
            "reject_requeue_true", SettleOutcome.REQUEUE,
            "ack_requeue_false", SettleOutcome.ACK,
            "reject_requeue_false", SettleOutcome.DISCARD);

    private final BrokerView view;

    QueuesEndpoint(BrokerView view) {
        this.view = view;
    }

    CompletableFuture<ApiResponse> handle(ApiRequest request) {
        int depth = request.path().size();
        String method = request.method();
        if (depth == 1) {
            requireGet(method);
            List<MessageQueue> queues = new ArrayList<>();
            for (VirtualHost host : view.visibleVirtualHosts(request.user())) {
                queues.addAll(host.queues());
            }
            return list(request, queues);
        }
        if (depth == 2) {
            requireGet(method);
            return list(request, view.virtualHost(request.user(), request.segment(1)).queues());
        }
        String queueName = request.segment(2);
        if (depth == 3) {
            return switch (method) {
                case "GET" -> {
                    MessageQueue queue = existing(view.virtualHost(request.user(), request.segment(1)), queueName);
                    ListQuery query = ListQuery.from(request.query());
                    Map<String, Object> json = queueJson(queue);
                    yield ApiResponse.now(ApiResponse.okValue(query.select(json)));
                }
                case "PUT" -> {
                    VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
                    view.requireConfigure(request.user(), host.name(), queueName);
                    yield declare(request, host, queueName);
                }
                case "DELETE" -> {
                    VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
                    view.requireConfigure(request.user(), host.name(), queueName);
                    yield delete(request, host, queueName);
                }
                default -> throw ApiException.methodNotAllowed();
            };
        }
        if (depth == 4) {
            switch (request.segment(3)) {
                case "get" -> {
                    requireMethod(method, "POST");
                    VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
                    view.requireRead(request.user(), host.name(), "queue", queueName);
                    if (host.queue(queueName).filter(queue -> !queue.isDeleted()).isEmpty()) {
                        throw ApiException.notFound("NOT_FOUND - no queue '" + queueName + "' in vhost '" + host.name() + "'");
                    }
                    return get(request, existing(host, queueName));
                }
                case "contents" -> {
                    requireMethod(method, "DELETE");
                    VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
                    view.requireRead(request.user(), host.name(), "queue", queueName);
                    MessageQueue queue = existing(host, queueName);
                    return queue.purge().thenApply(ignored -> ApiResponse.noContent());
                }
                case "move" -> {
                    requireMethod(method, "POST");
                    VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
                    view.requireRead(request.user(), host.name(), "queue", queueName);
                    // Moved messages are published through the default exchange.
                    view.requireWrite(request.user(), host.name(), "exchange", ExchangesEndpoint.DEFAULT_EXCHANGE_PATH_NAME);
                    return QueueMove.run(request, host, existing(host, queueName));
                }
                case "bindings" -> {
                    requireGet(method);
                    // An empty list for a queue or host that does not exist, as RabbitMQ 3.10 (which,
                    // for a missing queue of an existing host, even lists a default-exchange binding).
                    Optional<VirtualHost> host = view.virtualHostIfAny(request.user(), request.segment(1));
                    if (host.isEmpty() || host.get().queue(queueName).isEmpty()) {
                        return BindingsEndpoint.list(request, List.of());
                    }
                    return BindingsEndpoint.list(request, BindingsEndpoint.bindingsTo(host.get(), queueName, true));
                }
                default -> throw ApiException.notFound();
            }
        }
        throw ApiException.notFound();
    }

    private CompletableFuture<ApiResponse> list(ApiRequest request, List<MessageQueue> queues) {
        ListQuery query = ListQuery.from(request.query());
        List<MessageQueue> ordered = new ArrayList<>(queues);
        ordered.sort(Comparator.comparing((MessageQueue queue) -> queue.settings().virtualHost())
                .thenComparing(MessageQueue::name));
        return ApiResponse.now(ApiResponse.ok(json -> query.write(json, ordered, MessageQueue::name, this::queueJson)));
    }

    /** A queue in RabbitMQ's field names; see ferry-http/README.md for the fields it leaves out. */
    Map<String, Object> queueJson(MessageQueue queue) {
        QueueSettings settings = queue.settings();
        int ready = queue.messageCount();
        int unacked = queue.unackedCount();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", settings.name());
        json.put("vhost", settings.virtualHost());
        json.put("type", settings.arguments().queueType().wireName());
        json.put("durable", settings.durable());
        json.put("auto_delete", settings.autoDelete());
        json.put("exclusive", settings.exclusive());
        json.put("arguments", settings.arguments().raw());
        json.put("node", view.config.nodeName());
        json.put("state", "running");
        json.put("consumers", queue.consumerCount());
        json.put("messages", (long) ready + unacked);
        json.put("messages_ready", ready);
        json.put("messages_unacknowledged", unacked);
        PoliciesEndpoint.putQueuePolicy(json, view.config.broker().virtualHost(settings.virtualHost()).orElse(null),
                settings.name());
        json.put("exclusive_consumer_tag", null);
        json.put("single_active_consumer_tag", null);
        json.put("head_message_timestamp", null);
        view.rates.putMessageStats(json, queue, queue.messageStats(), MessageRates.QUEUE_FIELDS);
        return json;
    }

    private static MessageQueue existing(VirtualHost host, String queueName) {
        return host.queue(queueName).filter(queue -> !queue.isDeleted()).orElseThrow(ApiException::notFound);
    }

    /** PUT: declares like queue.declare (durable unless the body says otherwise); 201 new, 204 already there. */
    private CompletableFuture<ApiResponse> declare(ApiRequest request, VirtualHost host, String queueName) {
        ObjectNode body = request.jsonObject();
        // Left out, not durable: queue.declare's default, as RabbitMQ 3.10's API takes it.
        boolean durable = RequiredFields.flag(body, "durable", false);
        boolean autoDelete = RequiredFields.flag(body, "auto_delete", false);
        Map<String, Object> arguments = MessageJson.tableOf(RequiredFields.object(body, "arguments"));
        boolean existed = host.queue(queueName).isPresent();
        if (!existed) {
            requireBelowQueueLimit(host, queueName);
        }
        DeclaredQueue declared;
        try {
            declared = host.declareQueue(new QueueDeclaration(queueName, durable, false, autoDelete, arguments,
                    BrokerView.sessionId()));
        } catch (BrokerException refusal) {
            throw ApiException.from(refusal);
        }
        return declared.durable().thenApply(ignored -> existed ? ApiResponse.noContent() : ApiResponse.created());
    }

    /**
     * The virtual host's {@code max-queues} limit holds for a queue declared here as over AMQP: 400
     * with the AMQP refusal's text, as RabbitMQ answers.
     */
    private void requireBelowQueueLimit(VirtualHost host, String queueName) {
        if (view.config.accessControl() == null) {
            return;
        }
        int limit = view.config.accessControl().virtualHostLimits(host.name()).maxQueues();
        if (limit >= 0 && host.queues().size() >= limit) {
            throw ApiException.badRequest("cannot declare queue '" + queueName + "': queue limit in vhost '"
                    + host.name() + "' (" + limit + ") is reached");
        }
    }

    /** DELETE, with RabbitMQ's {@code if-unused} and {@code if-empty} query parameters. */
    private CompletableFuture<ApiResponse> delete(ApiRequest request, VirtualHost host, String queueName) {
        existing(host, queueName);
        boolean ifUnused = "true".equals(request.queryParameter("if-unused"));
        boolean ifEmpty = "true".equals(request.queryParameter("if-empty"));
        return host.deleteQueue(queueName, BrokerView.sessionId(), ifUnused, ifEmpty)
                .thenApply(ignored -> ApiResponse.noContent());
    }

    /**
     * POST get: takes up to {@code count} messages one get at a time under a session of its own,
     * then settles them all as {@code ackmode} says (requeued, acked or rejected) and closes the
     * session, which would requeue anything left.
     */
    private CompletableFuture<ApiResponse> get(ApiRequest request, MessageQueue queue) {
        ObjectNode body = request.jsonObject();
        RequiredFields.require(body, "count", "ackmode", "encoding");
        if (!body.get("count").canConvertToInt() || body.get("count").asInt() < 0) {
            throw ApiException.badRequest("count must be a non-negative integer");
        }
        int count = body.get("count").asInt();
        SettleOutcome outcome = ACK_MODES.get(body.get("ackmode").asText());
        if (outcome == null) {
            throw ApiException.badRequest("ackmode must be one of ack_requeue_true, ack_requeue_false, "
                    + "reject_requeue_true, reject_requeue_false");
        }
        String encoding = body.get("encoding").asText();
        if (!encoding.equals("auto") && !encoding.equals("base64")) {
            throw ApiException.badRequest("encoding must be \"auto\" or \"base64\"");
        }
        int truncate = body.hasNonNull("truncate") && body.get("truncate").canConvertToInt() ? body.get("truncate").asInt() : -1;
        ChannelRef session = new ChannelRef(BrokerView.sessionId(), 1);
        List<Map<String, Object>> messages = new ArrayList<>();
        List<Long> taken = new ArrayList<>();
        return takeNext(queue, session, count, messages, taken, truncate, encoding.equals("auto"))
                .whenComplete((ignored, error) -> {
                    long[] ids = taken.stream().mapToLong(Long::longValue).toArray();
                    if (ids.length > 0) {
                        queue.settle(session, ids, outcome);
                    }
                    queue.closeChannel(session);
                })
                .thenApply(ignored -> ApiResponse.okValue(messages));
    }

    private CompletableFuture<Void> takeNext(MessageQueue queue, ChannelRef session, int remaining,
                                             List<Map<String, Object>> messages, List<Long> taken, int truncate,
                                             boolean auto) {
        if (remaining == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return queue.get(session, false).thenCompose((GetResult result) -> {
            if (result.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            Delivery delivery = result.delivery().orElseThrow();
            taken.add(delivery.deliveryId());
            messages.add(messageJson(delivery, result.messageCount(), truncate, auto));
            delivery.message().messageBody().release(); // the get's, once its payload is in the answer
            return takeNext(queue, session, remaining - 1, messages, taken, truncate, auto);
        });
    }

    private static Map<String, Object> messageJson(Delivery delivery, int messageCount, int truncate, boolean auto) {
        byte[] body = delivery.message().body();
        Map.Entry<String, String> payload = MessageJson.payloadJson(body, truncate, auto);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("payload_bytes", body.length);
        json.put("redelivered", delivery.redelivered());
        json.put("exchange", delivery.message().exchange());
        json.put("routing_key", delivery.message().routingKey());
        json.put("message_count", messageCount);
        json.put("properties", MessageJson.propertiesJson(delivery.message().properties()));
        json.put("payload", payload.getKey());
        json.put("payload_encoding", payload.getValue());
        return json;
    }

    static void requireGet(String method) {
        requireMethod(method, "GET");
    }

    static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw ApiException.methodNotAllowed();
        }
    }
}
