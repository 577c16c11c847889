package dev.ferry.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The commands waiting for a queue's owner thread, with a bound on the published messages among
 * them ({@link MailboxLimits}). Any thread posts; only the owner, inside its drain, takes.
 *
 * <p>When an enqueue leaves more waiting than the bound allows, the publisher gets a
 * <em>back-pressure</em> future, shared by every publisher that finds the mailbox full, which the
 * owner completes once it has taken enough to be at half the bound. The front stops reading the
 * publisher's connection until then, so a queue whose owner is slower than its publishers (a queue
 * nobody consumes from, writing every message to disk) sets their pace instead of the heap filling
 * with commands.
 *
 * <p>Design note on counting: a publisher adds one message and its body bytes to a single
 * cumulative counter, packed into a {@code long} (messages from bit 40 up, bytes below), with one
 * atomic add and no lock; the owner keeps the same sum over what it has taken and publishes it with
 * a volatile write. What waits is the difference. An enqueue is counted before it is queued, and a
 * reader reads the owner's sum before the posted one, so the difference is never negative; both
 * sums are taken modulo 2<sup>64</sup>, so it unpacks exactly as long as fewer than 2<sup>24</sup>
 * messages and 2<sup>40</sup> bytes wait at once, however long the counters run. A stale owner sum
 * overestimates what waits, which errs on the safe side.
 *
 * <p>No lost wake-up: the owner writes its sum, then reads the future; a publisher installs the
 * future, then reads the owner's sum. Both are volatile, so one of them sees the other, and whoever
 * finds the mailbox caught up completes the future.
 */
final class QueueMailbox {
    private static final int MESSAGE_SHIFT = 40;
    private static final long BYTES_MASK = (1L << MESSAGE_SHIFT) - 1;
    private static final long ONE_MESSAGE = 1L << MESSAGE_SHIFT;
    private static final VarHandle BACK_PRESSURE;

    static {
        try {
            BACK_PRESSURE = MethodHandles.lookup().findVarHandle(QueueMailbox.class, "backPressure",
                    CompletableFuture.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrentLinkedQueue<QueueCommand> commands = new ConcurrentLinkedQueue<>();
    private final MailboxLimits limits;
    private final EnqueueBacklog backlog;
    // Owner thread only: enqueues taken since the backlog was last told.
    private int takenSinceReport;
    // Kept apart from the owner's fields: publishers update it, the owner only reads it when it must.
    private final AtomicLong posted = new AtomicLong();
    // Owner thread only: the sum over taken enqueues, and its published copy.
    private long takenByOwner;
    private volatile long taken;
    // Not null while publishers are held back; completed (and cleared) at the low mark.
    private volatile CompletableFuture<Void> backPressure;
    // Largest backlog seen by a publisher, for diagnostics (see recordPeak); racy updates may miss a close second.
    private volatile int peakMessages;
    private volatile long peakBytes;

    QueueMailbox(MailboxLimits limits) {
        this(limits, EnqueueBacklog.unbounded(), 0);
    }

    /** @param backlog the broker-wide count of waiting enqueues this mailbox's also count in */
    QueueMailbox(MailboxLimits limits, EnqueueBacklog backlog) {
        this(limits, backlog, 0);
    }

    /** Both sums start at {@code counterStart}: tests start them near the wrap-around to show it does no harm. */
    QueueMailbox(MailboxLimits limits, long counterStart) {
        this(limits, EnqueueBacklog.unbounded(), counterStart);
    }

    private QueueMailbox(MailboxLimits limits, EnqueueBacklog backlog, long counterStart) {
        this.limits = limits;
        this.backlog = backlog;
        posted.set(counterStart);
        takenByOwner = counterStart;
        taken = counterStart;
    }

    /** Posts a command that is not a publish; it does not count against the bound. */
    void add(QueueCommand command) {
        commands.add(command);
    }

    /**
     * Posts a publish. Returns null while the mailbox and the broker-wide backlog are within their
     * bounds, otherwise a future that completes once the owner has caught up to half of the
     * mailbox's (or all owners to half of the backlog's); the publisher should wait for it.
     */
    CompletableFuture<Void> addEnqueue(QueueCommand.Enqueue enqueue) {
        // The owner's sum is read first: it can never exceed what was posted before the read, and
        // this publish is counted before it is queued, so the difference is never negative.
        long takenBefore = taken;
        long postedNow = posted.addAndGet(cost(enqueue));
        CompletableFuture<Void> brokerWide = backlog.posted();
        commands.add(enqueue);
        long waiting = postedNow - takenBefore;
        if (!limits.exceeded(messages(waiting), bytes(waiting))) {
            recordPeak(postedNow);
            return brokerWide;
        }
        recordPeak(postedNow);
        CompletableFuture<Void> current = backPressure;
        if (current == null) {
            CompletableFuture<Void> created = new CompletableFuture<>();
            current = (CompletableFuture<Void>) BACK_PRESSURE.compareAndExchange(this, null, created);
            if (current == null) {
                current = created;
                // The owner may have caught up before it could see the future: check for it.
                releaseIfCaughtUp(created, taken);
            }
        }
        return current.isDone() ? brokerWide : current;
    }

    /** The next command, or null; owner thread only. Taking a publish makes room for publishers. */
    QueueCommand poll() {
        QueueCommand command = commands.poll();
        if (command instanceof QueueCommand.Enqueue enqueue) {
            takenSinceReport++;
            takenByOwner += cost(enqueue);
            taken = takenByOwner;
            CompletableFuture<Void> waiting = backPressure;
            if (waiting != null) {
                releaseIfCaughtUp(waiting, takenByOwner);
            }
        }
        return command;
    }

    /** The owner's drain ends: the broker-wide backlog learns, in one step, what it took. */
    void endOfDrain() {
        backlog.taken(takenSinceReport);
        takenSinceReport = 0;
    }

    boolean isEmpty() {
        return commands.isEmpty();
    }

    /**
     * The peak is for diagnostics and tests, so it is an estimate that never overstates: the owner's
     * sum read after this publish was counted. (The bound above uses the sum read before, which never
     * understates: a publisher delayed between the two reads would otherwise record a backlog the
     * owner had long taken.) When the owner has already taken commands posted after this one, the
     * difference is negative and nothing is recorded.
     */
    private void recordPeak(long postedNow) {
        long waiting = postedNow - taken;
        if (waiting < 0) {
            return;
        }
        int messages = messages(waiting);
        long bytes = bytes(waiting);
        if (messages > peakMessages) {
            peakMessages = messages;
        }
        if (bytes > peakBytes) {
            peakBytes = bytes;
        }
    }

    /** {@code takenSum} must have been read before this reads what was posted. */
    private void releaseIfCaughtUp(CompletableFuture<Void> future, long takenSum) {
        long waiting = posted.get() - takenSum;
        if (limits.caughtUp(messages(waiting), bytes(waiting)) && BACK_PRESSURE.compareAndSet(this, future, null)) {
            future.complete(null);
        }
    }

    /** The future publishers wait for now, or null when the mailbox is within its bound. */
    CompletableFuture<Void> backPressure() {
        return backPressure;
    }

    /** Publishes waiting for the owner now (an estimate from any thread other than the owner). */
    int waitingMessages() {
        return messages(waiting());
    }

    /** Body bytes of the publishes waiting for the owner now. */
    long waitingBytes() {
        return bytes(waiting());
    }

    private long waiting() {
        long takenBefore = taken; // first, as in addEnqueue
        return posted.get() - takenBefore;
    }

    int peakMessages() {
        return peakMessages;
    }

    long peakBytes() {
        return peakBytes;
    }

    private static long cost(QueueCommand.Enqueue enqueue) {
        return ONE_MESSAGE + enqueue.message().bodySize();
    }

    private static int messages(long packed) {
        return (int) (packed >>> MESSAGE_SHIFT);
    }

    private static long bytes(long packed) {
        return packed & BYTES_MASK;
    }
}
