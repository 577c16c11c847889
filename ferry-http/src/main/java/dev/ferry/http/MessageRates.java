package dev.ferry.http;

import dev.ferry.broker.Broker;
import dev.ferry.broker.VirtualHost;
import dev.ferry.front.registry.ChannelSnapshot;
import dev.ferry.front.registry.ClientConnection;
import dev.ferry.front.registry.ClientConnections;
import dev.ferry.queue.MessageQueue;
import dev.ferry.route.Exchange;
import dev.ferry.stats.MessageCounter;
import java.util.TreeMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The {@code *_details.rate} of {@code message_stats}: every {@code intervalMs} (RabbitMQ's
 * {@code collect_statistics_interval}, 5 s by default) one thread of its own samples the counters
 * of every queue, exchange, virtual host and channel, and a rate is the difference between an
 * object's last two samples over the time between them; the overview's are the sum of the
 * virtual hosts' the user sees. Nothing here runs on the message path:
 * counters are read as their owners published them (queues, channels) or summed (exchanges,
 * virtual hosts); channels are asked on their connection's event loop and answer asynchronously.
 *
 * <p>Samples are kept per object (keyed by the object itself, or a channel's name) and dropped when
 * the object was not seen in two rounds, so deleted queues and closed channels do not accumulate.
 */
final class MessageRates implements AutoCloseable {
    private record Sample(long atNanos, long[] counts) {
    }

    /** An object's two latest samples; written by the sampler thread only, read by any. */
    private static final class Samples {
        volatile Sample previous;
        volatile Sample latest;
        volatile long round;

        void add(Sample sample, long currentRound) {
            previous = latest;
            latest = sample;
            round = currentRound;
        }
    }

    /**
     * A group of message_stats fields that RabbitMQ 3.10 shows together: it keeps one series of
     * samples per group and object, made by the group's first event, so a group is in an object's
     * message_stats once something it counts happened (here: once one of its counters is not zero)
     * and an object with no group at all has no message_stats. {@code deliver_get} goes with the
     * deliveries.
     */
    record FieldGroup(boolean withDeliverGet, MessageCounter... fields) {
        boolean isPresentIn(long[] counts) {
            for (MessageCounter field : fields) {
                if (counts[field.ordinal()] != 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /** What a channel publishes (RabbitMQ's fine_stats of channels and virtual hosts). */
    private static final FieldGroup PUBLISHES = new FieldGroup(false, MessageCounter.CONFIRM,
            MessageCounter.DROP_UNROUTABLE, MessageCounter.PUBLISH, MessageCounter.RETURN_UNROUTABLE);
    /** What is handed out and settled (RabbitMQ's deliver_get stats). */
    private static final FieldGroup DELIVERIES = new FieldGroup(true, MessageCounter.ACK, MessageCounter.DELIVER,
            MessageCounter.DELIVER_NO_ACK, MessageCounter.GET, MessageCounter.GET_EMPTY, MessageCounter.GET_NO_ACK,
            MessageCounter.REDELIVER);
    /** Ferry's own, not in RabbitMQ 3.10's message_stats. */
    private static final FieldGroup DEAD_LETTERS = new FieldGroup(false, MessageCounter.DEAD_LETTERED);

    /** A queue's: what reached it ({@code publish}), its deliveries, Ferry's dead_lettered. */
    static final FieldGroup[] QUEUE_FIELDS = {new FieldGroup(false, MessageCounter.PUBLISH), DELIVERIES, DEAD_LETTERS};
    /** An exchange's: {@code publish_in} and {@code publish_out}, each its own group in RabbitMQ. */
    static final FieldGroup[] EXCHANGE_FIELDS = {new FieldGroup(false, MessageCounter.PUBLISH_IN),
        new FieldGroup(false, MessageCounter.PUBLISH_OUT)};
    static final FieldGroup[] CHANNEL_FIELDS = {PUBLISHES, DELIVERIES};
    /**
     * A virtual host's and the overview's: a channel's, and Ferry's dead_lettered. (RabbitMQ's
     * overview also has {@code disk_reads} / {@code disk_writes}, which Ferry does not count.)
     */
    static final FieldGroup[] VIRTUAL_HOST_FIELDS = {PUBLISHES, DELIVERIES, DEAD_LETTERS};

    private final Broker broker;
    private final ClientConnections connections;
    private final long intervalMs;
    private final Map<Object, Samples> samples = new ConcurrentHashMap<>();
    private ScheduledExecutorService sampler;
    private long round;

    MessageRates(Broker broker, ClientConnections connections, long intervalMs) {
        this.broker = broker;
        this.connections = connections;
        this.intervalMs = intervalMs;
    }

    synchronized void start() {
        if (sampler != null) {
            return;
        }
        sampler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ferry-stats-sampler");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleAtFixedRate(this::sampleSafely, 0, intervalMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
    }

    private void sampleSafely() {
        try {
            sample();
        } catch (RuntimeException e) {
            // A queue deleted mid-walk and the like: the next round samples again.
            org.slf4j.LoggerFactory.getLogger(MessageRates.class).debug("statistics sample failed", e);
        }
    }

    /** One round: every object's counters now. Sampler thread only. */
    void sample() {
        long now = System.nanoTime();
        long current = ++round;
        for (VirtualHost host : broker.virtualHosts()) {
            record(host, now, host.messageStats().snapshot(), current);
            for (MessageQueue queue : host.queues()) {
                record(queue, now, queue.messageStats(), current);
            }
            for (Exchange exchange : host.exchanges()) {
                record(exchange, now, exchangeCounts(exchange), current);
            }
        }
        for (ClientConnection connection : connections.all()) {
            connection.channels().thenAccept(channels -> {
                long at = System.nanoTime();
                for (ChannelSnapshot channel : channels) {
                    record(channelKey(connection, channel), at, countsOf(channel.messageStats()), current);
                }
            });
        }
        samples.values().removeIf(entry -> entry.round < current - 2);
    }

    private void record(Object key, long atNanos, long[] counts, long currentRound) {
        samples.computeIfAbsent(key, ignored -> new Samples()).add(new Sample(atNanos, counts), currentRound);
    }

    static String channelKey(ClientConnection connection, ChannelSnapshot channel) {
        return connection.id() + "/" + channel.number();
    }

    static long[] exchangeCounts(Exchange exchange) {
        long[] counts = new long[MessageCounter.count()];
        counts[MessageCounter.PUBLISH_IN.ordinal()] = exchange.publishedIn();
        counts[MessageCounter.PUBLISH_OUT.ordinal()] = exchange.publishedOut();
        return counts;
    }

    static long[] countsOf(Map<String, Long> byName) {
        long[] counts = new long[MessageCounter.count()];
        for (int i = 0; i < counts.length; i++) {
            Long value = byName.get(MessageCounter.of(i).fieldName());
            counts[i] = value == null ? 0 : value;
        }
        return counts;
    }

    /**
     * RabbitMQ's {@code message_stats} object for one sampled object: each field of each group
     * present ({@link FieldGroup}) with its count and {@code <field>_details: {"rate": r}}, messages
     * per second over the last sample interval (0 until the object has two samples). Empty when no
     * group is present: RabbitMQ then leaves message_stats out of the object, the overview shows {}.
     */
    Map<String, Object> messageStats(Object key, long[] counts, FieldGroup[] groups) {
        return json(counts, rates(key), groups);
    }

    /** Puts {@code message_stats} into an object's JSON unless it is empty, as RabbitMQ leaves it out then. */
    void putMessageStats(Map<String, Object> json, Object key, long[] counts, FieldGroup[] groups) {
        Map<String, Object> stats = messageStats(key, counts, groups);
        if (!stats.isEmpty()) {
            json.put("message_stats", stats);
        }
    }

    /** Per counter, messages per second between the object's last two samples; zeros before it has two. */
    double[] rates(Object key) {
        double[] rates = new double[MessageCounter.count()];
        Samples entry = samples.get(key);
        Sample latest = entry == null ? null : entry.latest;
        Sample previous = entry == null ? null : entry.previous;
        if (latest != null && previous != null && latest.atNanos > previous.atNanos) {
            double seconds = (latest.atNanos - previous.atNanos) / 1e9;
            for (int i = 0; i < rates.length; i++) {
                long delta = latest.counts[i] - previous.counts[i];
                // Never negative: a sum over objects drops when one of them is deleted.
                rates[i] = delta <= 0 ? 0.0 : delta / seconds;
            }
        }
        return rates;
    }

    static Map<String, Object> json(long[] counts, double[] rates, FieldGroup[] groups) {
        Map<String, Object> json = new TreeMap<>();
        for (FieldGroup group : groups) {
            if (!group.isPresentIn(counts)) {
                continue;
            }
            for (MessageCounter field : group.fields()) {
                put(json, field.fieldName(), counts[field.ordinal()], rates[field.ordinal()]);
            }
            if (group.withDeliverGet()) {
                double deliverGetRate = rates[MessageCounter.DELIVER.ordinal()]
                        + rates[MessageCounter.DELIVER_NO_ACK.ordinal()] + rates[MessageCounter.GET.ordinal()]
                        + rates[MessageCounter.GET_NO_ACK.ordinal()];
                put(json, "deliver_get", MessageCounter.deliverGet(counts), deliverGetRate);
            }
        }
        return json;
    }

    private static void put(Map<String, Object> json, String field, long count, double rate) {
        json.put(field, count);
        // One decimal, as RabbitMQ shows rates.
        json.put(field + "_details", Map.of("rate", Math.round(rate * 10) / 10.0));
    }
}
