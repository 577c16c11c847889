package dev.ferry.amqp.channel;

import dev.ferry.amqp.auth.UserAccess;
import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.amqp.connection.AmqpChannel;
import dev.ferry.amqp.connection.AssembledPublish;
import dev.ferry.amqp.connection.ChannelMethodHandler;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.ChannelFlow;
import dev.ferry.amqp.method.ChannelFlowOk;
import dev.ferry.amqp.method.ConfirmSelect;
import dev.ferry.amqp.method.ConfirmSelectOk;
import dev.ferry.amqp.method.ServerMethods;
import dev.ferry.amqp.method.TxCommit;
import dev.ferry.amqp.method.TxRollback;
import dev.ferry.amqp.method.TxSelect;
import dev.ferry.amqp.method.TxSelectOk;
import dev.ferry.broker.VirtualHost;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.front.registry.ChannelSnapshot;
import dev.ferry.broker.VirtualHost;
import dev.ferry.stream.StreamQueues;
import dev.ferry.stream.Topic;
import dev.ferry.queue.ChannelRef;
import dev.ferry.queue.MessageQueue;
import io.netty.channel.EventLoop;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open AMQP channel joined to the core: it owns the channel's state (delivery tags, consumers,
 * qos, confirm or transaction mode) and hands each method class to its handler. Every field is
 * touched only on the connection's event loop; answers that the core produces on a queue's owner
 * thread are handed back to that loop before they touch anything here.
 *
 * <p>Design note: the session keeps every queue it ever consumed from or got from, not only the
 * current consumers' queues, because a delivery can still be on its way from a queue whose
 * consumer was just cancelled; closing the channel must requeue it there too.
 */
public final class ChannelSession implements ChannelMethodHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelSession.class);

    private final AmqpChannel channel;
    private final VirtualHost virtualHost;
    private final ChannelRef ref;
    private final EventLoop eventLoop;
    private final DirectReplyTo directReplyTo;
    private final StreamQueues streams;
    private final ExchangeMethodHandler exchangeMethods = new ExchangeMethodHandler(this);
    private final QueueMethodHandler queueMethods = new QueueMethodHandler(this);
    private final BasicMethodHandler basicMethods;
    private final ChannelCounters counters;
    private final PublishHandler publisher;
    private final Set<MessageQueue> touchedQueues = new HashSet<>();
    private final UserAccess access;
    private final Runnable releaseChannel;
    private String lastDeclaredQueue;
    private boolean closed;

    /**
     * @param releaseChannel run once when the channel closes (gives back its place under the user's channel limit)
     * @param streams        the stream queues of this channel's virtual host, or null when it shows none
     */
    ChannelSession(AmqpChannel channel, VirtualHost virtualHost, DirectReplyTo directReplyTo, UserAccess access,
                   Runnable releaseChannel, StreamQueues streams) {
        this.access = access;
        this.releaseChannel = releaseChannel;
        this.streams = streams;
        this.channel = channel;
        this.virtualHost = virtualHost;
        this.ref = new ChannelRef(channel.connection().id(), channel.number());
        this.eventLoop = channel.connection().eventLoop();
        this.directReplyTo = directReplyTo;
        this.counters = new ChannelCounters(virtualHost.messageStats().openChannel());
        this.basicMethods = new BasicMethodHandler(this);
        this.publisher = new PublishHandler(this, basicMethods);
    }

    @Override
    public void onMethod(AmqpMethod method) {
        if (ServerMethods.isServerOnly(method) || method instanceof ChannelFlowOk) {
            // Ferry never sends channel.flow, so a flow-ok answers nothing.
            throw ProtocolException.unimplementedMethod(method.classId(), method.methodId());
        }
        switch (method.classId()) {
            case 40 -> exchangeMethods.handle(method);
            case 50 -> queueMethods.handle(method);
            case 60 -> basicMethods.handle(method);
            case 85 -> {
                if (!(method instanceof ConfirmSelect select)) {
                    throw ProtocolException.unimplementedMethod(method.classId(), method.methodId());
                }
                onConfirmSelect(select);
            }
            case 90 -> onTransactionMethod(method);
            case 20 -> onChannelFlow(method);
            default -> throw new BrokerException(ErrorCode.COMMAND_INVALID,
                    "COMMAND_INVALID - " + method.methodName() + " is not valid on a channel");
        }
    }

    @Override
    public void onPublish(AssembledPublish publish) {
        publisher.publish(publish);
    }

    @Override
    public void onClosed() {
        if (!closed) {
            releaseChannel.run();
        }
        closed = true;
        counters.retire();
        basicMethods.channelClosed();
        publisher.channelClosed();
        for (MessageQueue queue : touchedQueues) {
            queue.closeChannel(ref);
        }
        touchedQueues.clear();
    }

    @Override
    public ChannelSnapshot snapshot(int channelNumber) {
        return basicMethods.snapshot(channelNumber, publisher.confirming(), publisher.transactional());
    }

    private void onConfirmSelect(ConfirmSelect select) {
        publisher.selectConfirms();
        replyUnlessNoWait(select.noWait(), new ConfirmSelectOk());
    }

    private void onTransactionMethod(AmqpMethod method) {
        if (method instanceof TxSelect) {
            publisher.selectTransactions();
            reply(new TxSelectOk());
        } else if (method instanceof TxCommit commit) {
            publisher.commit(commit);
        } else if (method instanceof TxRollback) {
            publisher.rollback();
        } else {
            throw new BrokerException(ErrorCode.COMMAND_INVALID,
                    "COMMAND_INVALID - " + method.methodName() + " is not a client method");
        }
    }

    private void onChannelFlow(AmqpMethod method) {
        if (!(method instanceof ChannelFlow flow)) {
            throw new BrokerException(ErrorCode.COMMAND_INVALID,
                    "COMMAND_INVALID - " + method.methodName() + " is not valid here");
        }
        // Like RabbitMQ, consumers pause through prefetch, not through channel.flow.
        if (!flow.active()) {
            throw new BrokerException(ErrorCode.NOT_IMPLEMENTED, "NOT_IMPLEMENTED - active=false");
        }
        reply(new ChannelFlowOk(true));
    }

    // ------------------------------------------------------------------ shared with the handlers

    VirtualHost virtualHost() {
        return virtualHost;
    }

    /** The permission checks of this channel's user. */
    UserAccess access() {
        return access;
    }

    /** The stream of that name in this channel's virtual host, unless a queue has the name. */
    Optional<Topic> stream(String name) {
        if (streams == null || virtualHost.queue(name).isPresent()) {
            return Optional.empty();
        }
        return streams.stream(name);
    }

    /** The stream queues of this channel's virtual host, or null when it shows none. */
    StreamQueues streams() {
        return streams;
    }

    long connectionId() {
        return ref.connectionId();
    }

    ChannelRef ref() {
        return ref;
    }

    AmqpChannel channel() {
        return channel;
    }

    /** This channel's message_stats; event loop only. */
    ChannelCounters counters() {
        return counters;
    }

    BasicMethodHandler basicMethods() {
        return basicMethods;
    }

    DirectReplyTo directReplyTo() {
        return directReplyTo;
    }

    boolean isClosed() {
        return closed;
    }

    /** Remembers a queue this channel may hold deliveries from, so that closing requeues them. */
    void touched(MessageQueue queue) {
        touchedQueues.add(queue);
    }

    void rememberDeclaredQueue(String queue) {
        lastDeclaredQueue = queue;
    }

    /** An empty queue name means the last queue declared on this channel, as AMQP 0-9-1 allows. */
    String queueName(String requested) {
        if (!requested.isEmpty()) {
            return requested;
        }
        if (lastDeclaredQueue == null) {
            throw BrokerException.notFound("NOT_FOUND - no previously declared queue");
        }
        return lastDeclaredQueue;
    }

    void reply(AmqpMethod method) {
        channel.send(method);
    }

    void replyUnlessNoWait(boolean noWait, AmqpMethod method) {
        if (!noWait) {
            channel.send(method);
        }
    }

    /** Runs {@code task} on this channel's event loop, after what is already queued there. */
    void onEventLoop(Runnable task) {
        if (eventLoop.inEventLoop()) {
            task.run();
        } else {
            eventLoop.execute(task);
        }
    }

    /**
     * Runs {@code task} on the event loop after every task queued there now, even when called on
     * the loop; used to let a batch of completions share one answer.
     */
    void onEventLoopLater(Runnable task) {
        eventLoop.execute(task);
    }

    /**
     * Answers from the core's future once it completes: the reply built from its value, or the
     * channel or connection closed with the refusal's code, naming {@code failing}.
     */
    <T> void replyLater(CompletableFuture<T> future, boolean noWait, Function<T, AmqpMethod> answer, AmqpMethod failing) {
        future.whenComplete((value, error) -> onEventLoop(() -> {
            if (error != null) {
                fail(error, failing);
            } else if (!noWait && !closed) {
                channel.send(answer.apply(value));
            }
        }));
    }

    /** Ends the channel, or the connection for a connection-level code, because of {@code error}. */
    void fail(Throwable error, AmqpMethod failing) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof BrokerException refusal) {
            if (refusal.errorCode().isConnectionError()) {
                channel.connection().close(refusal.errorCode(), refusal.getMessage());
            } else {
                channel.close(refusal.errorCode(), refusal.getMessage(), failing.classId(), failing.methodId());
            }
            return;
        }
        LOG.error("channel {}: {} failed", channel, failing.methodName(), cause);
        channel.connection().close(ErrorCode.INTERNAL_ERROR, "INTERNAL_ERROR - " + failing.methodName() + " failed");
    }
}
