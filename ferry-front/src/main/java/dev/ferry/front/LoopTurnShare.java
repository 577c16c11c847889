package dev.ferry.front;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * One connection's share of a turn of its event loop: the work it may do for one socket read
 * before the loop's other connections get theirs. Work is counted in units the front chooses (for
 * AMQP, one per frame and one per queue a publish reached); past the share, reading pauses for
 * {@link ConnectionFlowControl.Pause#TURN}, the front keeps what it has read and not handled, and
 * the pause ends in the loop's next turn, after the I/O that waited.
 *
 * <p>Why: a loop hands a readable socket up to sixteen reads in one go and the front handles every
 * frame in them. A publish to a fanout of 1,500 queues costs 1,500 enqueues, so one turn of a
 * publisher on such an exchange took seconds of a shared core, and a connection opened on the same
 * loop got no connection.start for tens of seconds (the RabbitMQ Java client's Bug19219Test). The
 * pause costs two changes of the socket's interest and one task per turn, so the share is large
 * enough that ordinary publishers rarely reach it.
 *
 * <p>Why the next turn is a scheduled task: a task the loop runs is followed at once by any task it
 * queues, up to 64 of them before the loop looks at its sockets again, while scheduled tasks are
 * taken on only at the start of a turn.
 *
 * <p>Event loop only.
 */
public final class LoopTurnShare {
    /** The units a connection may spend in one turn. */
    public static final int DEFAULT_UNITS = 16_384;

    private final ConnectionFlowControl flow;
    private final EventLoop loop;
    private final int units;
    private int spent;

    public LoopTurnShare(ConnectionFlowControl flow, EventLoop loop, int units) {
        if (units < 1) {
            throw new IllegalArgumentException("a turn's share needs at least one unit, got " + units);
        }
        this.flow = flow;
        this.loop = loop;
        this.units = units;
    }

    /** Counts {@code work} units; the one that reaches the share pauses reading until the next turn. */
    public void spend(int work) {
        spent += work;
        if (spent >= units && !yielded()) {
            flow.pause(ConnectionFlowControl.Pause.TURN);
            loop.schedule(this::nextTurn, 0, TimeUnit.NANOSECONDS);
        }
    }

    /** A read ended within its share: the next read starts a new count. */
    public void readComplete() {
        if (!yielded()) {
            spent = 0;
        }
    }

    /** Whether the connection waits for its next turn. */
    public boolean yielded() {
        return flow.isPaused(ConnectionFlowControl.Pause.TURN);
    }

    private void nextTurn() {
        spent = 0;
        flow.resume(ConnectionFlowControl.Pause.TURN);
    }
}
