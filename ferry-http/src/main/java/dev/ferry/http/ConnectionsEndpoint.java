package dev.ferry.http;

import dev.ferry.front.registry.ChannelSnapshot;
import dev.ferry.front.registry.ClientConnection;
import dev.ferry.front.registry.ConsumerSnapshot;
import dev.ferry.text.LogSafe;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/connections[/{name}[/channels]]} (DELETE closes one, with the reason in the
 * {@code X-Reason} header), {@code /api/channels}, {@code /api/consumers[/{vhost}]} and
 * {@code /api/vhosts/{vhost}/connections|channels}. Connections come from the registry the fronts
 * fill; channels and consumers are asked of each connection on its own event loop, and a
 * connection that does not answer in time is left out rather than waited for.
 */
final class ConnectionsEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionsEndpoint.class);
    private static final long CHANNELS_ANSWER_TIMEOUT_MS = 5_000;
    private static final String DEFAULT_CLOSE_REASON = "Closed via management plugin";

    private final BrokerView view;

    ConnectionsEndpoint(BrokerView view) {
        this.view = view;
    }

    CompletableFuture<ApiResponse> connections(ApiRequest request) {
        int depth = request.path().size();
        if (depth == 1) {
            QueuesEndpoint.requireGet(request.method());
            return listConnections(request, visibleConnections(request.user(), null));
        }
        ClientConnection connection = view.config.connections().named(request.segment(1))
                .filter(found -> maySee(request.user(), found)).orElseThrow(ApiException::notFound);
        if (depth == 2) {
            return switch (request.method()) {
                case "GET" -> ApiResponse.now(ApiResponse.okValue(ListQuery.from(request.query())
                        .select(connectionJson(connection))));
                case "DELETE" -> {
                    if (!request.user().isAdministrator() && !request.user().name().equals(connection.user())) {
                        throw ApiException.notAuthorised("Not administrator user");
                    }
                    String reason = request.headers().apply("X-Reason");
                    String text = reason == null || reason.isBlank() ? DEFAULT_CLOSE_REASON : reason;
                    LOG.info("connection {} closed through the management API by user '{}': {}",
                            LogSafe.text(connection.name()), LogSafe.text(request.user().name()), LogSafe.text(text));
                    connection.closeForced(text);
                    yield ApiResponse.now(ApiResponse.noContent());
                }
                default -> throw ApiException.methodNotAllowed();
            };
        }
        if (depth == 3 && request.segment(2).equals("channels")) {
            QueuesEndpoint.requireGet(request.method());
            return channelsOf(List.of(connection)).thenApply(channels -> listChannels(request, channels));
        }
        throw ApiException.notFound();
    }

    CompletableFuture<ApiResponse> channels(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        if (request.path().size() != 1) {
            throw ApiException.notFound();
        }
        return channelsOf(visibleConnections(request.user(), null)).thenApply(channels -> listChannels(request, channels));
    }

    /** /api/vhosts/{vhost}/connections and /api/vhosts/{vhost}/channels. */
    CompletableFuture<ApiResponse> ofVirtualHost(ApiRequest request, String virtualHost, boolean channels) {
        QueuesEndpoint.requireGet(request.method());
        view.virtualHost(request.user(), virtualHost);
        List<ClientConnection> connections = visibleConnections(request.user(), virtualHost);
        if (!channels) {
            return listConnections(request, connections);
        }
        return channelsOf(connections).thenApply(found -> listChannels(request, found));
    }

    CompletableFuture<ApiResponse> consumers(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        String virtualHost = null;
        if (request.path().size() == 2) {
            virtualHost = request.segment(1);
            view.virtualHost(request.user(), virtualHost);
        } else if (request.path().size() != 1) {
            throw ApiException.notFound();
        }
        return channelsOf(visibleConnections(request.user(), virtualHost)).thenApply(channels -> {
            record Listed(ConnectionChannel channel, ConsumerSnapshot consumer) {
            }
            List<Listed> consumers = new ArrayList<>();
            for (ConnectionChannel channel : channels) {
                for (ConsumerSnapshot consumer : channel.snapshot().consumers()) {
                    consumers.add(new Listed(channel, consumer));
                }
            }
            ListQuery query = ListQuery.from(request.query());
            return ApiResponse.ok(json -> query.write(json, consumers, listed -> listed.consumer().tag(),
                    listed -> consumerJson(listed.channel(), listed.consumer())));
        });
    }

    private boolean maySee(ApiUser user, ClientConnection connection) {
        // As in RabbitMQ: monitors see every connection, other users their own.
        return user.isMonitor() || user.name().equals(connection.user());
    }

    private List<ClientConnection> visibleConnections(ApiUser user, String virtualHost) {
        List<ClientConnection> visible = new ArrayList<>();
        for (ClientConnection connection : view.config.connections().all()) {
            if (maySee(user, connection) && (virtualHost == null || virtualHost.equals(connection.virtualHost()))) {
                visible.add(connection);
            }
        }
        visible.sort(Comparator.comparing(ClientConnection::name));
        return visible;
    }

    private CompletableFuture<ApiResponse> listConnections(ApiRequest request, List<ClientConnection> connections) {
        ListQuery query = ListQuery.from(request.query());
        return ApiResponse.now(ApiResponse.ok(json -> query.write(json, connections, ClientConnection::name,
                this::connectionJson)));
    }

    /** A channel with the connection it belongs to. */
    record ConnectionChannel(ClientConnection connection, ChannelSnapshot snapshot) {
        String name() {
            return connection.name() + " (" + snapshot.number() + ")";
        }
    }

    private static CompletableFuture<List<ConnectionChannel>> channelsOf(List<ClientConnection> connections) {
        List<CompletableFuture<List<ConnectionChannel>>> answers = new ArrayList<>(connections.size());
        for (ClientConnection connection : connections) {
            // Relayed off the event loop before the timeout: completing a future that has one
            // cancels its timer, which takes the JDK's shared delay queue's lock, and an event
            // loop must not wait for a lock (NoBlockingCallsTest met it under concurrent requests).
            CompletableFuture<List<ChannelSnapshot>> relayed = new CompletableFuture<>();
            connection.channels().whenCompleteAsync((snapshots, error) -> {
                if (error != null) {
                    relayed.completeExceptionally(error);
                } else {
                    relayed.complete(snapshots);
                }
            }, ForkJoinPool.commonPool());
            answers.add(relayed
                    .orTimeout(CHANNELS_ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .thenApply(snapshots -> snapshots.stream().map(s -> new ConnectionChannel(connection, s)).toList())
                    .exceptionally(error -> List.of()));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<ConnectionChannel> all = new ArrayList<>();
            for (CompletableFuture<List<ConnectionChannel>> answer : answers) {
                all.addAll(answer.join());
            }
            return all;
        });
    }

    private ApiResponse listChannels(ApiRequest request, List<ConnectionChannel> channels) {
        ListQuery query = ListQuery.from(request.query());
        return ApiResponse.ok(json -> query.write(json, channels, ConnectionChannel::name, this::channelJson));
    }

    Map<String, Object> connectionJson(ClientConnection connection) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", connection.name());
        json.put("node", view.config.nodeName());
        json.put("type", "network");
        json.put("protocol", connection.protocol());
        json.put("state", connection.isBlocked() ? "blocked" : "running");
        json.put("vhost", connection.virtualHost());
        json.put("user", connection.user());
        json.put("user_who_performed_action", connection.user());
        putAddress(json, "host", "port", connection.localAddress());
        putAddress(json, "peer_host", "peer_port", connection.peerAddress());
        json.put("ssl", false);
        json.put("frame_max", connection.frameMax());
        json.put("channel_max", connection.channelMax());
        json.put("timeout", connection.heartbeatSeconds());
        json.put("connected_at", connection.connectedAtMillis());
        json.put("client_properties", connection.clientProperties());
        return json;
    }

    private static void putAddress(Map<String, Object> json, String hostField, String portField, SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            json.put(hostField, inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress());
            json.put(portField, inet.getPort());
        } else {
            json.put(hostField, String.valueOf(address));
            json.put(portField, null);
        }
    }

    private Map<String, Object> connectionDetails(ClientConnection connection) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", connection.name());
        putAddress(json, "peer_host", "peer_port", connection.peerAddress());
        return json;
    }

    Map<String, Object> channelJson(ConnectionChannel channel) {
        ChannelSnapshot snapshot = channel.snapshot();
        ClientConnection connection = channel.connection();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", channel.name());
        json.put("number", snapshot.number());
        json.put("node", view.config.nodeName());
        json.put("vhost", connection.virtualHost());
        json.put("user", connection.user());
        json.put("user_who_performed_action", connection.user());
        json.put("connection_details", connectionDetails(connection));
        json.put("state", "running");
        json.put("consumer_count", snapshot.consumers().size());
        json.put("messages_unacknowledged", snapshot.unacknowledged());
        json.put("messages_unconfirmed", 0);
        json.put("messages_uncommitted", 0);
        json.put("acks_uncommitted", 0);
        json.put("prefetch_count", snapshot.prefetchCount());
        json.put("global_prefetch_count", snapshot.globalPrefetch());
        json.put("confirm", snapshot.confirm());
        json.put("transactional", snapshot.transactional());
        view.rates.putMessageStats(json, MessageRates.channelKey(connection, snapshot),
                MessageRates.countsOf(snapshot.messageStats()), MessageRates.CHANNEL_FIELDS);
        return json;
    }

    private Map<String, Object> consumerJson(ConnectionChannel channel, ConsumerSnapshot consumer) {
        ClientConnection connection = channel.connection();
        Map<String, Object> channelDetails = new LinkedHashMap<>();
        channelDetails.put("name", channel.name());
        channelDetails.put("number", channel.snapshot().number());
        channelDetails.put("connection_name", connection.name());
        putAddress(channelDetails, "peer_host", "peer_port", connection.peerAddress());
        channelDetails.put("user", connection.user());
        channelDetails.put("node", view.config.nodeName());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("consumer_tag", consumer.tag());
        json.put("queue", Map.of("name", consumer.queue(), "vhost", connection.virtualHost()));
        json.put("channel_details", channelDetails);
        json.put("ack_required", consumer.ackRequired());
        json.put("prefetch_count", consumer.prefetchCount());
        json.put("active", true);
        json.put("activity_status", "up");
        json.put("arguments", Map.of());
        return json;
    }
}
