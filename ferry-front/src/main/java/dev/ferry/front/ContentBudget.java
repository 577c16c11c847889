package dev.ferry.front;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker-wide budget for message bodies still arriving: a connection reserves a message's whole
 * announced body size before it allocates the body and starts receiving it, and gives the
 * reservation back once the message is complete (or abandoned). When the budget is spent, the
 * connections that want to start a message wait (the front stops reading them) and are granted in
 * the order they asked as reservations come back; everyone else carries on. So twenty clients each
 * announcing a large message cost at most the budget, not twenty bodies.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>A request is granted at once if nobody waits and it fits in what is left.</li>
 *   <li>A request larger than the whole budget is granted only when nothing is reserved at all;
 *       until then it waits like any other (first in, first out, so it is not starved).</li>
 *   <li>A connection that already holds a reservation must never wait: the rest of the message it
 *       is receiving lies behind the frames it would stop reading, so waiting could deadlock it
 *       against itself. It takes an <em>overdraft</em> instead, up to twice the budget in all;
 *       beyond that the request is refused and the front closes that connection.</li>
 * </ol>
 *
 * <p>Front-neutral and thread-safe. A lock guards the counts, but it is taken only for messages that
 * need a reservation (bodies of more than one frame), not per frame and not for small messages.
 * Grant callbacks run on the thread that released the budget, outside the lock; they must only
 * hand work to the waiting connection's own thread.
 */
public final class ContentBudget {
    /** A request queued until budget is free. */
    public static final class Waiter {
        private final long bytes;
        private final Runnable onGranted;
        private boolean granted;
        private boolean cancelled;

        private Waiter(long bytes, Runnable onGranted) {
            this.bytes = bytes;
            this.onGranted = onGranted;
        }

        /** The bytes this waiter asked for, and holds once granted. */
        public long bytes() {
            return bytes;
        }
    }

    private final long limitBytes;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private long reservedBytes;
    private long peakReservedBytes;
    private long waits;
    private long refusals;

    /** @param limitBytes the bytes that may be reserved at once (overdrafts aside); at least 1 */
    public ContentBudget(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("content budget must be at least 1 byte, got " + limitBytes);
        }
        this.limitBytes = limitBytes;
    }

    /**
     * The default budget for a JVM whose heap may grow to {@code maxHeapBytes}: a sixty-fourth of
     * it, 32 MiB of a 2 GiB heap (two messages of the default maximum size at once). Small beside
     * the memory alarm's share (0.4 of the heap) and the queues' in-memory backlogs, so that large
     * messages never crowd out small ones; a larger message still goes, alone.
     */
    public static long defaultLimitBytes(long maxHeapBytes) {
        return Math.max(1, maxHeapBytes / 64);
    }

    /**
     * Reserves {@code bytes} at once if the rules allow, else queues the request and returns its
     * {@link Waiter}; {@code onGranted} then runs once the bytes are reserved for it.
     *
     * @return null when reserved now (the caller holds {@code bytes}); otherwise the queued waiter
     */
    public Waiter reserveOrWait(long bytes, Runnable onGranted) {
        requirePositive(bytes);
        synchronized (this) {
            if (waiting.isEmpty() && fits(bytes)) {
                take(bytes);
                return null;
            }
            Waiter waiter = new Waiter(bytes, onGranted);
            waiting.add(waiter);
            waits++;
            return waiter;
        }
    }

    /**
     * For a connection that already holds a reservation (rule 3): reserves {@code bytes} without
     * waiting, past the budget if need be, as long as everything reserved stays within twice the
     * budget (or nothing else is reserved).
     *
     * @return whether the bytes are now reserved; false means the caller must refuse the message
     */
    public synchronized boolean reserveOverdraft(long bytes) {
        requirePositive(bytes);
        if (reservedBytes == 0 || reservedBytes + bytes <= 2 * limitBytes) {
            take(bytes);
            return true;
        }
        refusals++;
        return false;
    }

    /** Gives back a reservation; waiters that now fit are granted, in order. */
    public void release(long bytes) {
        requirePositive(bytes);
        List<Waiter> granted;
        synchronized (this) {
            if (bytes > reservedBytes) {
                throw new IllegalStateException("released " + bytes + " bytes of content budget, only "
                        + reservedBytes + " reserved");
            }
            reservedBytes -= bytes;
            granted = grantWaiters();
        }
        for (Waiter waiter : granted) {
            waiter.onGranted.run();
        }
    }

    /**
     * The waiting connection is gone: forgets its request, or gives its bytes back if they were
     * granted and the grant had not reached it yet.
     */
    public void cancel(Waiter waiter) {
        boolean wasGranted;
        List<Waiter> granted;
        synchronized (this) {
            if (waiter.cancelled) {
                return;
            }
            waiter.cancelled = true;
            wasGranted = waiter.granted;
            if (!wasGranted) {
                boolean wasHead = waiting.peekFirst() == waiter;
                waiting.remove(waiter);
                // The head blocks everyone behind it; with it gone, they may fit.
                granted = wasHead ? grantWaiters() : List.of();
            } else {
                granted = List.of();
            }
        }
        if (wasGranted) {
            release(waiter.bytes);
        }
        for (Waiter next : granted) {
            next.onGranted.run();
        }
    }

    private List<Waiter> grantWaiters() {
        List<Waiter> granted = null;
        while (!waiting.isEmpty() && fits(waiting.peekFirst().bytes)) {
            Waiter next = waiting.pollFirst();
            take(next.bytes);
            next.granted = true;
            if (granted == null) {
                granted = new ArrayList<>(2);
            }
            granted.add(next);
        }
        return granted == null ? List.of() : granted;
    }

    private boolean fits(long bytes) {
        return reservedBytes == 0 || reservedBytes + bytes <= limitBytes;
    }

    private void take(long bytes) {
        reservedBytes += bytes;
        if (reservedBytes > peakReservedBytes) {
            peakReservedBytes = reservedBytes;
        }
    }

    private static void requirePositive(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("content reservations are positive, got " + bytes);
        }
    }

    public long limitBytes() {
        return limitBytes;
    }

    public synchronized long reservedBytes() {
        return reservedBytes;
    }

    /** The most ever reserved at once, overdrafts included. */
    public synchronized long peakReservedBytes() {
        return peakReservedBytes;
    }

    /** Requests waiting now. */
    public synchronized int waitingCount() {
        return waiting.size();
    }

    /** How many requests have had to wait since start. */
    public synchronized long waitCount() {
        return waits;
    }

    /** How many overdrafts were refused since start. */
    public synchronized long refusalCount() {
        return refusals;
    }
}
