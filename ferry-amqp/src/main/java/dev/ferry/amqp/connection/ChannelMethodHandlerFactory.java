package dev.ferry.amqp.connection;

/** Creates the handler for a channel the client has just opened; called on the connection's event loop. */
@FunctionalInterface
public interface ChannelMethodHandlerFactory {
    ChannelMethodHandler create(AmqpChannel channel);
}
