package dev.ferry.http;

import dev.ferry.broker.DeclaredQueue;
import dev.ferry.broker.QueueDeclaration;
import dev.ferry.broker.VirtualHost;
import dev.ferry.stats.MessageCounter;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.SettleOutcome;
import dev.ferry.route.DefaultExchange;
import dev.ferry.route.ExchangeType;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The node and the broker as a whole: {@code /api/overview}, {@code /api/nodes[/{name}]},
 * {@code /api/vhosts[/{name}]}, {@code /api/whoami} and {@code /api/aliveness-test/{vhost}}.
 */
final class NodeEndpoint {
    /** Linux's page size on the machines Ferry runs on (statm counts pages). */
    private static final long PAGE_BYTES = 4096;
    /** The RabbitMQ release whose management API Ferry follows; tools read it to pick features. */
    static final String RABBITMQ_API_VERSION = "3.10.0";
    private static final String ALIVENESS_QUEUE = "aliveness-test";
    private static final byte[] ALIVENESS_BODY = "test_message".getBytes(StandardCharsets.UTF_8);

    private final BrokerView view;

    NodeEndpoint(BrokerView view) {
        this.view = view;
    }

    CompletableFuture<ApiResponse> whoami(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", request.user().name());
        json.put("tags", request.user().tags());
        return ApiResponse.now(ApiResponse.okValue(json));
    }

    CompletableFuture<ApiResponse> overview(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        long ready = 0;
        long unacked = 0;
        int queues = 0;
        int exchanges = 0;
        int consumers = 0;
        long[] counts = new long[MessageCounter.count()];
        double[] rates = new double[MessageCounter.count()];
        List<VirtualHost> visible = view.visibleVirtualHosts(request.user());
        for (VirtualHost host : visible) {
            long[] hostCounts = host.messageStats().snapshot();
            double[] hostRates = view.rates.rates(host);
            for (int i = 0; i < counts.length; i++) {
                counts[i] += hostCounts[i];
                rates[i] += hostRates[i];
            }
            for (MessageQueue queue : host.queues()) {
                ready += queue.messageCount();
                unacked += queue.unackedCount();
                consumers += queue.consumerCount();
                queues++;
            }
            exchanges += host.exchanges().size();
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("management_version", view.config.productVersion());
        json.put("rates_mode", "basic");
        json.put("exchange_types", exchangeTypes());
        json.put("product_version", view.config.productVersion());
        json.put("product_name", "Ferry");
        json.put("rabbitmq_version", RABBITMQ_API_VERSION);
        json.put("cluster_name", view.clusterName());
        json.put("erlang_version", "none (Java " + Runtime.version().feature() + ")");
        json.put("node", view.config.nodeName());
        // Always there, {} on a broker that has done nothing yet, as RabbitMQ's overview has it.
        json.put("message_stats", MessageRates.json(counts, rates, MessageRates.VIRTUAL_HOST_FIELDS));
        json.put("queue_totals", Map.of("messages", ready + unacked, "messages_ready", ready,
                "messages_unacknowledged", unacked));
        json.put("object_totals", Map.of("connections", view.config.connections().size(), "consumers", consumers,
                "exchanges", exchanges, "queues", queues));
        List<Map<String, Object>> listeners = new ArrayList<>();
        for (NodeListeners.Listener listener : view.config.listeners().all()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("node", view.config.nodeName());
            entry.put("protocol", listener.protocol());
            entry.put("ip_address", listener.ipAddress());
            entry.put("port", listener.port());
            listeners.add(entry);
        }
        json.put("listeners", listeners);
        return ApiResponse.now(ApiResponse.okValue(json));
    }

    private static List<Map<String, Object>> exchangeTypes() {
        List<Map<String, Object>> types = new ArrayList<>();
        for (ExchangeType type : ExchangeType.values()) {
            types.add(Map.of("name", type.wireName(), "description", "AMQP " + type.wireName()
                    + " exchange, as per the AMQP specification", "enabled", true));
        }
        return types;
    }

    CompletableFuture<ApiResponse> nodes(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        if (!request.user().isMonitor()) {
            throw ApiException.notAuthorised("Not monitor user");
        }
        Map<String, Object> node = nodeJson();
        if (request.path().size() == 1) {
            return ApiResponse.now(ApiResponse.okValue(List.of(node)));
        }
        if (request.path().size() == 2 && request.segment(1).equals(view.config.nodeName())) {
            return ApiResponse.now(ApiResponse.okValue(node));
        }
        throw ApiException.notFound();
    }

    private Map<String, Object> nodeJson() {
        Runtime runtime = Runtime.getRuntime();
        boolean alarm = view.config.resourceAlarm().isRaised();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", view.config.nodeName());
        json.put("type", "disc");
        json.put("running", true);
        json.put("os_pid", String.valueOf(ProcessHandle.current().pid()));
        json.put("processors", runtime.availableProcessors());
        json.put("uptime", ManagementFactory.getRuntimeMXBean().getUptime());
        json.put("mem_used", runtime.totalMemory() - runtime.freeMemory());
        json.put("mem_limit", runtime.maxMemory());
        // Ferry's own: the process's resident memory, heap and everything else (Linux's statm).
        residentBytes().ifPresent(rss -> json.put("mem_rss", rss));
        if (view.config.dataDirectory() != null) {
            try {
                json.put("disk_free", Files.getFileStore(view.config.dataDirectory()).getUsableSpace());
                json.put("disk_free_limit", view.config.diskFreeLimitBytes());
            } catch (IOException e) {
                // The directory went away or cannot be asked: leave the figure out rather than fail the page.
            }
        }
        SyncLatency syncs = view.config.syncLatency();
        if (syncs != null && syncs.syncs() > 0) {
            json.put("fsync_latency_ms", Math.round(syncs.averageMillis() * 1000) / 1000.0);
            json.put("fsync_count", syncs.syncs());
        }
        // Ferry keeps one alarm for memory and disk together; its reason names which.
        json.put("mem_alarm", alarm && view.config.resourceAlarm().reason().contains("memory"));
        json.put("disk_free_alarm", alarm && view.config.resourceAlarm().reason().contains("disk"));
        json.put("partitions", List.of());
        json.put("rates_mode", "basic");
        json.put("exchange_types", exchangeTypes());
        return json;
    }

    /** Resident set size from /proc/self/statm (pages); empty where there is no such file. */
    private static java.util.OptionalLong residentBytes() {
        try {
            String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return java.util.OptionalLong.of(Long.parseLong(fields[1]) * PAGE_BYTES);
        } catch (IOException | RuntimeException e) {
            return java.util.OptionalLong.empty();
        }
    }

    CompletableFuture<ApiResponse> virtualHosts(ApiRequest request) {
        int depth = request.path().size();
        if (depth == 1) {
            QueuesEndpoint.requireGet(request.method());
            ListQuery query = ListQuery.from(request.query());
            List<VirtualHost> hosts = view.visibleVirtualHosts(request.user());
            return ApiResponse.now(ApiResponse.ok(json -> query.write(json, hosts, VirtualHost::name, this::virtualHostJson)));
        }
        if (depth == 2) {
            QueuesEndpoint.requireGet(request.method());
            VirtualHost host = view.virtualHost(request.user(), request.segment(1));
            return ApiResponse.now(ApiResponse.okValue(ListQuery.from(request.query()).select(virtualHostJson(host))));
        }
        throw ApiException.notFound();
    }

    private Map<String, Object> virtualHostJson(VirtualHost host) {
        long ready = 0;
        long unacked = 0;
        for (MessageQueue queue : host.queues()) {
            ready += queue.messageCount();
            unacked += queue.unackedCount();
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", host.name());
        json.put("description", "");
        json.put("tags", List.of());
        json.put("tracing", false);
        json.put("cluster_state", Map.of(view.config.nodeName(), "running"));
        json.put("messages", ready + unacked);
        json.put("messages_ready", ready);
        json.put("messages_unacknowledged", unacked);
        view.rates.putMessageStats(json, host, host.messageStats().snapshot(), MessageRates.VIRTUAL_HOST_FIELDS);
        return json;
    }

    /**
     * Declares the queue {@code aliveness-test} in the virtual host, publishes a message to it
     * through the default exchange and gets it back, as RabbitMQ's aliveness test does.
     */
    CompletableFuture<ApiResponse> alivenessTest(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        if (request.path().size() != 2) {
            throw ApiException.notFound();
        }
        VirtualHost host = view.virtualHostToChange(request.user(), request.segment(1));
        DeclaredQueue declared = host.declareQueue(new QueueDeclaration(ALIVENESS_QUEUE, false, false, false, Map.of(),
                BrokerView.sessionId()));
        ChannelRef session = new ChannelRef(BrokerView.sessionId(), 1);
        MessageQueue queue = declared.queue();
        return declared.durable()
                .thenCompose(ignored -> host.publish(new Message(DefaultExchange.NAME, ALIVENESS_QUEUE,
                        MessageProperties.EMPTY, ALIVENESS_BODY), true).accepted())
                .thenCompose(ignored -> queue.get(session, false))
                .thenApply(result -> {
                    result.delivery().ifPresent(delivery -> queue.settle(session, delivery.deliveryId(), SettleOutcome.ACK));
                    queue.closeChannel(session);
                    return result.isEmpty()
                            ? new ApiResponse(503, json -> json.writeObject(Map.of("status", "failed",
                            "reason", "aliveness test message not received")))
                            : ApiResponse.okValue(Map.of("status", "ok"));
                })
                .toCompletableFuture();
    }
}
