package dev.ferry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.PublishResult;
import dev.ferry.broker.VirtualHost;
import dev.ferry.error.BrokerException;
import dev.ferry.message.Message;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.DeathHistory;
import dev.ferry.queue.DeathReason;
import dev.ferry.queue.Delivery;
import dev.ferry.queue.GetResult;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.SettleOutcome;
import dev.ferry.route.DefaultExchange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /api/queues/{vhost}/{name}/move}, Ferry's own: moves messages out of a queue (a
 * dead-letter queue, typically) into {@code destination}, or, without one, each back to the queue
 * its latest {@code x-death} entry names; {@code reason} keeps to messages whose latest death had
 * that reason, {@code count} caps how many one call moves. Answers
 * {@code {"moved": n, "skipped": k, "remaining": r}}, {@code remaining} being the ready messages
 * left in the source once the skipped ones are back.
 *
 * <p>At least once, never lost: a message is taken under a session of the move's own, published
 * through the default exchange, and acknowledged in the source only once every queue it reached
 * has stored it; if the broker stops in between, the source redelivers it and the destination may
 * hold it twice. Skipped messages (filtered out, no destination, refused by the destination) stay
 * unacknowledged until the end, so the walk moves past them, then go back to their places. The walk
 * looks at no more messages than the source held when it started, so messages that arrive meanwhile,
 * or go back into the source itself, do not keep it going.
 */
final class QueueMove {
    /** Messages taken before their publishes are awaited together: one group commit, not one per message. */
    private static final int BATCH = 256;

    private final VirtualHost host;
    private final MessageQueue source;
    private final String destination;
    private final String reason;
    private final int limit;
    private final ChannelRef session = new ChannelRef(BrokerView.sessionId(), 1);
    private final List<Long> skipped = new ArrayList<>();
    private int moved;
    private int examined;
    private int toExamine;

    private QueueMove(VirtualHost host, MessageQueue source, String destination, String reason, int limit) {
        this.host = host;
        this.source = source;
        this.destination = destination;
        this.reason = reason;
        this.limit = limit;
    }

    /** Checks the request body and the destination queue, then runs the move. */
    static CompletableFuture<ApiResponse> run(ApiRequest request, VirtualHost host, MessageQueue source) {
        ObjectNode body = request.jsonObject();
        String destination = text(body, "destination");
        if (destination != null && host.queue(destination).filter(queue -> !queue.isDeleted()).isEmpty()) {
            throw ApiException.badRequest("destination queue '" + destination + "' not found in vhost '"
                    + host.name() + "'");
        }
        String reason = text(body, "reason");
        if (reason != null && Arrays.stream(DeathReason.values()).noneMatch(known -> known.wireName().equals(reason))) {
            throw ApiException.badRequest("reason must be one of rejected, expired, maxlen, delivery_limit");
        }
        int limit = Integer.MAX_VALUE;
        if (body.hasNonNull("count")) {
            JsonNode count = body.get("count");
            if (!count.canConvertToInt() || count.asInt() < 1) {
                throw ApiException.badRequest("count must be a positive integer");
            }
            limit = count.asInt();
        }
        QueueMove move = new QueueMove(host, source, destination, reason, limit);
        return move.start();
    }

    private static String text(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw ApiException.badRequest(field + " must be a non-empty string");
        }
        return value.asText();
    }

    private CompletableFuture<ApiResponse> start() {
        return source.counts()
                .thenCompose(counts -> {
                    toExamine = counts.messageCount();
                    return nextBatch();
                })
                .whenComplete((ignored, error) -> {
                    if (!skipped.isEmpty()) {
                        source.settle(session, skipped.stream().mapToLong(Long::longValue).toArray(),
                                SettleOutcome.REQUEUE);
                    }
                    source.closeChannel(session);
                })
                // Counted after the skipped messages are back: the owner applies commands in order.
                .thenCompose(ignored -> source.counts())
                .thenApply(counts -> ApiResponse.okValue(Map.of(
                        "moved", moved, "skipped", skipped.size(), "remaining", counts.messageCount())));
    }

    private CompletableFuture<Void> nextBatch() {
        if (moved >= limit || examined >= toExamine) {
            return CompletableFuture.completedFuture(null);
        }
        List<Delivery> batch = new ArrayList<>();
        return take(batch, Math.min(BATCH, Math.min(limit - moved, toExamine - examined)))
                .thenCompose(exhausted -> publish(batch)
                        .thenCompose(ignored -> exhausted ? CompletableFuture.completedFuture(null) : nextBatch()));
    }

    /** Takes up to {@code wanted} messages that should move; completes with true once the source ran dry. */
    private CompletableFuture<Boolean> take(List<Delivery> batch, int wanted) {
        if (batch.size() >= wanted || examined >= toExamine) {
            return CompletableFuture.completedFuture(false);
        }
        return source.get(session, false).thenCompose((GetResult result) -> {
            if (result.isEmpty()) {
                return CompletableFuture.completedFuture(true);
            }
            Delivery delivery = result.delivery().orElseThrow();
            examined++;
            if (target(delivery.message()).isPresent()) {
                batch.add(delivery);
            } else {
                skipped.add(delivery.deliveryId());
                delivery.message().messageBody().release(); // the get's: stays in the source, not read
            }
            return take(batch, wanted);
        });
    }

    /** Where a message goes, or empty when it stays: filtered out, nowhere to go, or already there. */
    private Optional<String> target(Message message) {
        Optional<DeathHistory.Death> death = DeathHistory.latestDeath(message);
        if (reason != null && !death.map(latest -> latest.reason().equals(reason)).orElse(false)) {
            return Optional.empty();
        }
        Optional<String> target = destination != null ? Optional.of(destination) : death.map(DeathHistory.Death::queue);
        return target.filter(name -> !name.equals(source.name()));
    }

    /** Publishes the batch with confirms, acks in the source what was stored, keeps the rest as skipped. */
    private CompletableFuture<Void> publish(List<Delivery> batch) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Boolean>> stored = new ArrayList<>(batch.size());
        for (Delivery delivery : batch) {
            Message original = delivery.message();
            Message copy = new Message(DefaultExchange.NAME, target(original).orElseThrow(), original.properties(),
                    original.messageBody());
            stored.add(storedEverywhere(copy));
            original.messageBody().release(); // the get's: each queue the copy reached took its own
        }
        return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).thenRun(() -> {
            List<Long> done = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                if (stored.get(i).join()) {
                    done.add(batch.get(i).deliveryId());
                } else {
                    skipped.add(batch.get(i).deliveryId());
                }
            }
            moved += done.size();
            if (!done.isEmpty()) {
                source.settle(session, done.stream().mapToLong(Long::longValue).toArray(), SettleOutcome.ACK);
            }
        });
    }

    /** True once every queue the copy reached stored it; false when it reached none or one refused it. */
    private CompletableFuture<Boolean> storedEverywhere(Message copy) {
        PublishResult result;
        try {
            result = host.publish(copy, true);
        } catch (BrokerException refused) {
            return CompletableFuture.completedFuture(false);
        }
        if (!result.routed()) {
            return CompletableFuture.completedFuture(false);
        }
        return result.accepted().toCompletableFuture().handle((ignored, error) -> error == null);
    }
}
