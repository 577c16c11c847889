package dev.ferry.amqp.channel;

import dev.ferry.amqp.auth.UserAccess;
import dev.ferry.amqp.connection.AssembledPublish;
import dev.ferry.amqp.method.BasicReturn;
import dev.ferry.amqp.method.TxCommit;
import dev.ferry.amqp.method.TxCommitOk;
import dev.ferry.amqp.method.TxRollbackOk;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.broker.PublishResult;
import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.QueueRefusedException;
import dev.ferry.route.Exchange;
import dev.ferry.route.ExchangeType;
import dev.ferry.route.SenderSelectedRoutes;
import dev.ferry.stats.MessageCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * basic.publish and the two publishing modes that change its answer: publisher confirms
 * (confirm.select) and transactions (tx.select). Routing happens in the core on this thread; the
 * handler only decides what the publisher hears: basic.return for an unroutable mandatory message,
 * then basic.ack once every queue has stored it.
 */
final class PublishHandler {
    private final ChannelSession session;
    private final BasicMethodHandler basicMethods;
    private PublisherConfirms confirms;
    private String lastExchange = "";
    private String lastRoutingKey = "";
    private TransactionBuffer transaction;
    private List<CompletableFuture<Void>> transactionStores = new ArrayList<>();

    // The longest a congested queue holds up a publisher's connection before it reads again (and,
    // if the queue is still congested, pauses again). The queue itself releases publishers as soon
    // as its thread has caught up with its mailbox, or within a second of its consumers going
    // quiet; this is a backstop, not the mechanism.
    private static final long MAX_FLOW_PAUSE_MS = 2000;

    PublishHandler(ChannelSession session, BasicMethodHandler basicMethods) {
        this.session = session;
        this.basicMethods = basicMethods;
    }

    /**
     * Routes (or, in a transaction, keeps for the commit) a publish, then gives back the body
     * reference it came with: each queue that keeps the message took its own while routing.
     */
    void publish(AssembledPublish publish) {
        MessageBody body = publish.body();
        boolean keptForCommit = false;
        try {
            if (publish.method().immediate()) {
                // As RabbitMQ since 3.0: a connection error, before anything else is looked at.
                throw new BrokerException(ErrorCode.NOT_IMPLEMENTED, "NOT_IMPLEMENTED - immediate=true");
            }
            checkPermissions(publish);
            Message message = checked(publish);
            if (publish.exchange().isEmpty() && DirectReplyTo.isAddress(publish.routingKey())) {
                replyDirectly(message, publish.mandatory());
                return;
            }
            if (transaction != null) {
                // Routing errors (404) surface at publish time, as in RabbitMQ; storing waits for commit.
                session.virtualHost().checkExchangeExists(message.exchange());
                // The publish's reference goes back after the routing at commit, or at rollback.
                transaction.addPublish(() -> {
                    try {
                        route(message, publish.mandatory());
                    } finally {
                        body.release();
                    }
                }, body::release);
                keptForCommit = true;
                return;
            }
            route(message, publish.mandatory());
        } finally {
            if (!keptForCommit) {
                body.release();
            }
        }
    }

    private void route(Message message, boolean mandatory) {
        boolean confirming = confirms != null || transaction != null;
        PublishResult result = session.virtualHost().publish(message, confirming, session.ref().connectionId());
        session.counters().increment(MessageCounter.PUBLISH);
        session.channel().connection().routed(result.queueCount());
        if (!result.routed()) {
            if (mandatory) {
                session.counters().increment(MessageCounter.RETURN_UNROUTABLE);
                returnUnroutable(message);
            } else {
                session.counters().increment(MessageCounter.DROP_UNROUTABLE);
            }
        }
        if (result.congestion() != null) {
            session.channel().connection().pauseReading(result.congestion(), MAX_FLOW_PAUSE_MS);
        }
        if (confirms != null) {
            long sequence = confirms.nextPublish();
            result.accepted().whenComplete((ignored, error) -> session.onEventLoop(() -> {
                // A refusal (a full queue with x-overflow reject-publish) is answered with basic.nack.
                if (error == null) {
                    session.counters().increment(MessageCounter.CONFIRM);
                }
                if (error == null ? confirms.stored(sequence) : confirms.refused(sequence)) {
                    // One ack for every confirm that completes in this turn of the event loop.
                    session.onEventLoopLater(confirms::flush);
                }
            }));
        } else if (transaction != null) {
            transactionStores.add(result.accepted().toCompletableFuture());
        }
    }

    private void returnUnroutable(Message message) {
        session.channel().sendContent(new BasicReturn(ErrorCode.NO_ROUTE.code(), "NO_ROUTE", message.exchange(),
                message.routingKey()), message.properties(), message.body());
    }

    /**
     * Write permission on the exchange (the default exchange as {@code amq.default}, direct reply-to
     * included), then, for a topic exchange, topic write permission for the routing key: RabbitMQ's
     * checks, in its order, before anything else about the message. Dead letters and alternate
     * exchanges are not checked per message: their targets were checked when the queue or exchange
     * that names them was declared.
     */
    private void checkPermissions(AssembledPublish publish) {
        UserAccess access = session.access();
        access.checkWrite(UserAccess.Kind.EXCHANGE, publish.exchange());
        if (!publish.exchange().isEmpty() && access.hasTopicPermissions()) {
            Optional<Exchange> exchange = session.virtualHost().exchange(publish.exchange());
            if (exchange.isPresent() && exchange.get().type() == ExchangeType.TOPIC) {
                access.checkTopicWrite(publish.exchange(), publish.routingKey());
            }
        }
    }

    /**
     * Refuses what RabbitMQ refuses before routing: a user-id that is not the publisher's own, and
     * a reply-to of the direct reply-to pseudo-queue from a channel not consuming it; and rewrites
     * that reply-to to this channel's address.
     */
    private Message checked(AssembledPublish publish) {
        // CC / BCC are read (and BCC removed) before anything else: a non-array one is 406 at publish,
        // inside a transaction too, as in RabbitMQ.
        Message message = SenderSelectedRoutes.resolve(new Message(canonicalExchange(publish.exchange()),
                canonicalRoutingKey(publish.routingKey()), publish.properties(), publish.body()));
        MessageProperties properties = message.properties();
        session.access().checkUserId(properties.userId());
        if (DirectReplyTo.PSEUDO_QUEUE.equals(properties.replyTo())) {
            MessageProperties rewritten = new MessageProperties(properties.contentType(), properties.contentEncoding(),
                    properties.headers(), properties.deliveryMode(), properties.priority(), properties.correlationId(),
                    basicMethods.replyAddress(), properties.expiration(), properties.messageId(), properties.timestamp(),
                    properties.type(), properties.userId(), properties.appId(), properties.clusterId());
            message = message.withRoute(message.exchange(), message.routingKey(), rewritten);
        }
        return message;
    }

    /**
     * The exchange and routing key a publisher used last time, when they are equal again. A queued
     * message keeps both names for as long as it waits; a publisher nearly always repeats them, so
     * sharing one copy per channel saves about a hundred bytes of heap per waiting message, while
     * the freshly decoded copies die young.
     */
    private String canonicalExchange(String exchange) {
        if (!exchange.equals(lastExchange)) {
            lastExchange = exchange;
        }
        return lastExchange;
    }

    private String canonicalRoutingKey(String routingKey) {
        if (!routingKey.equals(lastRoutingKey)) {
            lastRoutingKey = routingKey;
        }
        return lastRoutingKey;
    }

    private void replyDirectly(Message message, boolean mandatory) {
        var requester = session.directReplyTo().channelFor(message.routingKey());
        if (requester.isPresent()) {
            requester.get().basicMethods().deliverReply(message);
        } else if (mandatory) {
            returnUnroutable(message);
        }
        if (confirms != null) {
            long sequence = confirms.nextPublish();
            if (confirms.stored(sequence)) {
                session.onEventLoopLater(confirms::flush);
            }
        }
    }

    boolean confirming() {
        return confirms != null;
    }

    boolean transactional() {
        return transaction != null;
    }

    void selectConfirms() {
        if (transaction != null) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - cannot switch from tx to confirm mode");
        }
        if (confirms == null) {
            confirms = new PublisherConfirms(session::reply);
        }
    }

    void selectTransactions() {
        if (confirms != null) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - cannot switch from confirm to tx mode");
        }
        if (transaction == null) {
            transaction = new TransactionBuffer();
            basicMethods.useTransaction(transaction);
        }
    }

    /**
     * Applies the transaction; commit-ok follows once every queue has stored its messages. When a
     * queue refused one (x-overflow reject-publish) or could not store it (a failed write or
     * fsync), there is no commit-ok: the channel closes with 406 "partial tx completion", as
     * RabbitMQ answers a transaction one of whose messages was nacked, naming what failed.
     */
    void commit(TxCommit commit) {
        requireTransaction();
        transaction.applyAll();
        List<CompletableFuture<Void>> stores = transactionStores;
        transactionStores = new ArrayList<>();
        CompletableFuture.allOf(stores.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) ->
                session.onEventLoop(() -> {
                    if (session.isClosed()) {
                        return;
                    }
                    if (error != null) {
                        session.fail(partialCompletion(error), commit);
                        return;
                    }
                    session.reply(new TxCommitOk());
                }));
    }

    private static BrokerException partialCompletion(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String what = cause instanceof QueueRefusedException
                ? cause.getMessage()
                : "a queue could not store a message (" + cause.getMessage() + ")";
        return BrokerException.preconditionFailed("PRECONDITION_FAILED - partial tx completion: " + what);
    }

    void rollback() {
        requireTransaction();
        basicMethods.rollBack(transaction.discard());
        session.reply(new TxRollbackOk());
    }

    private void requireTransaction() {
        if (transaction == null) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - channel is not transactional");
        }
    }

    void channelClosed() {
        if (transaction != null) {
            transaction.discard();
        }
    }
}
