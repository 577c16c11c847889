package dev.ferry.queue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A consumer sink that remembers what it was given, for assertions. */
public final class RecordingSink implements ConsumerSink {
    public final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    public final List<String> brokerCancels = new CopyOnWriteArrayList<>();

    @Override
    public void deliver(Delivery delivery) {
        deliveries.add(delivery);
    }

    @Override
    public void cancelledByBroker(String consumerTag) {
        brokerCancels.add(consumerTag);
    }

    public List<String> bodies() {
        return deliveries.stream().map(d -> new String(d.message().body())).toList();
    }

    public long[] ids() {
        return deliveries.stream().mapToLong(Delivery::deliveryId).toArray();
    }

    public Delivery last() {
        return deliveries.get(deliveries.size() - 1);
    }
}
