package dev.ferry.queue;

import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/**
 * The {@code x-death} history a dead-lettered message carries, written the way RabbitMQ writes it:
 * an array of tables, one per (queue, reason), most recent first, each with {@code count},
 * {@code reason}, {@code queue}, {@code time}, {@code exchange}, {@code routing-keys} and, when the
 * message had a per-message TTL, {@code original-expiration}; plus {@code x-first-death-reason},
 * {@code -queue} and {@code -exchange}, set by the first death and never changed.
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
     * {@code deadLetterExchange} with {@code deadLetterRoutingKey} (or its own key when null), its
     * death recorded, and its {@code expiration} property removed so it does not expire again in
     * the dead-letter queue.
     */
    public static Message recordDeath(Message message, String queueName, DeathReason reason, long nowMillis,
                                      String deadLetterExchange, String deadLetterRoutingKey) {
        MessageProperties properties = message.properties();
        Map<String, Object> headers = properties.headers() == null
                ? new LinkedHashMap<>() : new LinkedHashMap<>(properties.headers());
        List<Object> deaths = new ArrayList<>();
        if (headers.get(X_DEATH) instanceof List<?> previous) {
            deaths.addAll(previous);
        }
        Map<String, Object> death = null;
        for (int i = 0; i < deaths.size(); i++) {
            if (deaths.get(i) instanceof Map<?, ?> entry && sameText(entry.get("queue"), queueName)
                    && sameText(entry.get("reason"), reason.wireName())) {
                // The same death again: RabbitMQ counts it in the old entry and moves it to the front.
                death = new LinkedHashMap<>(castTable(entry));
                death.put("count", countOf(entry) + 1);
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
        headers.putIfAbsent(FIRST_DEATH_REASON, reason.wireName());
        headers.putIfAbsent(FIRST_DEATH_QUEUE, queueName);
        headers.putIfAbsent(FIRST_DEATH_EXCHANGE, message.exchange());
        MessageProperties annotated = properties.withHeaders(headers).withExpiration(null);
        return message.withRoute(deadLetterExchange,
                deadLetterRoutingKey != null ? deadLetterRoutingKey : message.routingKey(), annotated);
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

    /** The routing key it was published with, then its CC and BCC keys, as RabbitMQ lists them. */
    private static List<String> routingKeys(Message message) {
        List<String> keys = new ArrayList<>();
        keys.add(message.routingKey());
        Map<String, Object> headers = message.properties().headers();
        if (headers != null) {
            for (String header : new String[] {"CC", "BCC"}) {
                if (headers.get(header) instanceof List<?> extra) {
                    for (Object key : extra) {
                        keys.add(String.valueOf(key));
                    }
                }
            }
        }
        return keys;
    }

    private static boolean sameText(Object value, String text) {
        // Header strings may arrive as String or as a client's long-string type; compare by text.
        return value != null && Objects.equals(value.toString(), text);
    }

    private static long countOf(Map<?, ?> death) {
        return death.get("count") instanceof Number number ? number.longValue() : 1L;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castTable(Map<?, ?> table) {
        return (Map<String, Object>) table;
    }
}
