package dev.ferry.amqp.channel;

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
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.broker.QueueDeclaration;
import dev.ferry.broker.VirtualHost;

/**
 * The queue class (50). Declare, bind and unbind answer at once; purge and delete need the
 * queue's own state, so their answers come back from the queue's owner thread. An empty queue
 * name means the queue this channel declared last, as AMQP 0-9-1 allows.
 */
final class QueueMethodHandler {
    private final ChannelSession session;

    QueueMethodHandler(ChannelSession session) {
        this.session = session;
    }

    void handle(AmqpMethod method) {
        VirtualHost vhost = session.virtualHost();
        long connectionId = session.connectionId();
        if (method instanceof QueueDeclare declare) {
            if (declare.passive() && declare.queue().equals(DirectReplyTo.PSEUDO_QUEUE)) {
                // Clients (Spring AMQP among them) probe for direct reply-to this way, as RabbitMQ allows.
                session.replyUnlessNoWait(declare.noWait(), new QueueDeclareOk(DirectReplyTo.PSEUDO_QUEUE, 0, 0));
                return;
            }
            dev.ferry.broker.QueueDeclareOk ok = declare.passive()
                    ? vhost.checkQueueExists(session.queueName(declare.queue()), connectionId)
                    : vhost.declareQueue(new QueueDeclaration(declare.queue(), declare.durable(), declare.exclusive(),
                            declare.autoDelete(), declare.arguments(), connectionId));
            session.rememberDeclaredQueue(ok.queue());
            String name = ok.queue();
            java.util.Optional<dev.ferry.queue.MessageQueue> queue = vhost.queue(name);
            if (queue.isEmpty()) {
                // Deleted between declare and now (an auto-delete race); report what declare saw.
                session.replyUnlessNoWait(declare.noWait(), new QueueDeclareOk(name, ok.messageCount(), ok.consumerCount()));
            } else {
                session.replyLater(queue.get().counts(), declare.noWait(),
                        counts -> new QueueDeclareOk(name, counts.messageCount(), counts.consumerCount()), method);
            }
        } else if (method instanceof QueueBind bind) {
            vhost.bindQueue(session.queueName(bind.queue()), bind.exchange(), bind.routingKey(), bind.arguments(),
                    connectionId);
            session.replyUnlessNoWait(bind.noWait(), new QueueBindOk());
        } else if (method instanceof QueueUnbind unbind) {
            vhost.unbindQueue(session.queueName(unbind.queue()), unbind.exchange(), unbind.routingKey(),
                    unbind.arguments(), connectionId);
            session.reply(new QueueUnbindOk());
        } else if (method instanceof QueuePurge purge) {
            session.replyLater(vhost.purgeQueue(session.queueName(purge.queue()), connectionId), purge.noWait(),
                    QueuePurgeOk::new, method);
        } else if (method instanceof QueueDelete delete) {
            session.replyLater(vhost.deleteQueue(session.queueName(delete.queue()), connectionId, delete.ifUnused(),
                    delete.ifEmpty()), delete.noWait(), QueueDeleteOk::new, method);
        } else {
            throw new BrokerException(ErrorCode.COMMAND_INVALID,
                    "COMMAND_INVALID - " + method.methodName() + " is not a client method");
        }
    }
}
