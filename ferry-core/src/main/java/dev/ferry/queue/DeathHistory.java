package dev.ferry.queue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.route.SenderSelectedRoutes;

/**
 * The {@code x-death} history a dead-lettered message carries, written the way RabbitMQ writes it:
 * an array of tables, one per (queue, reason), most recent first, each with {@code count},
 * {@code reason}, {@code queue}, {@code time}, {@code exchange}, {@code routing-keys} and, when the
 * message had a per-message TTL, {@code original-expiration}; plus {@code x-first-death-reason},
 * {@code -queue} and {@code -exchange}, set by the first death and never changed. Older histories
 * (one table per death, no count) are folded into that shape; see {@link #recordDeath}.
 *
 * <p>Stateless; the message and its headers are immutable, so every change makes a copy.
 */
public final class DeathHistory {
    public static final String X_DEATH = "x-death";
    public static final String FIRST_DEATH_REASON = "x-first-death-reason";
    public static final String FIRST_DEATH_QUEUE = "x-first-death-queue";
    public static final String FIRST_DEATH_EXCHANGE = "x-first-death-exchange";

    private DeathHistory() {
    }

    /**
     * The message as it leaves {@code queueName} for the dead-letter exchange: addressed to
     * {@code deadLetterExchange}, its death recorded, and its {@code expiration} property removed so
     * it does not expire again in the dead-letter queue. With {@code deadLetterRoutingKey} it is
     * routed by that key alone and loses its {@code CC} header, as in RabbitMQ; without, it keeps its
     * routing key and its sender-selected keys (BCC ones included, though no longer in its headers).
     *
     * <p>The {@code x-death} array keeps one table per (queue, reason). Histories written by
     * RabbitMQ before 3.5, which added a table per death and no {@code count}, are folded on the way:
     * the most recent table of each (queue, reason) stays, counting the tables it stands for, in
     * most-recent-first order. A table of a later death in the same queue for the same reason is
     * that table with its count raised, moved to the front; its first death's time, exchange and keys
     * stay. {@code x-first-death-*} are written when the message has no {@code x-death} header yet
     * (replacing any it carries), and never changed after.
     */
    public static Message recordDeath(Message message, String queueName, DeathReason reason, long nowMillis,
                                      String deadLetterExchange, String deadLetterRoutingKey) {
        MessageProperties properties = message.properties();
        Map<String, Object> headers = properties.headers() == null
                ? new LinkedHashMap<>() : new LinkedHashMap<>(properties.headers());
        boolean firstDeath = !headers.containsKey(X_DEATH);
        List<Object> deaths = headers.get(X_DEATH) instanceof List<?> previous ? foldByQueueAndReason(previous)
                : new ArrayList<>();
        Map<String, Object> death = null;
        for (int i = 0; i < deaths.size(); i++) {
            if (deaths.get(i) instanceof Map<?, ?> entry && sameText(entry.get("queue"), queueName)
                    && sameText(entry.get("reason"), reason.wireName())) {
                death = new LinkedHashMap<>(castTable(entry));
                death.put("count", countOf(entry, 1) + 1);
                deaths.remove(i);
                break;
            }
        }
        if (death == null) {
            death = new LinkedHashMap<>();
            death.put("count", 1L);
            death.put("reason", reason.wireName());
            death.put("queue", queueName);
            // AMQP timestamps have whole seconds.
            death.put("time", new Date(nowMillis / 1000 * 1000));
            death.put("exchange", message.exchange());
            death.put("routing-keys", routingKeys(message));
            if (properties.expiration() != null) {
                death.put("original-expiration", properties.expiration());
            }
        }
        deaths.add(0, death);
        headers.put(X_DEATH, deaths);
        if (firstDeath) {
            headers.put(FIRST_DEATH_REASON, reason.wireName());
            headers.put(FIRST_DEATH_QUEUE, queueName);
            headers.put(FIRST_DEATH_EXCHANGE, message.exchange());
        }
        if (deadLetterRoutingKey != null) {
            headers.remove(SenderSelectedRoutes.CC);
        }
        MessageProperties annotated = properties.withHeaders(headers).withExpiration(null);
        return deadLetterRoutingKey != null
                ? message.withOnlyRoute(deadLetterExchange, deadLetterRoutingKey, annotated)
                : message.withRoute(deadLetterExchange, message.routingKey(), annotated);
    }

    /**
     * One table per (queue, reason), the most recent of each, in the order they first appear; a
     * table without a count gets the number of tables it stands for. Entries that are not tables
     * are kept where they are (no broker wrote them, but they are not Ferry's to drop).
     */
    private static List<Object> foldByQueueAndReason(List<?> previous) {
        List<Object> folded = new ArrayList<>(previous.size());
        Map<List<String>, Integer> positions = new HashMap<>();
        Map<List<String>, Integer> tablesPerKey = new HashMap<>();
        for (Object item : previous) {
            if (!(item instanceof Map<?, ?> entry)) {
                folded.add(item);
                continue;
            }
            List<String> key = Arrays.asList(textOf(entry.get("queue")), textOf(entry.get("reason")));
            if (tablesPerKey.merge(key, 1, Integer::sum) == 1) {
                positions.put(key, folded.size());
                folded.add(entry);
            }
        }
        for (Map.Entry<List<String>, Integer> position : positions.entrySet()) {
            Map<?, ?> entry = (Map<?, ?>) folded.get(position.getValue());
            if (!(entry.get("count") instanceof Number)) {
                Map<String, Object> counted = new LinkedHashMap<>(castTable(entry));
                counted.put("count", (long) tablesPerKey.get(position.getKey()));
                folded.set(position.getValue(), counted);
            }
        }
        return folded;
    }

    /**
     * RabbitMQ's cycle rule: a dead letter must not go back to {@code targetQueue} if it already
     * died there and no death since then (that one included) was a reject. Such a loop would
     * otherwise run forever with no client involved; a reject means a consumer chose to send it
     * round again.
     */
    public static boolean isAutomaticCycle(Message deadLettered, String targetQueue) {
        Map<String, Object> headers = deadLettered.properties().headers();
        if (headers == null || !(headers.get(X_DEATH) instanceof List<?> deaths)) {
            return false;
        }
        for (Object item : deaths) {
            if (!(item instanceof Map<?, ?> death)) {
                // Not written by a broker, so a client was involved: not an automatic cycle.
                return false;
            }
            if (sameText(death.get("reason"), DeathReason.REJECTED.wireName())) {
                return false;
            }
            if (sameText(death.get("queue"), targetQueue)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The queue a dead letter most recently died in and why: the first table of its {@code x-death}
     * (most recent first). Empty for a message that never died, or whose first entry is not a
     * table naming a queue and a reason (a client wrote it).
     */
    public static Optional<Death> latestDeath(Message message) {
        Map<String, Object> headers = message.properties().headers();
        if (headers == null || !(headers.get(X_DEATH) instanceof List<?> deaths) || deaths.isEmpty()
                || !(deaths.get(0) instanceof Map<?, ?> latest)
                || latest.get("queue") == null || latest.get("reason") == null) {
            return Optional.empty();
        }
        return Optional.of(new Death(textOf(latest.get("queue")), textOf(latest.get("reason"))));
    }

    /** One death of a message: the queue it left and RabbitMQ's wire name of the reason. */
    public record Death(String queue, String reason) {
    }

    /**
     * The routing key it was published with, then its CC keys, as RabbitMQ lists them (BCC keys are
     * not in the headers any more, so a dead letter does not reveal them).
     */
    private static List<String> routingKeys(Message message) {
        List<String> cc = SenderSelectedRoutes.ccKeys(message.properties().headers());
        List<String> keys = new ArrayList<>(1 + cc.size());
        keys.add(message.routingKey());
        keys.addAll(cc);
        return keys;
    }

    private static String textOf(Object value) {
        return value == null ? null : value.toString();
    }

    private static boolean sameText(Object value, String text) {
        // Header strings may arrive as String or as a client's long-string type; compare by text.
        return value != null && Objects.equals(value.toString(), text);
    }

    private static long countOf(Map<?, ?> death, long otherwise) {
        return death.get("count") instanceof Number number ? number.longValue() : otherwise;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castTable(Map<?, ?> table) {
        return (Map<String, Object>) table;
    }
}
