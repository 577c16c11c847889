package dev.ferry.amqp.channel;

import dev.ferry.access.AccessControl;
import dev.ferry.amqp.auth.UserAccess;
import dev.ferry.amqp.connection.AmqpChannel;
import dev.ferry.amqp.connection.AmqpConnection;
import dev.ferry.amqp.connection.ChannelMethodHandler;
import dev.ferry.amqp.connection.ChannelMethodHandlerFactory;
import dev.ferry.broker.Broker;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.broker.VirtualHost;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Joins AMQP channels to the broker's core: each opened channel becomes a {@link ChannelSession}
 * on the connection's virtual host. The first channel of a connection also registers for the
 * connection's end, when its exclusive queues are deleted.
 */
public final class BrokerChannelHandlerFactory implements ChannelMethodHandlerFactory {
    private final Broker broker;
    private final AccessControl access;
    private final DirectReplyTo directReplyTo = new DirectReplyTo();
    private final Set<Long> watchedConnections = ConcurrentHashMap.newKeySet();

    /** Channels without permission checks: every logged-in user may do anything. */
    public BrokerChannelHandlerFactory(Broker broker) {
        this(broker, null);
    }

    /** Channels whose every declare, delete, bind, publish, consume, get and purge is checked against {@code access}. */
    public BrokerChannelHandlerFactory(Broker broker, AccessControl access) {
        this.broker = broker;
        this.access = access;
    }

    @Override
    public ChannelMethodHandler create(AmqpChannel channel) {
        AmqpConnection connection = channel.connection();
        VirtualHost virtualHost = broker.virtualHost(connection.virtualHost()).orElseThrow(() ->
                new BrokerException(ErrorCode.NOT_ALLOWED, "NOT_ALLOWED - vhost '" + connection.virtualHost() + "' not found"));
        if (watchedConnections.add(connection.id())) {
            connection.addCloseListener(() -> {
                watchedConnections.remove(connection.id());
                return virtualHost.connectionClosed(connection.id());
            });
        }
        UserAccess userAccess = new UserAccess(access, connection.username(), connection.virtualHost(),
                String.valueOf(connection.remoteAddress()));
        Runnable release = () -> { };
        if (access != null) {
            String refusal = access.connections().admitChannel(connection.username());
            if (refusal != null) {
                throw new BrokerException(ErrorCode.NOT_ALLOWED, "NOT_ALLOWED - " + refusal);
            }
            release = () -> access.connections().channelClosed(connection.username());
        }
        return new ChannelSession(channel, virtualHost, directReplyTo, userAccess, release);
    }
}
