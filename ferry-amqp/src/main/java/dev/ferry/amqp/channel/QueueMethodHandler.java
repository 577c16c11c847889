package dev.ferry.amqp.channel;

import java.util.Optional;

import dev.ferry.amqp.auth.UserAccess;
import dev.ferry.amqp.auth.UserAccess.Kind;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.QueueBind;
import dev.ferry.amqp.method.QueueBindOk;
import dev.ferry.amqp.method.QueueDeclare;
import dev.ferry.amqp.method.QueueDeclareOk;
import dev.ferry.amqp.method.QueueDelete;
import dev.ferry.amqp.method.QueueDeleteOk;
import dev.ferry.amqp.method.QueuePurge;
import dev.ferry.amqp.method.QueuePurgeOk;
import dev.ferry.amqp.method.QueueUnbind;
import dev.ferry.amqp.method.QueueUnbindOk;
import dev.ferry.broker.ClientSuppliedNames;
import dev.ferry.broker.DeclaredQueue;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.broker.QueueDeclaration;
import dev.ferry.broker.VirtualHost;
import dev.ferry.queue.MessageQueue;
import dev.ferry.queue.QueueCounts;

/**
 * The queue class (50). Every change is in effect at once (a pipelined bind after a no-wait
 * declare finds the queue), and answered when the virtual host's future says it is durable;
 * declare-ok also carries the queue's counts and purge-ok and delete-ok the messages dropped, so
 * those come back through the queue's owner thread. Answers are sent on the channel's event loop;
 * a change that could not be stored fails with 541, which closes the connection. An empty queue
 * name means the queue this channel declared last, as AMQP 0-9-1 allows (except in a passive
 * declare), and an empty key in a bind or unbind of that queue means its name; with no queue
 * declared on the channel, 404. Line feeds and carriage returns are stripped from the names of
 * declare, delete, bind and unbind, as RabbitMQ strips them.
 */
final class QueueMethodHandler {
    /** The shape of a generated name, for the permission checks of a server-named declare. */
    private static final String SERVER_NAMED_EXAMPLE = "amq.gen-AAAAAAAAAAAAAAAAAAAAAA";
    private final ChannelSession session;

    QueueMethodHandler(ChannelSession session) {
        this.session = session;
    }

    void handle(AmqpMethod method) {
        VirtualHost vhost = session.virtualHost();
        long connectionId = session.connectionId();
        if (method instanceof QueueDeclare declare) {
            String requested = ClientSuppliedNames.stripLineBreaks(declare.queue());
            if (declare.passive()) {
                declarePassively(declare, requested);
                return;
            }
            checkDeclare(requested, declare);
            DeclaredQueue declared = vhost.declareQueue(new QueueDeclaration(requested, declare.durable(),
                    declare.exclusive(), declare.autoDelete(), declare.arguments(), connectionId));
            session.rememberDeclaredQueue(declared.name());
            // The counts are asked for once the declaration is durable, so they include what came since.
            session.replyLater(declared.durable().thenCompose(durable -> declared.queue().counts()), declare.noWait(),
                    counts -> declareOk(declared.name(), counts), method);
        } else if (method instanceof QueueBind bind) {
            BindingChecks.check(session, Kind.QUEUE, namedQueue(bind.queue()), exchangeName(bind.exchange()),
                    bindingKey(bind.queue(), bind.routingKey()));
            session.replyLater(vhost.bindQueue(namedQueue(bind.queue()), exchangeName(bind.exchange()),
                    bindingKey(bind.queue(), bind.routingKey()), bind.arguments(), connectionId), bind.noWait(),
                    durable -> new QueueBindOk(), method);
        } else if (method instanceof QueueUnbind unbind) {
            BindingChecks.check(session, Kind.QUEUE, namedQueue(unbind.queue()), exchangeName(unbind.exchange()),
                    bindingKey(unbind.queue(), unbind.routingKey()));
            session.replyLater(vhost.unbindQueue(namedQueue(unbind.queue()), exchangeName(unbind.exchange()),
                    bindingKey(unbind.queue(), unbind.routingKey()), unbind.arguments(), connectionId), false,
                    durable -> new QueueUnbindOk(), method);
        } else if (method instanceof QueuePurge purge) {
            // RabbitMQ strips line breaks from the names of declare, delete and (un)bind, not of purge.
            String queue = session.queueName(purge.queue());
            session.access().checkRead(Kind.QUEUE, queue);
            session.replyLater(vhost.purgeQueue(queue, connectionId), purge.noWait(),
                    QueuePurgeOk::new, method);
        } else if (method instanceof QueueDelete delete) {
            String queue = namedQueue(delete.queue());
            session.access().checkConfigure(Kind.QUEUE, queue);
            session.replyLater(vhost.deleteQueue(queue, connectionId, delete.ifUnused(),
                    delete.ifEmpty()), delete.noWait(), QueueDeleteOk::new, method);
        } else {
            throw new BrokerException(ErrorCode.COMMAND_INVALID,
                    "COMMAND_INVALID - " + method.methodName() + " is not a client method");
        }
    }

    /**
     * What a (non-passive) declare needs, as RabbitMQ checks it: configure on the queue; and for a
     * queue that does not exist yet, room under the virtual host's queue limit, and with a
     * dead-letter exchange, read on the queue and write on that exchange (dead letters are not
     * checked again when they flow). A server-named queue is checked under the {@code amq.gen-}
     * name it will get.
     */
    private void checkDeclare(String requested, QueueDeclare declare) {
        UserAccess access = session.access();
        String name = requested.isEmpty() ? SERVER_NAMED_EXAMPLE : requested;
        access.checkConfigure(Kind.QUEUE, name);
        VirtualHost vhost = session.virtualHost();
        if (requested.isEmpty() || vhost.queue(requested).isEmpty()) {
            access.checkQueueLimit(name, vhost.queues().size());
            Object deadLetterExchange = declare.arguments() == null ? null
                    : declare.arguments().get("x-dead-letter-exchange");
            if (deadLetterExchange instanceof String exchange) {
                access.checkRead(Kind.QUEUE, name);
                access.checkWrite(Kind.EXCHANGE, exchange);
            }
        }
    }

    /**
     * A passive declare names its queue in full: an empty name is not the last declared queue (404,
     * as RabbitMQ). A live direct reply-to address is found from any channel, with its requester as
     * its one consumer; a forged or released one is not.
     */
    private void declarePassively(QueueDeclare declare, String name) {
        VirtualHost vhost = session.virtualHost();
        if (name.equals(DirectReplyTo.PSEUDO_QUEUE)
                || DirectReplyTo.isAddress(name) && session.directReplyTo().channelFor(name).isPresent()) {
            // Clients (Spring AMQP among them) probe for direct reply-to this way, as RabbitMQ allows.
            session.replyUnlessNoWait(declare.noWait(), new QueueDeclareOk(name, 0, 1));
            return;
        }
        dev.ferry.broker.QueueDeclareOk seen = vhost.checkQueueExists(name, session.connectionId());
        session.rememberDeclaredQueue(name);
        Optional<MessageQueue> queue = vhost.queue(name);
        if (queue.isEmpty()) {
            // Deleted between the check and now (an auto-delete race); report what the check saw.
            session.replyUnlessNoWait(declare.noWait(), new QueueDeclareOk(name, seen.messageCount(),
                    seen.consumerCount()));
        } else {
            session.replyLater(queue.get().counts(), declare.noWait(), counts -> declareOk(name, counts), declare);
        }
    }

    /** A queue name of declare, delete, bind or unbind: empty means the last declared, then line breaks go. */
    private String namedQueue(String requested) {
        return ClientSuppliedNames.stripLineBreaks(session.queueName(requested));
    }

    private static String exchangeName(String requested) {
        return ClientSuppliedNames.stripLineBreaks(requested);
    }

    /** AMQP 0-9-1: a bind (or unbind) of the last declared queue with an empty key uses its name as the key. */
    private String bindingKey(String requestedQueue, String routingKey) {
        return requestedQueue.isEmpty() && routingKey.isEmpty() ? session.queueName(requestedQueue) : routingKey;
    }

    private static QueueDeclareOk declareOk(String name, QueueCounts counts) {
        return new QueueDeclareOk(name, counts.messageCount(), counts.consumerCount());
    }
}
