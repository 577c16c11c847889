package dev.ferry.amqp.channel;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A channel's delivery tags of stream deliveries that await an ack, each mapped to its consumer.
 * Acknowledging one only gives its consumer credit back (RabbitMQ's stream semantics), so nothing
 * but the consumer needs to be remembered. Kept apart from {@link UnackedDeliveries}, whose
 * entries settle messages in queues; the channel consults both for each ack, as their tags come
 * from one sequence.
 *
 * <p>Event-loop confined, like the channel that owns it.
 */
final class StreamDeliveries {
    private final NavigableMap<Long, StreamConsumer> byTag = new TreeMap<>();

    void add(long deliveryTag, StreamConsumer consumer) {
        byTag.put(deliveryTag, consumer);
    }

    boolean contains(long deliveryTag) {
        return byTag.containsKey(deliveryTag);
    }

    boolean isEmpty() {
        return byTag.isEmpty();
    }

    /** The consumer a tag was delivered by, or null. */
    StreamConsumer consumerOf(long deliveryTag) {
        return byTag.get(deliveryTag);
    }

    /** Acknowledges one tag; returns whether it was a stream delivery. */
    boolean ack(long deliveryTag) {
        StreamConsumer consumer = byTag.remove(deliveryTag);
        if (consumer == null) {
            return false;
        }
        consumer.acknowledged(1);
        return true;
    }

    /** Acknowledges every tag up to {@code deliveryTag} (0: all), one credit call per consumer. */
    void ackThrough(long deliveryTag) {
        Map<Long, StreamConsumer> settled = deliveryTag == 0 ? byTag : byTag.headMap(deliveryTag, true);
        Map<StreamConsumer, Integer> counts = new HashMap<>();
        for (Iterator<StreamConsumer> it = settled.values().iterator(); it.hasNext(); ) {
            counts.merge(it.next(), 1, Integer::sum);
            it.remove();
        }
        counts.forEach(StreamConsumer::acknowledged);
    }

    void clear() {
        byTag.clear();
    }
}
