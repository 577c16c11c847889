package dev.ferry.amqp.channel;

import dev.ferry.amqp.auth.UserAccess;
import dev.ferry.amqp.auth.UserAccess.Kind;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.ExchangeBind;
import dev.ferry.amqp.method.ExchangeBindOk;
import dev.ferry.amqp.method.ExchangeDeclare;
import dev.ferry.amqp.method.ExchangeDeclareOk;
import dev.ferry.amqp.method.ExchangeDelete;
import dev.ferry.amqp.method.ExchangeDeleteOk;
import dev.ferry.amqp.method.ExchangeUnbind;
import dev.ferry.amqp.method.ExchangeUnbindOk;
import dev.ferry.broker.ClientSuppliedNames;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.broker.VirtualHost;

/**
 * The exchange class (40): each method is one call into the virtual host, which applies
 * RabbitMQ's rules and throws the reply code for a refusal. The change is in effect at once; the
 * answer goes back (unless the client asked for no-wait) when the virtual host's future says it is
 * durable, on the channel's event loop. A change that could not be stored fails that future with
 * 541, which closes the connection. Line feeds and carriage returns are stripped from every
 * exchange name here, as RabbitMQ strips them (routing keys are kept as sent).
 */
final class ExchangeMethodHandler {
    private final ChannelSession session;

    ExchangeMethodHandler(ChannelSession session) {
        this.session = session;
    }

    void handle(AmqpMethod method) {
        VirtualHost vhost = session.virtualHost();
        UserAccess access = session.access();
        if (method instanceof ExchangeDeclare declare) {
            String exchange = ClientSuppliedNames.stripLineBreaks(declare.exchange());
            if (declare.passive()) {
                // As RabbitMQ: a passive declare needs no permission.
                vhost.checkExchangeExists(exchange);
                session.replyUnlessNoWait(declare.noWait(), new ExchangeDeclareOk());
                return;
            }
            if (!exchange.isEmpty()) {
                access.checkConfigure(Kind.EXCHANGE, exchange);
                // A new exchange's alternate exchange receives what is published to it: read on this
                // one, write on that one (RabbitMQ checks this once, at declaration, not per message).
                Object alternate = declare.arguments() == null ? null : declare.arguments().get("alternate-exchange");
                if (vhost.exchange(exchange).isEmpty() && alternate instanceof String alternateName) {
                    access.checkRead(Kind.EXCHANGE, exchange);
                    access.checkWrite(Kind.EXCHANGE, alternateName);
                }
            }
            session.replyLater(vhost.declareExchange(exchange, declare.type(), declare.durable(),
                    declare.autoDelete(), declare.internal(), declare.arguments()), declare.noWait(),
                    durable -> new ExchangeDeclareOk(), method);
        } else if (method instanceof ExchangeDelete delete) {
            String exchange = ClientSuppliedNames.stripLineBreaks(delete.exchange());
            if (!exchange.isEmpty() && !exchange.startsWith("amq.")) {
                // The default and amq.* exchanges are refused first, by the virtual host, as in RabbitMQ.
                access.checkConfigure(Kind.EXCHANGE, exchange);
            }
            session.replyLater(vhost.deleteExchange(exchange, delete.ifUnused()), delete.noWait(),
                    durable -> new ExchangeDeleteOk(), method);
        } else if (method instanceof ExchangeBind bind) {
            BindingChecks.check(session, Kind.EXCHANGE, ClientSuppliedNames.stripLineBreaks(bind.destination()),
                    ClientSuppliedNames.stripLineBreaks(bind.source()), bind.routingKey());
            session.replyLater(vhost.bindExchange(ClientSuppliedNames.stripLineBreaks(bind.destination()),
                    ClientSuppliedNames.stripLineBreaks(bind.source()), bind.routingKey(), bind.arguments()),
                    bind.noWait(), durable -> new ExchangeBindOk(), method);
        } else if (method instanceof ExchangeUnbind unbind) {
            BindingChecks.check(session, Kind.EXCHANGE, ClientSuppliedNames.stripLineBreaks(unbind.destination()),
                    ClientSuppliedNames.stripLineBreaks(unbind.source()), unbind.routingKey());
            session.replyLater(vhost.unbindExchange(ClientSuppliedNames.stripLineBreaks(unbind.destination()),
                    ClientSuppliedNames.stripLineBreaks(unbind.source()), unbind.routingKey(), unbind.arguments()),
                    unbind.noWait(), durable -> new ExchangeUnbindOk(), method);
        } else {
            throw new BrokerException(ErrorCode.COMMAND_INVALID,
                    "COMMAND_INVALID - " + method.methodName() + " is not a client method");
        }
    }
}
