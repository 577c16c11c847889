package dev.ferry.server.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on standard error for a long operation: done of total, the rate since
 * the start and the time left at that rate, redrawn in place ({@code \r}) at most ten times a
 * second, so that drawing costs nothing beside the work. Drawn only when standard error is a
 * terminal ({@code bin/ferry} says so in FERRY_STDERR_TTY) or {@code --progress} forces it; a
 * pipe or a log file gets no control characters. Without a total (follow mode) it shows the count
 * and rate only.
 */
final class ProgressBar implements AutoCloseable {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final String label;
    private final long total;
    private final PrintStream err;
    private final boolean enabled;
    private final int width;
    private final long startNanos = System.nanoTime();
    private long lastDrawNanos;
    private long done;
    private boolean drawn;

    ProgressBar(String label, long total, PrintStream err, boolean enabled, int width) {
        this.label = label;
        this.total = total;
        this.err = err;
        this.enabled = enabled;
        this.width = width;
    }

    /** Sets how much is done and redraws if a tenth of a second has passed. */
    void update(long done) {
        this.done = done;
        long now = System.nanoTime();
        if (enabled && (now - lastDrawNanos >= REDRAW_NANOS || (total > 0 && done >= total))) {
            lastDrawNanos = now;
            draw(now);
        }
    }

    long done() {
        return done;
    }

    /** Items per second since the start. */
    double rate() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return seconds <= 0 ? 0 : done / seconds;
    }

    private void draw(long now) {
        double rate = rate();
        StringBuilder tail = new StringBuilder();
        if (total > 0) {
            tail.append(String.format(Locale.ROOT, " %3d%% %d/%d", Math.min(100, done * 100 / total), done, total));
        } else {
            tail.append(' ').append(done);
        }
        tail.append(String.format(Locale.ROOT, " %.0f/s", rate));
        if (total > 0) {
            tail.append(" ETA ").append(rate > 0 ? duration((long) ((total - done) / rate)) : "--:--");
        }
        String line = label;
        if (total > 0) {
            int barWidth = Math.max(10, Math.min(40, width - label.length() - tail.length() - 4));
            int filled = (int) Math.min(barWidth, done * barWidth / total);
            line += " [" + "#".repeat(filled) + ".".repeat(barWidth - filled) + "]";
        }
        line += tail;
        if (line.length() > width - 1) {
            line = line.substring(0, Math.max(0, width - 1));
        }
        err.print("\r" + line + "\033[K");
        err.flush();
        drawn = true;
    }

    static String duration(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    /** Draws the final state and ends the line. */
    @Override
    public void close() {
        if (enabled) {
            draw(System.nanoTime());
            if (drawn) {
                err.println();
            }
        }
    }
}
