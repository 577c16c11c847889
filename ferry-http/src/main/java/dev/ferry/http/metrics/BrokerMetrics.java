package dev.ferry.http.metrics;

import dev.ferry.broker.Broker;
import dev.ferry.broker.ResourceAlarm;
import dev.ferry.broker.VirtualHost;
import dev.ferry.front.registry.ClientConnections;
import dev.ferry.queue.MessageQueue;
import dev.ferry.group.CommittedOffset;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupListing;
import dev.ferry.group.PartitionRef;
import dev.ferry.stats.MessageCounter;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The broker's metrics under rabbitmq_prometheus's names, so that RabbitMQ's Grafana dashboards
 * read Ferry: {@code /metrics} has the broker-wide totals (RabbitMQ's default, aggregated form),
 * {@code /metrics/per-object} one series per queue labelled {@code vhost} and {@code queue}, which
 * a broker with 100k queues need not be scraped for.
 *
 * <p>Values are read when scraped, from the queues' published statistics (volatile reads): no
 * counter is touched on the message path. A scrape walks the queues once and the gauges read that
 * snapshot. Scrapes run one at a time.
 */
public final class BrokerMetrics {
    private final Broker broker;
    private final ClientConnections connections;
    private final ResourceAlarm alarm;
    private final PrometheusMeterRegistry aggregated = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final PrometheusMeterRegistry perObject = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MultiGauge queueReady;
    private final MultiGauge queueUnacked;
    private final MultiGauge queueMessages;
    private final MultiGauge queueConsumers;
    // One counter per queue (a counter, so Prometheus' rate() applies); queues gone are removed at the next scrape.
    private final Map<MessageQueue, FunctionCounter> queuePublished = new java.util.HashMap<>();
    private final MultiGauge groupLag;
    private final MultiGauge partitionHighWatermark;
    private final MultiGauge partitionLogStart;
    private final Timer fsync;
    private volatile Totals totals = new Totals(0, 0, 0, 0, 0, 0);
    private volatile long[] messageCounts = new long[MessageCounter.count()];
    private volatile long queuePublishedTotal;
    private TopicRegistry topics;
    private GroupCoordinator groups;
    /** The Kafka front's fetch session figures: sessions, partitions, evictions, incremental fetches. */
    private volatile LongSupplier[] fetchSessionValues;

    /** One walk over every queue. */
    private record Totals(long queues, long ready, long unacked, long consumers, long exchanges, long waitingPublishes) {
    }

    public BrokerMetrics(Broker broker, ClientConnections connections, ResourceAlarm alarm, String nodeName,
                         String productVersion) {
        this.broker = broker;
        this.connections = connections;
        this.alarm = alarm;
        totalGauge("rabbitmq.queues", "Queues available", Totals::queues);
        totalGauge("rabbitmq.queue.messages.ready", "Messages ready to be delivered to consumers", Totals::ready);
        totalGauge("rabbitmq.queue.messages.unacked", "Messages delivered to consumers but not yet acknowledged",
                Totals::unacked);
        totalGauge("rabbitmq.queue.messages", "Sum of ready and unacknowledged messages",
                snapshot -> snapshot.ready() + snapshot.unacked());
        totalGauge("rabbitmq.queue.consumers", "Consumers on queues", Totals::consumers);
        totalGauge("rabbitmq.consumers", "Consumers currently connected", Totals::consumers);
        totalGauge("ferry.exchanges", "Exchanges, the predeclared ones included", Totals::exchanges);
        totalGauge("ferry.queue.mailbox.messages", "Publishes waiting for their queue's owner thread",
                Totals::waitingPublishes);
        Gauge.builder("rabbitmq.connections", connections, ClientConnections::size)
                .description("Connections currently open").register(aggregated);
        Gauge.builder("rabbitmq.alarms.memory.used.watermark", alarm,
                        raised -> raised.isRaised() && raised.reason().contains("memory") ? 1 : 0)
                .description("1 while the memory alarm is in effect").register(aggregated);
        Gauge.builder("rabbitmq.alarms.free.disk.space.watermark", alarm,
                        raised -> raised.isRaised() && raised.reason().contains("disk") ? 1 : 0)
                .description("1 while the free disk space alarm is in effect").register(aggregated);
        Gauge.builder("rabbitmq.identity.info", () -> 1)
                .description("The node and cluster names dashboards select on")
                .tags("rabbitmq_node", nodeName, "rabbitmq_cluster", nodeName, "rabbitmq_version", productVersion)
                .register(aggregated);
        globalCounter("rabbitmq.global.messages.received", "Messages received from publishers", MessageCounter.PUBLISH);
        globalCounter("rabbitmq.global.messages.confirmed", "Messages confirmed to publishers", MessageCounter.CONFIRM);
        globalCounter("rabbitmq.global.messages.unroutable.returned",
                "Messages returned to publishers as unroutable", MessageCounter.RETURN_UNROUTABLE);
        globalCounter("rabbitmq.global.messages.unroutable.dropped", "Messages dropped as unroutable",
                MessageCounter.DROP_UNROUTABLE);
        globalCounter("rabbitmq.global.messages.delivered.consume.manual.ack",
                "Messages delivered to consumers with manual acknowledgement", MessageCounter.DELIVER);
        globalCounter("rabbitmq.global.messages.delivered.consume.auto.ack",
                "Messages delivered to consumers with automatic acknowledgement", MessageCounter.DELIVER_NO_ACK);
        globalCounter("rabbitmq.global.messages.delivered.get.manual.ack",
                "Messages delivered by basic.get with manual acknowledgement", MessageCounter.GET);
        globalCounter("rabbitmq.global.messages.delivered.get.auto.ack",
                "Messages delivered by basic.get with automatic acknowledgement", MessageCounter.GET_NO_ACK);
        globalCounter("rabbitmq.global.messages.get.empty", "basic.get answered empty", MessageCounter.GET_EMPTY);
        globalCounter("rabbitmq.global.messages.redelivered", "Messages redelivered", MessageCounter.REDELIVER);
        globalCounter("rabbitmq.global.messages.acknowledged", "Messages acknowledged by consumers", MessageCounter.ACK);
        FunctionCounter.builder("rabbitmq.global.messages.delivered", this,
                        metrics -> MessageCounter.deliverGet(metrics.messageCounts))
                .description("Messages delivered to consumers, by consume or get").tags("protocol", "amqp091")
                .register(aggregated);
        FunctionCounter.builder("ferry.messages.dead.lettered", this,
                        metrics -> metrics.messageCounts[MessageCounter.DEAD_LETTERED.ordinal()])
                .description("Messages dead-lettered by queues with a dead-letter exchange").register(aggregated);
        FunctionCounter.builder("rabbitmq.queue.messages.published", this, metrics -> metrics.queuePublishedTotal)
                .description("Messages published into queues (the sum over the queues that exist)").register(aggregated);
        fsync = Timer.builder("ferry.fsync")
                .description("How long each group-commit sync of a log took: the fsync and completing its appends")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(aggregated);
        groupLag = MultiGauge.builder("ferry.consumer.group.lag")
                .description("Messages a consumer group has not committed yet, summed over its partitions").register(aggregated);
        partitionHighWatermark = perObjectGauge("ferry.stream.partition.high.watermark",
                "One past the last durable record of a stream partition");
        partitionLogStart = perObjectGauge("ferry.stream.partition.log.start.offset",
                "The first offset a reader may ask for in a stream partition");
        queueReady = perObjectGauge("rabbitmq.queue.messages.ready", "Messages ready to be delivered to consumers");
        queueUnacked = perObjectGauge("rabbitmq.queue.messages.unacked",
                "Messages delivered to consumers but not yet acknowledged");
        queueMessages = perObjectGauge("rabbitmq.queue.messages", "Sum of ready and unacknowledged messages");
        queueConsumers = perObjectGauge("rabbitmq.queue.consumers", "Consumers on a queue");
    }

    private MultiGauge perObjectGauge(String name, String description) {
        return MultiGauge.builder(name).description(description).register(perObject);
    }

    private void globalCounter(String name, String description, MessageCounter counter) {
        FunctionCounter.builder(name, this, metrics -> metrics.messageCounts[counter.ordinal()])
                .description(description).tags("protocol", "amqp091").register(aggregated);
    }

    /** Streams and consumer groups to report (partition offsets, group lag); none until set. */
    public synchronized BrokerMetrics streams(TopicRegistry topicRegistry, GroupCoordinator groupCoordinator) {
        this.topics = topicRegistry;
        this.groups = groupCoordinator;
        return this;
    }

    /**
     * The Kafka front's fetch sessions (KIP-227), as Kafka's FetchSessionCache metrics: sessions
     * held, partitions over them, evictions, and incremental fetches accepted.
     */
    public synchronized BrokerMetrics fetchSessions(LongSupplier sessions, LongSupplier partitions,
                                                    LongSupplier evictions, LongSupplier incrementalFetches) {
        // Read through this object, which the server holds: Micrometer keeps only a weak reference to what it is given.
        fetchSessionValues = new LongSupplier[] {sessions, partitions, evictions, incrementalFetches};
        Gauge.builder("ferry.kafka.fetch.sessions", this, metrics -> metrics.fetchSessionValues[0].getAsLong())
                .description("Kafka fetch sessions the node holds (Kafka's NumIncrementalFetchSessions)")
                .register(aggregated);
        Gauge.builder("ferry.kafka.fetch.session.partitions", this, metrics -> metrics.fetchSessionValues[1].getAsLong())
                .description("Partitions over every fetch session (Kafka's NumIncrementalFetchPartitionsCached)")
                .register(aggregated);
        FunctionCounter.builder("ferry.kafka.fetch.session.evictions", this,
                        metrics -> metrics.fetchSessionValues[2].getAsLong())
                .description("Fetch sessions evicted to make room for new ones").register(aggregated);
        FunctionCounter.builder("ferry.kafka.fetch.incremental", this, metrics -> metrics.fetchSessionValues[3].getAsLong())
                .description("Incremental fetch requests served in a fetch session").register(aggregated);
        return this;
    }

    /** Hand to the log flusher: records how long each sync took. */
    public LongConsumer fsyncObserver() {
        return nanos -> fsync.record(nanos, TimeUnit.NANOSECONDS);
    }

    private void totalGauge(String name, String description, ToDoubleFunction<Totals> value) {
        Gauge.builder(name, this, metrics -> value.applyAsDouble(metrics.totals)).description(description)
                .register(aggregated);
    }

    /** The broker-wide metrics in the Prometheus text format. */
    public synchronized String scrape() {
        long queues = 0;
        long ready = 0;
        long unacked = 0;
        long consumers = 0;
        long exchanges = 0;
        long waiting = 0;
        long published = 0;
        long[] counts = new long[MessageCounter.count()];
        for (VirtualHost host : broker.virtualHosts()) {
            long[] hostCounts = host.messageStats().snapshot();
            for (int i = 0; i < counts.length; i++) {
                counts[i] += hostCounts[i];
            }
            for (MessageQueue queue : host.queues()) {
                published += queue.messageStats()[MessageCounter.PUBLISH.ordinal()];
                queues++;
                ready += queue.messageCount();
                unacked += queue.unackedCount();
                consumers += queue.consumerCount();
                waiting += queue.waitingMessages();
            }
            exchanges += host.exchanges().size();
        }
        totals = new Totals(queues, ready, unacked, consumers, exchanges, waiting);
        // Monotonic as long as no virtual host is deleted: the hosts' counters outlive channels.
        long[] previous = messageCounts;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = Math.max(counts[i], previous[i]);
        }
        messageCounts = counts;
        queuePublishedTotal = published;
        groupLag.register(groupLagRows(), true);
        return aggregated.scrape();
    }

    /** Per group, the lag summed over the partitions it committed offsets for; asked of the coordinator. */
    private List<MultiGauge.Row<?>> groupLagRows() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        if (groups == null || topics == null) {
            return rows;
        }
        try {
            for (GroupListing listing : groups.list().get(5, TimeUnit.SECONDS)) {
                Map<PartitionRef, CommittedOffset> offsets = groups.fetchOffsets(listing.groupId(), null)
                        .get(5, TimeUnit.SECONDS);
                long lag = 0;
                for (Map.Entry<PartitionRef, CommittedOffset> entry : offsets.entrySet()) {
                    Optional<Topic> topic = topics.topic(entry.getKey().topic());
                    int index = entry.getKey().partition();
                    if (topic.isPresent() && index >= 0 && index < topic.get().partitionCount()) {
                        lag += Math.max(0, topic.get().partition(index).highWatermark() - entry.getValue().offset());
                    }
                }
                rows.add(MultiGauge.Row.of(Tags.of("group", listing.groupId()), lag));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // The coordinator is closing or busy: no lag this scrape rather than a failed scrape.
        }
        return rows;
    }

    /** One series per queue, labelled {@code vhost} and {@code queue}, in the Prometheus text format. */
    public synchronized String scrapePerObject() {
        List<MultiGauge.Row<?>> ready = new ArrayList<>();
        List<MultiGauge.Row<?>> unacked = new ArrayList<>();
        List<MultiGauge.Row<?>> messages = new ArrayList<>();
        List<MultiGauge.Row<?>> consumers = new ArrayList<>();
        java.util.Set<MessageQueue> seen = new java.util.HashSet<>();
        for (VirtualHost host : broker.virtualHosts()) {
            for (MessageQueue queue : host.queues()) {
                Tags tags = Tags.of("vhost", host.name(), "queue", queue.name());
                int queueReady = queue.messageCount();
                int queueUnacked = queue.unackedCount();
                ready.add(MultiGauge.Row.of(tags, queueReady));
                unacked.add(MultiGauge.Row.of(tags, queueUnacked));
                messages.add(MultiGauge.Row.of(tags, (long) queueReady + queueUnacked));
                consumers.add(MultiGauge.Row.of(tags, queue.consumerCount()));
                seen.add(queue);
                queuePublished.computeIfAbsent(queue, added -> FunctionCounter.builder("rabbitmq.queue.messages.published",
                                added, counted -> counted.messageStats()[MessageCounter.PUBLISH.ordinal()])
                        .description("Messages published into a queue").tags(tags)
                        .register(perObject));
            }
        }
        queueReady.register(ready, true);
        queueUnacked.register(unacked, true);
        queueMessages.register(messages, true);
        queueConsumers.register(consumers, true);
        queuePublished.entrySet().removeIf(entry -> {
            boolean gone = !seen.contains(entry.getKey());
            if (gone) {
                perObject.remove(entry.getValue());
            }
            return gone;
        });
        List<MultiGauge.Row<?>> highWatermarks = new ArrayList<>();
        List<MultiGauge.Row<?>> logStarts = new ArrayList<>();
        if (topics != null) {
            for (Topic topic : topics.topics()) {
                for (Partition partition : topic.partitions()) {
                    Tags tags = Tags.of("stream", topic.name(), "partition", String.valueOf(partition.index()));
                    highWatermarks.add(MultiGauge.Row.of(tags, partition.highWatermark()));
                    logStarts.add(MultiGauge.Row.of(tags, partition.logStartOffset()));
                }
            }
        }
        partitionHighWatermark.register(highWatermarks, true);
        partitionLogStart.register(logStarts, true);
        return perObject.scrape();
    }
}
