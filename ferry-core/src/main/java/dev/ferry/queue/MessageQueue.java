package dev.ferry.queue;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.message.Message;
import dev.ferry.stats.MessageCounter;
import dev.ferry.stats.MessageCounts;
import dev.ferry.text.LogSafe;

/**
 * A queue as the rest of the broker sees it: every method turns a request into a
 * {@link QueueCommand} for the queue's owner and returns at once; answers come back as futures
 * completed on the owner thread.
 *
 * <p>Threading contract: every public method may be called from any thread, concurrently. The
 * queue's state ({@link QueueState}) is touched only while one drain task runs on the queue's
 * executor, which is pinned for the queue's life (one thread of a {@link QueueExecutorPool}). A
 * drain applies up to {@value #COMMAND_BATCH} commands, has the store write what they appended,
 * then delivers up to {@value #DELIVERY_BATCH} messages, then yields the thread to other queues.
 * Sinks are called and futures completed on that thread, so callers must not block in them. A
 * command that throws fails its answer (the future completes exceptionally, a publisher is
 * nacked) instead of leaving its caller waiting.
 *
 * <p>Ordering: commands posted by one thread are applied in the order posted; so a channel that
 * publishes, then settles, then closes sees them take effect in that order.
 *
 * <p>Statistics ({@link #messageCount()} and friends) are published at the end of each drain and
 * may lag commands still in flight.
 *
 * <p>Back-pressure: publishes waiting in the mailbox are bounded by {@link MailboxLimits}; past the
 * bound {@link #enqueue} returns a future the publisher should wait for (see {@link QueueMailbox}).
 * Separately, {@link #congestion()} holds publishers to the pace of the queue's consumers.
 */
public final class MessageQueue {
    static final int COMMAND_BATCH = 256;
    static final int DELIVERY_BATCH = 256;
    private static final Logger LOG = LoggerFactory.getLogger(MessageQueue.class);

    private final QueueSettings settings;
    private final Executor owner;
    private final QueueState state;
    private final QueueMailbox commands;
    private final MessageCounts counts = new MessageCounts();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    // Identifies the thread inside drain(), so assertions can catch state touched from elsewhere.
    private volatile Thread drainingThread;

    private volatile int readyCount;
    private volatile int consumerCount;
    private volatile int unackedCount;
    private volatile boolean deleted;
    // Not null while the queue is congested: completes when it is not any more (see congestion()).
    private volatile CompletableFuture<Void> congestion;
    private volatile long[] consumerConnections = new long[0];

    /**
     * @param owner    the executor that will run every state change; must run tasks one at a time
     *                 (a single-thread executor, or a direct/manual executor in tests)
     * @param listener told when the queue is deleted, including by auto-delete
     */
    public MessageQueue(QueueSettings settings, MessageStore store, Executor owner, QueueDeletionListener listener) {
        this(settings, store, owner, listener, QueueServices.STANDALONE);
    }

    /**
     * @param services the clock and alarm for TTLs, retry delays and x-expires, and where dead
     *                 letters are republished (the virtual host's routing)
     */
    public MessageQueue(QueueSettings settings, MessageStore store, Executor owner, QueueDeletionListener listener,
                        QueueServices services) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.commands = new QueueMailbox(services.mailboxLimits(), services.backlog());
        this.state = new QueueState(this, settings, store, listener, Objects.requireNonNull(services, "services"));
        if (state.hasRecoveredMessages()) {
            // One drain publishes the counts of the recovered messages and arms their TTL alarm.
            post(QueueCommand.Wake.INSTANCE);
        }
    }

    public String name() {
        return settings.name();
    }

    public QueueSettings settings() {
        return settings;
    }

    /**
     * Adds a routed message at the tail; {@code confirm} (nullable) learns when it is stored.
     *
     * @return null while the publishes waiting for this queue's owner are within their bound
     *         ({@link MailboxLimits}); otherwise a future that completes once the owner has caught up
     *         to half of it. The publisher should not send this queue more until then (the AMQP
     *         front stops reading its connection). The message is queued either way, with a
     *         reference of the queue's own to its body ({@link dev.ferry.message.MessageBody}).
     */
    public CompletableFuture<Void> enqueue(Message message, PublishConfirm confirm) {
        message.messageBody().retain(); // the queue's own, while the caller still holds one
        CompletableFuture<Void> backPressure = commands.addEnqueue(new QueueCommand.Enqueue(message, confirm));
        scheduleDrain();
        return backPressure;
    }

    /**
     * Registers a consumer. Fails with 403 ACCESS_REFUSED when an exclusive consumer holds the queue
     * or when {@code spec.exclusive()} and the queue already has consumers, 404 when the queue is
     * deleted, 530 NOT_ALLOWED when the channel already uses the tag here.
     */
    public CompletableFuture<Void> consume(ConsumerSpec spec) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        post(new QueueCommand.Consume(spec, done));
        return done;
    }

    /**
     * Stops deliveries to a consumer; completes with whether it existed. Its unacked deliveries stay
     * unacked until settled or until the channel closes. May auto-delete the queue.
     */
    public CompletableFuture<Boolean> cancel(ChannelRef channel, String consumerTag) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        post(new QueueCommand.Cancel(channel, consumerTag, done));
        return done;
    }

    /**
     * Settles deliveries of this queue made to {@code channel}: one command for many ids, so a
     * channel acking "multiple" sends one call per queue. Ids unknown to the queue, or delivered to
     * another channel, are ignored. Settling returns per-consumer and channel credit.
     */
    public void settle(ChannelRef channel, long[] deliveryIds, SettleOutcome outcome) {
        post(new QueueCommand.Settle(channel, deliveryIds.clone(), outcome));
    }

    public void settle(ChannelRef channel, long deliveryId, SettleOutcome outcome) {
        post(new QueueCommand.Settle(channel, new long[] {deliveryId}, outcome));
    }

    /** Requeues every unacked delivery of {@code channel} at its original position (basic.recover). */
    public void requeueUnacked(ChannelRef channel) {
        post(new QueueCommand.RequeueUnacked(channel));
    }

    /**
     * The channel is gone: its consumers are removed (without a cancel notification) and its unacked
     * deliveries requeued at their original positions, flagged redelivered. May auto-delete.
     */
    public void closeChannel(ChannelRef channel) {
        post(new QueueCommand.CloseChannel(channel));
    }

    /** Takes one ready message, if any, outside any consumer (basic.get); ignores prefetch. */
    public CompletableFuture<GetResult> get(ChannelRef channel, boolean noAck) {
        CompletableFuture<GetResult> done = new CompletableFuture<>();
        post(new QueueCommand.Get(channel, noAck, false, done));
        return done;
    }

    /**
     * basic.get with no-ack as an AMQP channel does it: counted as {@code get_no_ack} (RabbitMQ's
     * message_stats), but held unacknowledged until the channel settles it with
     * {@link SettleOutcome#ACK} once get-ok is on its way (a settlement not counted as an ack), so
     * that a channel closed before that has the message requeued rather than lost.
     */
    public CompletableFuture<GetResult> getNoAckHeld(ChannelRef channel) {
        CompletableFuture<GetResult> done = new CompletableFuture<>();
        post(new QueueCommand.Get(channel, false, true, done));
        return done;
    }

    /** Drops every ready message (unacked ones stay); completes with how many were dropped. */
    public CompletableFuture<Integer> purge() {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        post(new QueueCommand.Purge(done));
        return done;
    }

    /**
     * Deletes the queue, cancelling its consumers through {@link ConsumerSink#cancelledByBroker};
     * completes with the number of ready messages dropped, or fails with 406 when
     * {@code ifUnused} and it has consumers or {@code ifEmpty} and it has ready messages. Front
     * ends delete through the virtual host, which also removes the name and bindings.
     */
    public CompletableFuture<Integer> delete(boolean ifUnused, boolean ifEmpty) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        post(new QueueCommand.Delete(ifUnused, ifEmpty, done));
        return done;
    }

    /** Ready messages and consumers after every command posted before this call (declare-ok counts). */
    public CompletableFuture<QueueCounts> counts() {
        CompletableFuture<QueueCounts> done = new CompletableFuture<>();
        post(new QueueCommand.Count(done));
        return done;
    }

    /** Wake-up from a {@link DeliveryGate}: the connection can take more, look for deliveries again. */
    public void creditAvailable() {
        post(QueueCommand.Wake.INSTANCE);
    }

    /**
     * A {@link ChannelCredit} this queue waited on hands it one unit, already taken: the queue's
     * next delivery to that channel uses it, or the queue gives it back (the next queue waiting
     * gets it).
     */
    void creditGranted(ChannelCredit credit) {
        post(new QueueCommand.CreditGranted(credit));
    }

    /** The targets of an at-least-once dead letter from this queue answered (any thread). */
    void deadLetterHandedOver(long sequence, boolean stored) {
        post(new QueueCommand.DeadLetterHandedOver(sequence, stored));
    }

    /**
     * Hands the queue the arguments now in effect (its declared ones merged with the policies that
     * match it); applied on the owner thread after the commands already posted.
     */
    public void applyArguments(QueueArguments effective) {
        post(new QueueCommand.ApplyArguments(Objects.requireNonNull(effective, "effective")));
    }

    /** The queue was redeclared, or declared passively: for x-expires it counts as used now. */
    public void touch() {
        post(QueueCommand.Touch.INSTANCE);
    }

    /** The queue's alarm fired (called on the timer's thread): expire, release due retries, x-expires. */
    void timersDue() {
        post(QueueCommand.TimersDue.INSTANCE);
    }

    /** Asks the owner to do its store's periodic housekeeping (checkpoints); called by the storage's timer. */
    public void maintainStore() {
        post(QueueCommand.MaintainStore.INSTANCE);
    }

    /**
     * Clean shutdown: after every command posted before this call, the store makes everything
     * durable and closes its files. Completes on the owner thread.
     */
    public CompletableFuture<Void> closeStore() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        post(new QueueCommand.CloseStore(done));
        return done;
    }

    /** Ready messages, as of the last drain. */
    public int messageCount() {
        return readyCount;
    }

    public int consumerCount() {
        return consumerCount;
    }

    public int unackedCount() {
        return unackedCount;
    }

    /** message_stats counters as of the last drain, indexed by {@link MessageCounter#ordinal()}; any thread. */
    public long[] messageStats() {
        return counts.snapshot();
    }

    /** The owner thread's counters, for the queue state to count into. */
    MessageCounts messageCounts() {
        return counts;
    }

    public boolean isDeleted() {
        return deleted;
    }

    /**
     * Null when publishing to this queue may go on at full speed; otherwise a future that completes
     * when it may again: the queue's consumers are taking messages more slowly than they arrive and
     * its backlog is at its memory limit. A publisher's connection should stop reading until then
     * (RabbitMQ's credit flow does the same job), so that the backlog does not spill to disk while
     * consumers are keeping up as best they can. As of the last drain.
     */
    public CompletableFuture<Void> congestion() {
        return congestion;
    }

    /** Publishes posted to this queue that its owner has not applied yet (diagnostics; any thread). */
    public int waitingMessages() {
        return commands.waitingMessages();
    }

    /** Body bytes of {@link #waitingMessages()}. */
    public long waitingBytes() {
        return commands.waitingBytes();
    }

    /** The most publishes a publisher found waiting for this queue's owner since it was created. */
    public int peakWaitingMessages() {
        return commands.peakMessages();
    }

    /** The most body bytes a publisher found waiting for this queue's owner since it was created. */
    public long peakWaitingBytes() {
        return commands.peakBytes();
    }

    /**
     * Whether a consumer of this queue lives on that connection, as of the last drain. Flow control
     * does not hold up such a publisher: stopping its reads would hold up its own acks too, so the
     * queue's consumers could not make the progress that ends the congestion.
     */
    public boolean hasConsumerOn(long connectionId) {
        for (long id : consumerConnections) {
            if (id == connectionId) {
                return true;
            }
        }
        return false;
    }

    private void updateCongestion(boolean congested) {
        CompletableFuture<Void> current = congestion;
        if (congested && current == null) {
            congestion = new CompletableFuture<>();
        } else if (!congested && current != null) {
            congestion = null;
            current.complete(null);
        }
    }

    private void post(QueueCommand command) {
        commands.add(command);
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                owner.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The broker is shutting down; commands left now are dropped with it.
                drainScheduled.set(false);
                LOG.debug("Owner of {} rejected work during shutdown", LogSafe.text(settings.description()));
            }
        }
    }

    private void drain() {
        drainingThread = Thread.currentThread();
        try {
            QueueCommand command;
            int applied = 0;
            while (applied < COMMAND_BATCH && (command = commands.poll()) != null) {
                if (command instanceof QueueCommand.Get && state.consumerCount() > 0 && state.readyCount() > 0) {
                    deliverBeforeGet();
                }
                apply(command);
                applied++;
            }
            commands.endOfDrain();
            try {
                // Many appends of this drain, one log append; and before any of them is delivered,
                // so that a message whose write fails is nacked and never seen by a consumer.
                state.endOfDrain();
            } catch (RuntimeException e) {
                LOG.error("Store of {} failed at the end of a drain", LogSafe.text(settings.description()), e);
            }
            try {
                if (state.deliverReady(DELIVERY_BATCH)) {
                    // Let other queues on this thread run, then carry on delivering.
                    commands.add(QueueCommand.Wake.INSTANCE);
                }
            } catch (RuntimeException e) {
                LOG.error("Delivering from {} failed", settings.description(), e);
            } finally {
                state.answerConsumes();
            }
            boolean congested = state.isCongested(congestion != null);
            state.rearmAlarm(congested);
            readyCount = state.readyCount();
            consumerCount = state.consumerCount();
            unackedCount = state.unackedCount();
            deleted = state.isDeleted();
            counts.publish();
            updateCongestion(congested);
            long[] connections = state.consumerConnections();
            if (connections != consumerConnections) {
                consumerConnections = connections; // a new array only when consumers changed
            }
        } finally {
            commands.endOfDrain(); // again, in case the drain ended early: what was taken must be given back
            drainingThread = null;
            drainScheduled.set(false);
        }
        if (!commands.isEmpty()) {
            scheduleDrain();
        }
    }

    /**
     * A consumer with credit takes a message as it arrives, as in RabbitMQ: a basic.get applied in
     * the same drain as the publish must not take it first. So before such a get, what this drain
     * stored so far is written and delivered, as the end of the drain would.
     */
    private void deliverBeforeGet() {
        try {
            state.endOfDrain();
            state.deliverReady(DELIVERY_BATCH);
        } catch (RuntimeException e) {
            LOG.error("Delivering from {} before a get failed", LogSafe.text(settings.description()), e);
        }
    }

    private void apply(QueueCommand command) {
        assert drainingThread == Thread.currentThread() : "queue state touched outside its owner";
        try {
            command.applyTo(state);
        } catch (RuntimeException e) {
            LOG.error("Command {} failed on {}", command.getClass().getSimpleName(), LogSafe.text(settings.description()), e);
            try {
                command.failed(e);
            } catch (RuntimeException again) {
                LOG.error("Failing command {} on {} failed too", command.getClass().getSimpleName(),
                        LogSafe.text(settings.description()), again);
            }
        }
    }

    @Override
    public String toString() {
        return settings.description();
    }
}
