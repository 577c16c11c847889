package dev.ferry.queue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The publishes waiting in every queue's mailbox together, with a bound for the whole broker.
 *
 * <p>Why a bound beside each mailbox's own ({@link MailboxLimits}): a publish to a fanout is a
 * command in the mailbox of every queue bound, so what may wait grows with the number of queues,
 * not with the heap. 1,500 queues of 1,024 waiting enqueues are 1.5 million commands, about 110 MiB
 * before their owners turn them into messages; the memory alarm, which blocks publishers once the
 * heap is 40% full, comes too late to stop work already accepted. This bound counts each copy once
 * and holds publishers back, as a full mailbox does, while more than it wait anywhere.
 *
 * <p>Publishers count each copy as they post it, with one atomic add; an owner thread gives back
 * what it took at the end of each drain, with one atomic add for the whole drain. The future
 * publishers wait on is shared and completed once half of the bound is left waiting.
 */
public final class EnqueueBacklog {
    private final long bound;
    private final AtomicLong waiting = new AtomicLong();
    private final AtomicReference<CompletableFuture<Void>> backPressure = new AtomicReference<>();
    // Racy maximum for diagnostics: a close second may be missed.
    private volatile long peak;

    /** @param bound copies that may wait in all mailboxes together before publishers are held back (at least 2) */
    public EnqueueBacklog(long bound) {
        if (bound < 2) {
            throw new IllegalArgumentException("the broker-wide mailbox bound must be at least 2, got " + bound);
        }
        this.bound = bound;
    }

    /** A backlog no publisher waits for: for a queue on its own, and tests of one queue. */
    public static EnqueueBacklog unbounded() {
        return new EnqueueBacklog(Long.MAX_VALUE);
    }

    /**
     * One copy of a publish was posted to a mailbox. Returns null while the total is within the
     * bound, otherwise the future the publisher should wait for.
     */
    CompletableFuture<Void> posted() {
        long now = waiting.incrementAndGet();
        if (now > peak) {
            peak = now;
        }
        if (now <= bound) {
            return null;
        }
        CompletableFuture<Void> current = backPressure.get();
        if (current == null) {
            CompletableFuture<Void> created = new CompletableFuture<>();
            current = backPressure.compareAndExchange(null, created);
            if (current == null) {
                current = created;
                // The owners may have caught up before they could see the future.
                releaseIfCaughtUp(created);
            }
        }
        return current.isDone() ? null : current;
    }

    /** An owner thread took {@code copies} enqueues from its mailbox. */
    void taken(int copies) {
        if (copies == 0) {
            return;
        }
        waiting.addAndGet(-copies);
        CompletableFuture<Void> current = backPressure.get();
        if (current != null) {
            releaseIfCaughtUp(current);
        }
    }

    private void releaseIfCaughtUp(CompletableFuture<Void> future) {
        if (waiting.get() <= bound / 2 && backPressure.compareAndSet(future, null)) {
            future.complete(null);
        }
    }

    public long bound() {
        return bound;
    }

    /** Copies waiting in all mailboxes now. */
    public long waiting() {
        return waiting.get();
    }

    /** The most copies seen waiting at once. */
    public long peak() {
        return peak;
    }
}
