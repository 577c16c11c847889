package dev.ferry.amqp.connection;

import dev.ferry.error.ErrorCode;
import dev.ferry.front.ListenAddresses;
import dev.ferry.front.registry.ChannelSnapshot;
import dev.ferry.front.registry.ClientConnection;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * An open AMQP connection as the management API lists it: the facts fixed by the handshake, taken
 * when connection.open succeeded, and questions about channels passed on to the connection's
 * event loop. Kept apart from {@link AmqpConnectionHandler} so that the handler's log name and the
 * operator-facing name (RabbitMQ's {@code "peer -> local"}) do not share one method.
 */
final class AmqpClientConnection implements ClientConnection {
    private final AmqpConnectionHandler handler;
    private final SocketAddress localAddress;
    private final String name;
    private final int frameMax;
    private final int channelMax;
    private final int heartbeatSeconds;
    private final long connectedAtMillis;

    AmqpClientConnection(AmqpConnectionHandler handler, SocketAddress localAddress, int frameMax, int channelMax,
                         int heartbeatSeconds, long connectedAtMillis) {
        this.handler = handler;
        this.localAddress = localAddress;
        this.name = format(handler.remoteAddress()) + " -> " + format(localAddress);
        this.frameMax = frameMax;
        this.channelMax = channelMax;
        this.heartbeatSeconds = heartbeatSeconds;
        this.connectedAtMillis = connectedAtMillis;
    }

    private static String format(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? ListenAddresses.format(inet) : String.valueOf(address);
    }

    @Override
    public long id() {
        return handler.id();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String protocol() {
        return "AMQP 0-9-1";
    }

    @Override
    public SocketAddress peerAddress() {
        return handler.remoteAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public String user() {
        return handler.username();
    }

    @Override
    public String virtualHost() {
        return handler.virtualHost();
    }

    @Override
    public Map<String, Object> clientProperties() {
        return handler.clientProperties();
    }

    @Override
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    @Override
    public int frameMax() {
        return frameMax;
    }

    @Override
    public int channelMax() {
        return channelMax;
    }

    @Override
    public int heartbeatSeconds() {
        return heartbeatSeconds;
    }

    @Override
    public boolean isBlocked() {
        return handler.isBlocked();
    }

    @Override
    public CompletionStage<List<ChannelSnapshot>> channels() {
        return handler.channelSnapshots();
    }

    /** As RabbitMQ closes a connection from its management API: 320 with the operator's reason. */
    @Override
    public void closeForced(String reason) {
        handler.close(ErrorCode.CONNECTION_FORCED, "CONNECTION_FORCED - " + reason);
    }
}
