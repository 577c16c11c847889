package dev.ferry.log;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Catches a broken single-writer rule: two threads inside a log's writer methods at once. Used
 * only through {@code assert}, so it costs nothing when assertions are off (production) and one
 * CAS per call when they are on (tests).
 *
 * <p>It checks overlap, not thread identity, on purpose: a queue may be handed from one executor
 * thread to another between commands, which is safe as long as calls never overlap.
 */
final class WriterGuard {
    private final AtomicReference<Thread> writer = new AtomicReference<>();

    boolean enter(String logName) {
        Thread current = Thread.currentThread();
        Thread other = writer.compareAndExchange(null, current);
        if (other != null) {
            throw new AssertionError("log '" + logName + "' has two writers at once: " + other.getName()
                    + " and " + current.getName() + "; appends, deletions and close must come from one writer");
        }
        return true;
    }

    boolean exit() {
        writer.set(null);
        return true;
    }
}
