package dev.ferry.queue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.Message;
import dev.ferry.stats.MessageCounter;
import dev.ferry.stats.MessageCounts;
import dev.ferry.text.LogSafe;

/**
 * The state machine of one queue: ready messages (in its {@link MessageStore}), unacked deliveries,
 * consumers, and the rules that connect them (round-robin by priority, prefetch, exclusive and
 * single-active consumers, requeue, auto-delete).
 *
 * <p>Thread safety: none, by design. Only the queue's owner thread calls it, through
 * {@link QueueCommand}s drained by {@link MessageQueue}; there are no locks on the message path.
 */
final class QueueState {
    private static final Logger LOG = LoggerFactory.getLogger(QueueState.class);

    // A consumer that received nothing for this long no longer makes a backed-up queue congested.
    private static final long ACTIVE_CONSUMER_MS = 1000;

    private final MessageQueue queue;
    private final QueueSettings settings;
    private final MessageStore store;
    private final QueueDeletionListener deletionListener;

    /**
     * Consumers in delivery preference order: descending priority, and within a priority the one
     * that waited longest first. A consumer that receives a message moves to the end of its
     * priority group, which is what makes delivery round-robin.
     */
    private final List<ConsumerState> consumers = new ArrayList<>();
    /** Consumes registered in the current drain, answered at its end by {@link #answerConsumes}. */
    private final List<CompletableFuture<Void>> consumesToAnswer = new ArrayList<>();
    private final LongKeyTable<Unacked> unacked = new LongKeyTable<>();
    // Channel credit handed to this queue while it waited, and credit to give back after a command.
    private final CreditGrants grants = new CreditGrants();
    private ChannelCredit releasing;
    private int releasingUnits;
    private long nextSequence;
    private long nextDeliveryId = 1;
    private boolean hadConsumer;
    private boolean exclusiveConsumerPresent;
    private boolean deleted;
    // The broker is stopping (closeStore): the alarm no longer fires. What it would have done (expire,
    // retry, x-expires) happens after the restart, from the log; done now, it would happen twice.
    private boolean closed;

    // Dead-lettering, TTLs, retries, length limits and x-expires: see the "queue" section of the README.
    private final QueueTimer timer;
    private final DeadLetterer deadLetterer;
    // message_stats: plain counters on this (the owner) thread, published by the queue after each drain.
    private final MessageCounts counts;
    private final ExpiryIndex expiryIndex = new ExpiryIndex();
    private final PendingDeadLetters pendingDeadLetters = new PendingDeadLetters();
    private boolean warnedUnroutableDeadLetters;
    private final RetrySchedule retrySchedule;
    private LengthLimit lengthLimit;
    // The arguments in effect: the declared ones until a policy changes them (applyArguments).
    private QueueArguments effective;
    private final QueueAlarm alarm;
    private long lastUsedAt;
    // The connections of the current consumers, distinct; a new array whenever consumers change.
    private long[] consumerConnections = new long[0];
    private long lastDeliveryAt = Long.MIN_VALUE / 2; // "never", without overflow in now - lastDeliveryAt
    // x-message-deduplication: the ids taken lately; null when the queue does not deduplicate.
    private final DeduplicationWindow deduplication;

    QueueState(MessageQueue queue, QueueSettings settings, MessageStore store, QueueDeletionListener listener) {
        this(queue, settings, store, listener, QueueServices.STANDALONE);
    }

    QueueState(MessageQueue queue, QueueSettings settings, MessageStore store, QueueDeletionListener listener,
               QueueServices services) {
        this.queue = queue;
        this.settings = settings;
        this.store = store;
        this.deletionListener = listener;
        this.timer = services.timer();
        this.counts = queue.messageCounts();
        this.deadLetterer = new DeadLetterer(settings, services, counts);
        this.effective = settings.arguments();
        this.retrySchedule = new RetrySchedule(effective.retryDelaysMs());
        this.lengthLimit = LengthLimit.of(effective);
        this.alarm = new QueueAlarm(timer, queue::timersDue);
        this.lastUsedAt = timer.currentTimeMillis();
        this.nextSequence = store.firstFreeSequence();
        for (QueuedMessage message : store.recovered()) {
            assert message.sequence() < nextSequence : "recovered sequence above the first free one";
            expiryIndex.add(message);
        }
        for (QueuedMessage waiting : store.recoveredWaiting()) {
            assert waiting.sequence() < nextSequence : "recovered sequence above the first free one";
            retrySchedule.hold(waiting);
        }
        store.setPagedInListener(expiryIndex::addPagedIn);
        store.setEvictedListener(expiryIndex::remove);
        this.deduplication = settings.arguments().deduplication().map(DeduplicationWindow::new).orElse(null);
        if (deduplication != null) {
            store.restoreDeduplication(deduplication);
        }
    }

    /** Whether the store brought back messages from disk (the queue then drains once to arm its alarm). */
    boolean hasRecoveredMessages() {
        return store.readyCount() > 0 || retrySchedule.size() > 0;
    }

    /**
     * A delivery waiting for settlement; consumer is null for a get. A no-ack get the channel holds
     * until get-ok is sent ({@link MessageQueue#getNoAckHeld}) was counted as get_no_ack, so its
     * settlement is not an ack in message_stats ({@code countsAck} false).
     */
    private record Unacked(QueuedMessage message, ConsumerState consumer, ChannelRef channel, ChannelCredit credit,
                           boolean countsAck) {
    }

    void enqueue(Message message, PublishConfirm confirm) {
        if (deleted) {
            // Routed just before the queue went away: RabbitMQ confirms such messages too.
            if (confirm != null) {
                confirm.queueAccepted();
            }
            message.messageBody().release(); // the queue's own (see MessageQueue.enqueue): never kept
            return;
        }
        counts.increment(MessageCounter.PUBLISH);
        long now = timer.currentTimeMillis();
        String id = deduplication == null ? null : deduplication.settings().idOf(message);
        if (id != null && deduplication.contains(id, now)) {
            // Taken before: stored once, confirmed again (after the original is).
            if (confirm != null) {
                store.confirmDuplicate(confirm);
            }
            message.messageBody().release();
            return;
        }
        QueuedMessage queued = new QueuedMessage(nextSequence++, message);
        long ttl = timeToLive(message);
        if (ttl != Long.MAX_VALUE) {
            queued.expireAt(now > Long.MAX_VALUE - 1 - ttl ? Long.MAX_VALUE - 1 : now + ttl);
        }
        if (lengthLimit.refusesPublish() && lengthLimit.isFull(store.readyCount(), store.readyBytes())) {
            if (confirm != null) {
                confirm.queueRefused(settings.description());
            }
            if (lengthLimit.overflow() == Overflow.REJECT_PUBLISH_DLX) {
                deadLetterer.deadLetter(message, DeathReason.MAXLEN);
            }
            message.messageBody().release();
            return;
        }
        long admission = id == null ? -1 : deduplication.admit(id, now);
        if (queued.expiresAt() <= now) {
            deliverAtOnceOrExpire(queued, confirm, id, admission, now);
            return;
        }
        append(queued, confirm, id, admission, now);
        expiryIndex.add(queued);
        dropHeadWhileOverLimit();
    }

    /**
     * A policy changed the arguments in effect ({@code arguments} merges the declared ones with the
     * policies, see dev.ferry.policy.QueuePolicy). Takes effect at once, as RabbitMQ's queue does
     * when its policy changes: a lower length limit drops (dead-letters) the head now, a new
     * dead-letter exchange takes the next dead letters, new retry delays the next returns, a new
     * x-expires restarts from the last use. A new message TTL applies to messages that arrive
     * from now on; those already queued keep the deadline they got on arrival (RabbitMQ too).
     */
    void applyArguments(QueueArguments arguments) {
        if (deleted) {
            return;
        }
        effective = arguments;
        deadLetterer.useArguments(arguments);
        retrySchedule.useDelays(arguments.retryDelaysMs());
        lengthLimit = LengthLimit.of(arguments);
        dropHeadWhileOverLimit();
    }

    /** The message's TTL: the lower of the queue's x-message-ttl and its own expiration. */
    private long timeToLive(Message message) {
        long ttl = effective.messageTtlMs().orElse(Long.MAX_VALUE);
        return Math.min(ttl, MessageTtl.parseChecked(message.properties().expiration()).orElse(Long.MAX_VALUE));
    }

    /** Hands a new message to the store, with its deduplication id when it has one. */
    private void append(QueuedMessage queued, PublishConfirm confirm, String id, long admission, long now) {
        store.append(queued, confirm);
        if (id != null) {
            deduplication.journaled(admission, store.journalDeduplicationId(queued, id, now));
        }
    }

    /**
     * A message with TTL 0 lives only if a consumer can take it right now, with nothing ahead of it
     * (RabbitMQ's rule); otherwise it expires on arrival.
     */
    private void deliverAtOnceOrExpire(QueuedMessage queued, PublishConfirm confirm, String id, long admission,
                                       long now) {
        int consumerIndex = store.readyCount() == 0 ? takeConsumerWithCredit() : -1;
        if (consumerIndex < 0) {
            if (confirm != null) {
                confirm.queueAccepted();
            }
            deadLetterer.deadLetter(queued.message(), DeathReason.EXPIRED);
            queued.message().messageBody().release();
            return;
        }
        // Through the store like any message, so a durable store sees it arrive and leave.
        append(queued, confirm, id, admission, now);
        QueuedMessage written = store.pollReady();
        if (written == null) {
            // Its write failed: nacked, and not delivered.
            releaseTakenCredit(consumers.get(consumerIndex));
            return;
        }
        deliverTo(consumerIndex, written);
    }

    /**
     * x-overflow drop-head: the head (the next message to deliver: the oldest of the highest
     * priority) makes room, dead-lettered as maxlen, after a publish and after a requeue, as in
     * RabbitMQ; a requeued message goes back to its place first, usually the head, so it is the one
     * that goes. Under reject-publish a requeue may leave the queue over its limit until it drains.
     */
    private void dropHeadWhileOverLimit() {
        if (lengthLimit.refusesPublish()) {
            return;
        }
        while (lengthLimit.isOver(store.readyCount(), store.readyBytes())) {
            QueuedMessage oldest = store.pollReady();
            expiryIndex.remove(oldest);
            giveUp(oldest, DeathReason.MAXLEN);
        }
    }

    /**
     * The next ready message that has not expired; expired ones met on the way are dead-lettered.
     * (The expiry index normally removes them first; this catches those whose alarm has not fired.)
     */
    private QueuedMessage takeReady() {
        long now = timer.currentTimeMillis();
        QueuedMessage message;
        while ((message = store.pollReady()) != null) {
            expiryIndex.remove(message);
            if (message.expiresAt() > now) {
                return message;
            }
            giveUp(message, DeathReason.EXPIRED);
        }
        return null;
    }

    /**
     * The queue gives up on a message it holds in its store: dead-lettered (or dropped without a
     * dead-letter exchange). At-most-once settles it first; at-least-once keeps it unsettled, out of
     * the ready order, until its targets have stored it ({@link PendingDeadLetters}).
     */
    private void giveUp(QueuedMessage message, DeathReason reason) {
        if (!deadLetterer.isAtLeastOnce()) {
            store.settle(message);
            deadLetterer.deadLetter(message.message(), reason);
            message.message().messageBody().release(); // its targets took their own while routed
            return;
        }
        counts.increment(MessageCounter.DEAD_LETTERED);
        pendingDeadLetters.hold(message, deadLetterer.annotate(message.message(), reason), reason);
        handOver(pendingDeadLetters.get(message.sequence()));
    }

    private void handOver(PendingDeadLetters.Pending pending) {
        long sequence = pending.held().sequence();
        CompletableFuture<Void> stored = deadLetterer.handOver(pending.deadLettered(), pending.reason());
        if (stored == null) {
            if (!warnedUnroutableDeadLetters) {
                // Once until a hand-over succeeds again: thousands of rejects must not mean thousands of lines.
                warnedUnroutableDeadLetters = true;
                LOG.warn("{}: a {} dead letter reached no queue through its dead-letter exchange; it stays in the "
                        + "queue and is routed again every {} ms", LogSafe.text(settings.description()),
                        pending.reason().wireName(), deadLetterer.retryIntervalMs());
            }
            pendingDeadLetters.retryAt(sequence, timer.currentTimeMillis() + deadLetterer.retryIntervalMs());
        } else if (stored.isDone()) {
            deadLetterHandedOver(sequence, !stored.isCompletedExceptionally());
        } else {
            stored.whenComplete((ok, failure) -> queue.deadLetterHandedOver(sequence, failure == null));
        }
    }

    /** The targets of an at-least-once dead letter answered: all stored it, or one refused or failed it. */
    void deadLetterHandedOver(long sequence, boolean stored) {
        if (deleted) {
            return;
        }
        if (stored) {
            PendingDeadLetters.Pending released = pendingDeadLetters.release(sequence);
            if (released != null) {
                warnedUnroutableDeadLetters = false;
                store.settle(released.held());
                released.held().message().messageBody().release();
            }
        } else {
            pendingDeadLetters.retryAt(sequence, timer.currentTimeMillis() + deadLetterer.retryIntervalMs());
        }
    }

    /** Makes a returned message ready again at its original position. */
    private void makeReady(QueuedMessage message) {
        expiryIndex.add(message); // first: the store may evict it from memory at once (back among paged ones)
        store.returnToReady(message);
    }

    /**
     * The queue's alarm went off: delayed retries that are due become ready, expired ready messages
     * (anywhere in the queue) are dead-lettered, and an unused queue past its x-expires is deleted.
     */
    void timersDue() {
        if (deleted || closed) {
            return;
        }
        long now = timer.currentTimeMillis();
        for (QueuedMessage due : retrySchedule.pollDue(now)) {
            due.retryDone();
            makeReady(due);
            dropHeadWhileOverLimit();
        }
        QueuedMessage expired;
        while ((expired = expiryIndex.pollExpired(now)) != null) {
            // A store that cannot remove from the middle keeps it; takeReady expires it at the head.
            if (store.removeReady(expired)) {
                giveUp(expired, DeathReason.EXPIRED);
            }
        }
        for (PendingDeadLetters.Pending pending : pendingDeadLetters.pollDue(now)) {
            handOver(pending);
        }
        // Paged-out messages come after every message in memory, so they are dead-lettered after them.
        // An at-least-once queue leaves them to expire once paged in (as a quorum queue expires at its
        // head): the store settles what expirePaged hands out, before any target has it.
        if (!deadLetterer.isAtLeastOnce()) {
            store.expirePaged(now, message -> {
                deadLetterer.deadLetter(message, DeathReason.EXPIRED);
                message.messageBody().release(); // the copy read back for it was the queue's
            });
        }
        if (now >= idleDeadline()) {
            deleteNow();
        }
    }

    /**
     * Sets the alarm for the earliest deadline; called after every drain. A congested queue also
     * wakes when its consumers would stop counting as active, so that publishers waiting on it are
     * released even if nothing else happens (their own connection may hold the consumer's acks).
     */
    void rearmAlarm(boolean congested) {
        if (deleted || closed) {
            alarm.cancel();
            return;
        }
        long nextExpiry = deadLetterer.isAtLeastOnce()
                ? Math.min(expiryIndex.nextExpiry(), pendingDeadLetters.nextRetry())
                : Math.min(expiryIndex.nextExpiry(), store.nextPagedExpiry());
        long consumersIdle = congested ? lastDeliveryAt + ACTIVE_CONSUMER_MS : Long.MAX_VALUE;
        alarm.rearm(Math.min(Math.min(Math.min(nextExpiry, retrySchedule.nextDue()), idleDeadline()), consumersIdle));
    }

    /** When x-expires deletes the queue if nothing uses it until then. */
    private long idleDeadline() {
        if (effective.expiresMs().isEmpty() || !consumers.isEmpty()) {
            return Long.MAX_VALUE;
        }
        return lastUsedAt + effective.expiresMs().getAsLong();
    }

    /** Redeclared (or otherwise used without consuming): x-expires counts from now. */
    void touch() {
        lastUsedAt = timer.currentTimeMillis();
    }

    /** How many returns a message may have; one more dead-letters it as delivery_limit. */
    private long returnLimit() {
        long limit = effective.deliveryLimit().orElse(Long.MAX_VALUE);
        return retrySchedule.hasDelays() ? Math.min(limit, retrySchedule.retries()) : limit;
    }

    void consume(ConsumerSpec spec, CompletableFuture<Void> done) {
        if (deleted) {
            done.completeExceptionally(notFound());
            return;
        }
        if (exclusiveConsumerPresent || (spec.exclusive() && !consumers.isEmpty())) {
            done.completeExceptionally(BrokerException.accessRefused(
                    "ACCESS_REFUSED - " + settings.description() + " in exclusive use"));
            return;
        }
        for (ConsumerState existing : consumers) {
            if (existing.belongsTo(spec.channel()) && existing.spec.consumerTag().equals(spec.consumerTag())) {
                done.completeExceptionally(new BrokerException(ErrorCode.NOT_ALLOWED,
                        "NOT_ALLOWED - attempt to reuse consumer tag '" + spec.consumerTag() + "'"));
                return;
            }
        }
        ConsumerState consumer = new ConsumerState(spec);
        if (settings.arguments().singleActiveConsumer()) {
            // Registration order decides who is active; later consumers wait their turn.
            consumers.add(consumer);
        } else {
            consumers.add(endOfPriorityGroup(spec.priority()), consumer);
        }
        hadConsumer = true;
        exclusiveConsumerPresent = spec.exclusive();
        consumersChanged();
        touch();
        consumesToAnswer.add(done);
    }

    /**
     * Answers the consumes registered in this drain, after its delivery round: a front that writes
     * its consume-ok when answered then has the first deliveries in hand and can send both in one
     * write, as RabbitMQ does (a client that cancels at once then gets them before its cancel-ok).
     */
    void answerConsumes() {
        for (CompletableFuture<Void> done : consumesToAnswer) {
            done.complete(null);
        }
        consumesToAnswer.clear();
    }

    boolean cancel(ChannelRef channel, String consumerTag) {
        for (Iterator<ConsumerState> it = consumers.iterator(); it.hasNext(); ) {
            ConsumerState consumer = it.next();
            if (consumer.belongsTo(channel) && consumer.spec.consumerTag().equals(consumerTag)) {
                it.remove();
                exclusiveConsumerPresent &= !consumer.spec.exclusive();
                consumersChanged();
                touch();
                // Its unacked deliveries stay with the channel until settled or the channel closes.
                deleteIfUnusedAutoDelete();
                return true;
            }
        }
        return false;
    }

    void settle(ChannelRef channel, long[] deliveryIds, SettleOutcome outcome) {
        for (long deliveryId : deliveryIds) {
            Unacked delivery = unacked.get(deliveryId);
            if (delivery == null || !delivery.channel.equals(channel)) {
                // Unknown ids are the channel's to report (406 unknown delivery tag); the queue may
                // simply have been purged of them by deletion.
                continue;
            }
            unacked.remove(deliveryId);
            finish(delivery, outcome);
        }
        releaseCredit();
    }

    void requeueUnacked(ChannelRef channel) {
        unacked.removeIf(delivery -> delivery.channel.equals(channel), delivery -> finish(delivery, SettleOutcome.REQUEUE));
        releaseCredit();
    }

    /** A channel handed this queue a unit of credit it waited for; the next delivery pass uses it or gives it back. */
    void creditGranted(ChannelCredit credit) {
        grants.add(credit);
    }

    void closeChannel(ChannelRef channel) {
        boolean removedConsumer = false;
        for (Iterator<ConsumerState> it = consumers.iterator(); it.hasNext(); ) {
            ConsumerState consumer = it.next();
            if (consumer.belongsTo(channel)) {
                it.remove();
                exclusiveConsumerPresent &= !consumer.spec.exclusive();
                removedConsumer = true;
                consumersChanged();
            }
        }
        requeueUnacked(channel);
        if (removedConsumer) {
            touch();
            deleteIfUnusedAutoDelete();
        }
    }

    /** basic.get; {@code heldNoAck}: a no-ack get the channel settles itself (see {@link MessageQueue#getNoAckHeld}). */
    void get(ChannelRef channel, boolean noAck, boolean heldNoAck, CompletableFuture<GetResult> done) {
        if (deleted) {
            done.completeExceptionally(notFound());
            return;
        }
        touch();
        QueuedMessage message = takeReady();
        if (message == null) {
            counts.increment(MessageCounter.GET_EMPTY);
            done.complete(GetResult.empty());
            return;
        }
        Delivery delivery = recordDelivery(message, null, channel, noAck && !heldNoAck, null, heldNoAck);
        done.complete(new GetResult(java.util.Optional.of(delivery), store.readyCount()));
    }

    void purge(CompletableFuture<Integer> done) {
        if (deleted) {
            done.completeExceptionally(notFound());
            return;
        }
        expiryIndex.clear();
        done.complete(store.purgeReady());
    }

    void delete(boolean ifUnused, boolean ifEmpty, CompletableFuture<Integer> done) {
        if (deleted) {
            done.complete(0);
            return;
        }
        if (ifUnused && !consumers.isEmpty()) {
            done.completeExceptionally(BrokerException.preconditionFailed(
                    "PRECONDITION_FAILED - " + settings.description() + " in use"));
            return;
        }
        if (ifEmpty && store.readyCount() > 0) {
            done.completeExceptionally(BrokerException.preconditionFailed(
                    "PRECONDITION_FAILED - " + settings.description() + " not empty"));
            return;
        }
        done.complete(deleteNow());
    }

    /**
     * Delivers ready messages to consumers with credit, at most {@code budget} of them so that one
     * busy queue cannot monopolise an owner thread shared with other queues.
     *
     * @return whether it stopped at the budget with deliverable work left
     */
    boolean deliverReady(int budget) {
        try {
            return deliverReadyWithin(budget);
        } finally {
            // A unit this pass could not use goes to the next queue waiting on that channel.
            grants.returnUnused();
        }
    }

    private boolean deliverReadyWithin(int budget) {
        int delivered = 0;
        while (!deleted && store.readyCount() > 0) {
            if (delivered == budget) {
                return true;
            }
            int consumerIndex = takeConsumerWithCredit();
            if (consumerIndex < 0) {
                return false;
            }
            QueuedMessage message = takeReady();
            if (message == null) {
                // Only expired messages were left: give back the channel credit just taken.
                releaseTakenCredit(consumers.get(consumerIndex));
                return false;
            }
            deliverTo(consumerIndex, message);
            if (delivered++ == 0) {
                lastDeliveryAt = timer.currentTimeMillis();
            }
        }
        return false;
    }

    /**
     * Whether publishers should wait: the store's backlog is at its memory limit while a consumer is
     * taking messages (one got a delivery within the last second). A queue nobody consumes from is
     * never congested: its backlog pages to disk and publishers carry on.
     */
    boolean isCongested(boolean wasCongested) {
        if (deleted || consumers.isEmpty() || !store.isBackedUp(wasCongested)) {
            return false;
        }
        return timer.currentTimeMillis() - lastDeliveryAt < ACTIVE_CONSUMER_MS;
    }

    private void deliverTo(int consumerIndex, QueuedMessage message) {
        ConsumerState consumer = consumers.get(consumerIndex);
        if (!settings.arguments().singleActiveConsumer()) {
            moveToEndOfPriorityGroup(consumerIndex);
        }
        ChannelCredit credit = consumer.spec.noAck() ? null : consumer.spec.channelCredit();
        Delivery delivery = recordDelivery(message, consumer, consumer.spec.channel(), consumer.spec.noAck(), credit, false);
        try {
            consumer.spec.sink().deliver(delivery);
        } catch (RuntimeException e) {
            LOG.error("Consumer sink of {} failed on {}", LogSafe.text(consumer.spec.consumerTag()),
                    LogSafe.text(settings.description()), e);
        }
    }

    private static void releaseTakenCredit(ConsumerState consumer) {
        ChannelCredit credit = consumer.spec.channelCredit();
        if (!consumer.spec.noAck() && credit != null) {
            credit.release(1);
        }
    }

    /** Notes a unit of channel credit to give back once the current command is done (one release per batch). */
    private void releaseLater(ChannelCredit credit) {
        if (credit != releasing) {
            releaseCredit();
            releasing = credit;
        }
        releasingUnits++;
    }

    /** Gives back the units noted by {@link #releaseLater}; waiting queues of that channel get them first. */
    private void releaseCredit() {
        ChannelCredit credit = releasing;
        int units = releasingUnits;
        releasing = null;
        releasingUnits = 0;
        if (credit != null) {
            credit.release(units);
        }
    }

    /**
     * The index of the first consumer, in preference order, that may take a message now; unless it
     * is no-ack, it has already taken a unit of its channel's shared credit (one handed to this
     * queue first, else a free one). Returns -1 when none can; the queue then waits in the line of
     * each channel credit that stopped it.
     */
    private int takeConsumerWithCredit() {
        int candidates = settings.arguments().singleActiveConsumer() ? Math.min(1, consumers.size()) : consumers.size();
        for (int i = 0; i < candidates; i++) {
            ConsumerState consumer = consumers.get(i);
            if (!consumer.hasOwnCredit()) {
                continue;
            }
            DeliveryGate gate = consumer.spec.gate();
            if (gate != null && !gate.isOpen()) {
                gate.wakeWhenOpen(queue);
                continue;
            }
            ChannelCredit credit = consumer.spec.channelCredit();
            if (credit == null) {
                return i;
            }
            if (consumer.spec.noAck()) {
                // Takes no unit, but waits while the channel is at its limit, as RabbitMQ's limiter
                // holds back every consumer of the channel; a unit handed to this queue lets it pass.
                if (grants.holds(credit) || !credit.isAtLimit()) {
                    return i;
                }
            } else if (grants.tryTake(credit) || credit.tryAcquire()) {
                return i;
            }
            credit.waitForUnit(queue);
        }
        return -1;
    }

    private Delivery recordDelivery(QueuedMessage message, ConsumerState consumer, ChannelRef channel,
                                    boolean noAck, ChannelCredit credit, boolean heldNoAck) {
        boolean redelivered = message.redelivered();
        message.markDelivered();
        counts.increment(consumer == null ? (noAck || heldNoAck ? MessageCounter.GET_NO_ACK : MessageCounter.GET)
                : (noAck ? MessageCounter.DELIVER_NO_ACK : MessageCounter.DELIVER));
        if (redelivered) {
            counts.increment(MessageCounter.REDELIVER);
        }
        long deliveryId = nextDeliveryId++;
        Message delivered = DeliveryCountHeader.applyTo(message);
        delivered.messageBody().retain(); // the delivery's own, before the queue may give back its
        if (noAck) {
            store.settle(message);
            message.message().messageBody().release();
        } else {
            unacked.put(deliveryId, new Unacked(message, consumer, channel, credit, !heldNoAck));
            if (consumer != null) {
                consumer.unackedCount++;
                countDelivered(consumer);
            }
        }
        return new Delivery(queue, deliveryId, consumer == null ? null : consumer.spec.consumerTag(),
                delivered, redelivered, message.deliveryCount());
    }

    /** The consumer's connection counts what awaits a settlement, for its gate under the memory alarm. */
    private static void countDelivered(ConsumerState consumer) {
        DeliveryGate gate = consumer.spec.gate();
        if (gate != null) {
            gate.delivered();
        }
    }

    private static void countSettled(ConsumerState consumer) {
        DeliveryGate gate = consumer.spec.gate();
        if (gate != null) {
            gate.settled();
        }
    }

    /** Releases what an unacked delivery held and applies the outcome to its message. */
    private void finish(Unacked delivery, SettleOutcome outcome) {
        if (delivery.consumer != null) {
            delivery.consumer.unackedCount--;
            countSettled(delivery.consumer);
        }
        if (delivery.credit != null) {
            releaseLater(delivery.credit);
        }
        QueuedMessage message = delivery.message;
        if (outcome == SettleOutcome.REQUEUE && !deleted) {
            message.markReturned();
            if (message.returnCount() > returnLimit()) {
                store.returned(message);
                giveUp(message, DeathReason.DELIVERY_LIMIT);
            } else if (retrySchedule.hasDelays()) {
                // Out of the ready order while it waits, so the messages behind it are not held up.
                message.waitForRetryUntil(timer.currentTimeMillis() + retrySchedule.delayFor(message));
                store.returned(message);
                retrySchedule.hold(message);
            } else {
                store.returned(message);
                makeReady(message);
                dropHeadWhileOverLimit();
            }
        } else if (outcome == SettleOutcome.DISCARD && !deleted) {
            giveUp(message, DeathReason.REJECTED);
        } else {
            if (outcome == SettleOutcome.ACK && delivery.countsAck) {
                counts.increment(MessageCounter.ACK);
            }
            store.settle(message);
            // Finished with: the queue's body reference goes back.
            message.message().messageBody().release();
        }
    }

    private int endOfPriorityGroup(int priority) {
        int index = 0;
        while (index < consumers.size() && consumers.get(index).spec.priority() >= priority) {
            index++;
        }
        return index;
    }

    private void moveToEndOfPriorityGroup(int index) {
        ConsumerState consumer = consumers.remove(index);
        consumers.add(endOfPriorityGroup(consumer.spec.priority()), consumer);
    }

    private void deleteIfUnusedAutoDelete() {
        if (settings.autoDelete() && hadConsumer && consumers.isEmpty() && !deleted) {
            deleteNow();
        }
    }

    /** Deletes the queue unconditionally; returns how many ready messages it dropped. */
    private int deleteNow() {
        deleted = true;
        alarm.cancel();
        expiryIndex.clear();
        // Every message goes with the queue, and with it the queue's body reference (the deliveries
        // still being written hold their own).
        for (QueuedMessage waiting : retrySchedule.drainAll()) {
            store.settle(waiting);
            waiting.message().messageBody().release();
        }
        int dropped = store.purgeReady();
        unacked.forEach(delivery -> {
            if (delivery.consumer != null) {
                countSettled(delivery.consumer);
            }
            if (delivery.credit != null) {
                releaseLater(delivery.credit);
            }
            store.settle(delivery.message);
            delivery.message.message().messageBody().release();
        });
        unacked.clear();
        pendingDeadLetters.clear().forEach(held -> held.message().messageBody().release());
        releaseCredit();
        store.deleted();
        List<ConsumerState> cancelled = new ArrayList<>(consumers);
        consumers.clear();
        exclusiveConsumerPresent = false;
        consumersChanged();
        for (ConsumerState consumer : cancelled) {
            try {
                consumer.spec.sink().cancelledByBroker(consumer.spec.consumerTag());
            } catch (RuntimeException e) {
                LOG.error("Consumer sink of {} failed on cancel", LogSafe.text(consumer.spec.consumerTag()), e);
            }
        }
        deletionListener.queueDeleted(queue);
        return dropped;
    }

    private BrokerException notFound() {
        return BrokerException.notFound("NOT_FOUND - no " + settings.description());
    }

    boolean isDeleted() {
        return deleted;
    }

    void endOfDrain() {
        store.endOfDrain();
    }

    void maintainStore() {
        if (!deleted) {
            store.maintain();
        }
    }

    void closeStore() {
        if (!deleted) {
            closed = true;
            store.close();
        }
    }

    int readyCount() {
        return store.readyCount();
    }

    private void consumersChanged() {
        consumerConnections = consumers.stream().mapToLong(c -> c.spec.channel().connectionId()).distinct().toArray();
    }

    /** The connections that hold this queue's consumers (a fresh array after every change). */
    long[] consumerConnections() {
        return consumerConnections;
    }

    int consumerCount() {
        return consumers.size();
    }

    int unackedCount() {
        return unacked.size();
    }
}
