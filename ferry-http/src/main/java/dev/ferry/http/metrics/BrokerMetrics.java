package dev.ferry.http.metrics;

import dev.ferry.broker.Broker;
import dev.ferry.broker.ResourceAlarm;
import dev.ferry.broker.VirtualHost;
import dev.ferry.front.registry.ClientConnections;
import dev.ferry.queue.MessageQueue;
import io.micrometer.core.instrument.Gauge;
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
    private volatile Totals totals = new Totals(0, 0, 0, 0, 0, 0);

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
        queueReady = MultiGauge.builder("rabbitmq.queue.messages.ready")
                .description("Messages ready to be delivered to consumers").register(perObject);
        queueUnacked = MultiGauge.builder("rabbitmq.queue.messages.unacked")
                .description("Messages delivered to consumers but not yet acknowledged").register(perObject);
        queueMessages = MultiGauge.builder("rabbitmq.queue.messages")
                .description("Sum of ready and unacknowledged messages").register(perObject);
        queueConsumers = MultiGauge.builder("rabbitmq.queue.consumers")
                .description("Consumers on a queue").register(perObject);
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
        for (VirtualHost host : broker.virtualHosts()) {
            for (MessageQueue queue : host.queues()) {
                queues++;
                ready += queue.messageCount();
                unacked += queue.unackedCount();
                consumers += queue.consumerCount();
                waiting += queue.waitingMessages();
            }
            exchanges += host.exchanges().size();
        }
        totals = new Totals(queues, ready, unacked, consumers, exchanges, waiting);
        return aggregated.scrape();
    }

    /** One series per queue, labelled {@code vhost} and {@code queue}, in the Prometheus text format. */
    public synchronized String scrapePerObject() {
        List<MultiGauge.Row<?>> ready = new ArrayList<>();
        List<MultiGauge.Row<?>> unacked = new ArrayList<>();
        List<MultiGauge.Row<?>> messages = new ArrayList<>();
        List<MultiGauge.Row<?>> consumers = new ArrayList<>();
        for (VirtualHost host : broker.virtualHosts()) {
            for (MessageQueue queue : host.queues()) {
                Tags tags = Tags.of("vhost", host.name(), "queue", queue.name());
                int queueReady = queue.messageCount();
                int queueUnacked = queue.unackedCount();
                ready.add(MultiGauge.Row.of(tags, queueReady));
                unacked.add(MultiGauge.Row.of(tags, queueUnacked));
                messages.add(MultiGauge.Row.of(tags, (long) queueReady + queueUnacked));
                consumers.add(MultiGauge.Row.of(tags, queue.consumerCount()));
            }
        }
        queueReady.register(ready, true);
        queueUnacked.register(unacked, true);
        queueMessages.register(messages, true);
        queueConsumers.register(consumers, true);
        return perObject.scrape();
    }
}
