package dev.ferry.queue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A queue timer whose time moves only when a test advances it; due alarms run on the test thread. */
public final class ManualQueueTimer implements QueueTimer {
    private long now;
    private final List<Alarm> alarms = new ArrayList<>();

    private static final class Alarm {
        final long at;
        final Runnable task;
        boolean cancelled;

        Alarm(long at, Runnable task) {
            this.at = at;
            this.task = task;
        }
    }

    public ManualQueueTimer(long start) {
        this.now = start;
    }

    @Override
    public synchronized long currentTimeMillis() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(long epochMillis, Runnable task) {
        Alarm alarm = new Alarm(epochMillis, task);
        alarms.add(alarm);
        return () -> alarm.cancelled = true;
    }

    /** Moves time forward by {@code millis}, firing every alarm that falls due on the way, in order. */
    public void advance(long millis) {
        long target = now + millis;
        while (true) {
            Alarm next;
            synchronized (this) {
                next = alarms.stream().filter(a -> !a.cancelled && a.at <= target)
                        .min(Comparator.comparingLong(a -> a.at)).orElse(null);
                if (next == null) {
                    now = target;
                    return;
                }
                alarms.remove(next);
                now = Math.max(now, next.at);
            }
            next.task.run();
        }
    }

    /**
     * Moves time forward by {@code millis} without firing the alarms that fall due on the way, as a
     * timer thread that runs late does; the next {@link #advance} fires them.
     */
    public synchronized void skipAhead(long millis) {
        now += millis;
    }

    public synchronized long pendingAlarms() {
        return alarms.stream().filter(a -> !a.cancelled).count();
    }
}
