package dev.ferry.amqp.channel;

import dev.ferry.broker.BrokerException;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.SettleOutcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A channel's delivery tags that still await ack, nack or reject, each mapped to the queue and the
 * queue-local delivery id it stands for. Tags are issued in increasing order and kept in that
 * order, so "multiple" settles a prefix of the map.
 *
 * <p>Settling groups ids by queue so that one ack of many tags costs one command per queue, not
 * one per message. Event-loop confined, like the channel that owns it.
 */
final class UnackedDeliveries {
    private record Unacked(MessageQueue queue, long deliveryId) {
    }

    private final LinkedHashMap<Long, Unacked> byTag = new LinkedHashMap<>();

    void add(long deliveryTag, MessageQueue queue, long deliveryId) {
        byTag.put(deliveryTag, new Unacked(queue, deliveryId));
    }

    int size() {
        return byTag.size();
    }

    /**
     * Settles {@code deliveryTag}, or with {@code multiple} every tag up to it (tag 0 with multiple
     * means all). An unknown tag is a channel error, 406, as in RabbitMQ; nothing is settled then.
     */
    void settle(ChannelRef channel, long deliveryTag, boolean multiple, SettleOutcome outcome) {
        Map<MessageQueue, List<Long>> idsByQueue = new HashMap<>();
        if (multiple) {
            if (deliveryTag != 0 && !byTag.containsKey(deliveryTag)) {
                throw unknownTag(deliveryTag);
            }
            Iterator<Map.Entry<Long, Unacked>> entries = byTag.entrySet().iterator();
            while (entries.hasNext()) {
                Map.Entry<Long, Unacked> entry = entries.next();
                if (deliveryTag != 0 && entry.getKey() > deliveryTag) {
                    break;
                }
                idsByQueue.computeIfAbsent(entry.getValue().queue(), q -> new ArrayList<>()).add(entry.getValue().deliveryId());
                entries.remove();
            }
        } else {
            Unacked unacked = byTag.remove(deliveryTag);
            if (unacked == null) {
                throw unknownTag(deliveryTag);
            }
            unacked.queue().settle(channel, unacked.deliveryId(), outcome);
            return;
        }
        for (Map.Entry<MessageQueue, List<Long>> entry : idsByQueue.entrySet()) {
            List<Long> ids = entry.getValue();
            long[] array = new long[ids.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = ids.get(i);
            }
            entry.getKey().settle(channel, array, outcome);
        }
    }

    /** Whether a tag is awaiting settlement; for checks made before a transaction applies it. */
    boolean contains(long deliveryTag) {
        return byTag.containsKey(deliveryTag);
    }

    /** Forgets every tag: the queues requeue them themselves (recover, channel close). */
    void clear() {
        byTag.clear();
    }

    private static BrokerException unknownTag(long deliveryTag) {
        return BrokerException.preconditionFailed("PRECONDITION_FAILED - unknown delivery tag " + deliveryTag);
    }
}
