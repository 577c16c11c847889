package dev.ferry.amqp.channel;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.ExchangeBind;
import dev.ferry.amqp.method.ExchangeBindOk;
import dev.ferry.amqp.method.ExchangeDeclare;
import dev.ferry.amqp.method.ExchangeDeclareOk;
import dev.ferry.amqp.method.ExchangeDelete;
import dev.ferry.amqp.method.ExchangeDeleteOk;
import dev.ferry.amqp.method.ExchangeUnbind;
import dev.ferry.amqp.method.ExchangeUnbindOk;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.broker.VirtualHost;

/**
 * The exchange class (40): each method is one call into the virtual host, which applies
 * RabbitMQ's rules and throws the reply code for a refusal; the answer goes back unless the
 * client asked for no-wait.
 */
final class ExchangeMethodHandler {
    private final ChannelSession session;

    ExchangeMethodHandler(ChannelSession session) {
        this.session = session;
    }

    void handle(AmqpMethod method) {
        VirtualHost vhost = session.virtualHost();
        if (method instanceof ExchangeDeclare declare) {
            if (declare.passive()) {
                vhost.checkExchangeExists(declare.exchange());
            } else {
                vhost.declareExchange(declare.exchange(), declare.type(), declare.durable(), declare.autoDelete(),
                        declare.internal(), declare.arguments());
            }
            session.replyUnlessNoWait(declare.noWait(), new ExchangeDeclareOk());
        } else if (method instanceof ExchangeDelete delete) {
            vhost.deleteExchange(delete.exchange(), delete.ifUnused());
            session.replyUnlessNoWait(delete.noWait(), new ExchangeDeleteOk());
        } else if (method instanceof ExchangeBind bind) {
            vhost.bindExchange(bind.destination(), bind.source(), bind.routingKey(), bind.arguments());
            session.replyUnlessNoWait(bind.noWait(), new ExchangeBindOk());
        } else if (method instanceof ExchangeUnbind unbind) {
            vhost.unbindExchange(unbind.destination(), unbind.source(), unbind.routingKey(), unbind.arguments());
            session.replyUnlessNoWait(unbind.noWait(), new ExchangeUnbindOk());
        } else {
            throw new BrokerException(ErrorCode.COMMAND_INVALID,
                    "COMMAND_INVALID - " + method.methodName() + " is not a client method");
        }
    }
}
