package dev.ferry.queue;

/**
 * A queue's single pending alarm: set for the earliest of its deadlines (next expiry, next retry
 * due, x-expires), moved earlier when a sooner deadline appears, and left alone when a later one
 * does (the earlier alarm rearms on firing). Owner thread only; the alarm itself runs on the
 * timer's thread and must only post a command.
 */
final class QueueAlarm {
    private final QueueTimer timer;
    private final Runnable onAlarm;
    private QueueTimer.Cancellable pending;
    private long pendingAt = Long.MAX_VALUE;

    QueueAlarm(QueueTimer timer, Runnable onAlarm) {
        this.timer = timer;
        this.onAlarm = onAlarm;
    }

    /** Makes sure an alarm will fire no later than {@code deadline} ({@link Long#MAX_VALUE}: none needed). */
    void rearm(long deadline) {
        if (pending != null && pendingAt <= timer.currentTimeMillis()) {
            // It has fired (or is about to): its command is in the mailbox or already applied.
            pending = null;
            pendingAt = Long.MAX_VALUE;
        }
        if (deadline == Long.MAX_VALUE) {
            cancel();
            return;
        }
        if (pending != null && pendingAt <= deadline) {
            return;
        }
        cancel();
        pendingAt = deadline;
        pending = timer.schedule(deadline, onAlarm);
    }

    void cancel() {
        if (pending != null) {
            pending.cancel();
            pending = null;
            pendingAt = Long.MAX_VALUE;
        }
    }
}
