package dev.ferry.amqp.channel;

import dev.ferry.amqp.connection.AmqpChannel;
import dev.ferry.amqp.connection.AmqpConnection;
import dev.ferry.amqp.connection.ChannelMethodHandler;
import dev.ferry.amqp.connection.ChannelMethodHandlerFactory;
import dev.ferry.broker.Broker;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.broker.VirtualHost;
import dev.ferry.stream.StreamQueues;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;


/**
 * Joins AMQP channels to the broker's core: each opened channel becomes a {@link ChannelSession}
 * on the connection's virtual host. The first channel of a connection also registers for the
 * connection's end, when its exclusive queues are deleted.
 */
public final class BrokerChannelHandlerFactory implements ChannelMethodHandlerFactory {
    private final Broker broker;
    private final StreamQueues streams;
    private final DirectReplyTo directReplyTo = new DirectReplyTo();
    private final Set<Long> watchedConnections = ConcurrentHashMap.newKeySet();

    public BrokerChannelHandlerFactory(Broker broker) {
        this(broker, null);
    }

    /**
     * @param streams the Kafka topics as stream queues, shown in {@link StreamQueues#virtualHost()};
     *                null for none
     */
    public BrokerChannelHandlerFactory(Broker broker, StreamQueues streams) {
        this.broker = broker;
        this.streams = streams;
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
        StreamQueues streamsHere = streams != null && streams.virtualHost().equals(virtualHost.name()) ? streams : null;
        return new ChannelSession(channel, virtualHost, directReplyTo, streamsHere);
    }
}
