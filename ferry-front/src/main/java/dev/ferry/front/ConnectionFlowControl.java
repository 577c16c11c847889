package dev.ferry.front;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Whether one client connection's socket is read. Reading stops while any {@link Pause} holds and
 * resumes only when none does, so the reasons never undo each other: a queue catching up does not
 * resume a connection that a memory alarm blocks, nor does the alarm clearing resume one that waits
 * for content budget.
 *
 * <p>Stopping is Netty's auto-read switch. Bytes already read keep arriving as decoded frames for a
 * moment after it is turned off (the rest of the current read, and one more read if that one ended
 * in the middle of a frame, which {@code ByteToMessageDecoder} requests to make progress): what the
 * front does with those frames is its business, this class only gates the socket.
 *
 * <p>Front-neutral: it knows sockets, not AMQP, so the Kafka front can pause its connections the
 * same way. Event loop only.
 */
public final class ConnectionFlowControl {
    /** Why a connection is not read. */
    public enum Pause {
        /** A heap or disk alarm blocks publishers. */
        RESOURCE_ALARM,
        /** A queue this connection publishes to cannot keep up (its mailbox is full or its consumers are behind). */
        CONGESTION,
        /** The connection waits for the broker-wide budget of message content being received. */
        CONTENT_BUDGET,
        /** The connection was refused and its socket is about to close: nothing more is read. */
        REFUSED,
        /** The answer to a login waits out the delay earlier failed logins from its address earned. */
        LOGIN_DELAY,
        /**
         * The client does not read what is sent to it: answers above the socket's high water mark wait
         * for it. Each request read would only add answers to the heap and direct memory.
         */
        UNREAD_ANSWERS,
        /**
         * The connection has had its share of this turn of its event loop ({@link LoopTurnShare}):
         * what it read and did not handle yet waits for the next turn, after the loop's other
         * connections.
         */
        TURN
    }

    private final Channel channel;
    private Consumer<Pause> resumeListener = reason -> { };
    private int pauses;
    // Identifies the current congestion pause, so the stage of an earlier one cannot end a later one.
    private long congestionEpoch;

    public ConnectionFlowControl(Channel channel) {
        this.channel = channel;
    }

    /**
     * Told, on the event loop, each time a reason stops holding (whether or not another still
     * does). A front that keeps the frames decoded during a pause hands them on from here, before
     * the next read.
     */
    public void onResume(Consumer<Pause> listener) {
        this.resumeListener = listener;
    }

    /** Stops reading for {@code reason} (until {@link #resume} of the same reason). */
    public void pause(Pause reason) {
        assert channel.eventLoop().inEventLoop() : "flow control off the event loop";
        boolean wasReading = pauses == 0;
        pauses |= bit(reason);
        if (wasReading) {
            channel.config().setAutoRead(false);
        }
    }

    /** {@code reason} no longer holds; reading resumes if nothing else stops it. */
    public void resume(Pause reason) {
        assert channel.eventLoop().inEventLoop() : "flow control off the event loop";
        if ((pauses & bit(reason)) == 0) {
            return;
        }
        pauses &= ~bit(reason);
        if (pauses == 0 && channel.isActive()) {
            channel.config().setAutoRead(true);
        }
        resumeListener.accept(reason);
    }

    /**
     * For a front's {@code channelWritabilityChanged}: stops reading for {@link Pause#UNREAD_ANSWERS}
     * while the socket is above its high water mark, and resumes below the low one.
     */
    public void writabilityChanged() {
        if (channel.isWritable()) {
            resume(Pause.UNREAD_ANSWERS);
        } else {
            pause(Pause.UNREAD_ANSWERS);
        }
    }

    /** Whether reading is stopped for any reason. */
    public boolean isPaused() {
        return pauses != 0;
    }

    public boolean isPaused(Pause reason) {
        return (pauses & bit(reason)) != 0;
    }

    /**
     * Stops reading for {@link Pause#CONGESTION} until {@code resume} completes, or for at most
     * {@code maxPauseMillis}: a backstop, so that a queue that never signals (a broker shutting
     * down, a lost wake-up) cannot hold a connection for good. Ignored while a congestion pause is
     * already in force: the connection is not read, so nothing more arrives to add to the backlog.
     */
    public void pauseUntil(CompletionStage<?> resume, long maxPauseMillis) {
        if (isPaused(Pause.CONGESTION)) {
            return;
        }
        pause(Pause.CONGESTION);
        long epoch = ++congestionEpoch;
        ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> endCongestion(epoch), maxPauseMillis,
                TimeUnit.MILLISECONDS);
        resume.whenComplete((ignored, error) -> {
            deadline.cancel(false);
            if (channel.eventLoop().inEventLoop()) {
                endCongestion(epoch);
            } else {
                channel.eventLoop().execute(() -> endCongestion(epoch));
            }
        });
    }

    private void endCongestion(long epoch) {
        if (epoch == congestionEpoch) {
            resume(Pause.CONGESTION);
        }
    }

    private static int bit(Pause reason) {
        return 1 << reason.ordinal();
    }
}
