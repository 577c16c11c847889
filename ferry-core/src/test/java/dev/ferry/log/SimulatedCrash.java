package dev.ferry.log;

/**
 * For simulations outside this package (the queue store's, in {@code dev.ferry.store}): forgets a
 * log as a crashed process would, so that a {@link SimulatedFileSystem#crash} copy can be opened in
 * its place in the same JVM without the old log's directory claim or flusher registration lingering.
 */
public final class SimulatedCrash {
    private SimulatedCrash() {
    }

    /** No flush, no close of files: see {@code Log.abandonAfterSimulatedCrash}. */
    public static void abandon(Log log) {
        log.abandonAfterSimulatedCrash();
    }
}
