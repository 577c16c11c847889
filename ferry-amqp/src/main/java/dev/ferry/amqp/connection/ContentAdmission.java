package dev.ferry.amqp.connection;

import dev.ferry.amqp.codec.InboundFrame;
import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.error.ErrorCode;
import dev.ferry.front.ConnectionFlowControl;
import dev.ferry.front.ContentBudget;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One connection's part in the broker-wide {@link ContentBudget}: it reserves budget for each
 * message body too large for one frame before the body is allocated, and while it has to wait it
 * stops reading the socket and keeps, in order, the frames that were decoded anyway.
 *
 * <p>Why frames arrive after reading stops: Netty's {@code ByteToMessageDecoder} decodes every frame
 * of a socket read and passes each on, even once auto-read is off; and when a read ends in the
 * middle of a frame it asks for one more read to make progress. So a connection that stops at a
 * content header still receives the rest of that read, at most one frame past it. Those frames
 * (methods on other channels, a connection.close, heartbeats) must not overtake the header, so they
 * wait behind it here: a small queue, bounded by one read plus one frame. When the budget is
 * granted they are handed, header first, to the connection's frame handler as if just read; if a
 * later header must wait again, the rest stays queued.
 *
 * <p>A connection whose channels already hold a reservation never waits (see {@link ContentBudget}
 * rule 3): it must keep reading to finish those messages. If even the overdraft is refused, the
 * connection is closed with 506 RESOURCE_ERROR.
 *
 * <p>When is a reservation given back? When the content is abandoned, at once. When the message is
 * complete, once it has been handed to its channel, unless handing it over reported that a queue
 * it went to cannot take it yet ({@link #holdUntil}: the queue's mailbox is full, or its consumers
 * are behind): then the body waits in that queue's mailbox, still on the heap, and the reservation
 * covers it until the queue catches up (at most the congestion pause's backstop). Without that,
 * each of twenty publishers could park a 16 MiB body in a busy queue's mailbox while the next
 * twenty were already being received: the budget would bound only what is in flight on the wire.
 *
 * <p>The same queue keeps frames in order while the connection is paused because a publish found a
 * queue that cannot take more ({@link ConnectionFlowControl.Pause#CONGESTION}) or because a
 * resource alarm blocks it ({@link ConnectionFlowControl.Pause#RESOURCE_ALARM}). Handling the rest
 * of the read there would defeat the pause: one socket read holds hundreds of small publishes, and
 * each becomes a command in the mailbox of every queue it is routed to, so 100 publishers to a
 * fanout of 1,500 queues turned their last reads into millions of commands and filled the heap. The
 * frames wait as read (a few bytes each) and are handled when the pause ends. The same holds when
 * the connection has used its share of a turn of its event loop
 * ({@link ConnectionFlowControl.Pause#TURN}): the rest waits for the next turn.
 *
 * <p>Event loop only, except the budget's grant callback, which hops onto the event loop.
 */
final class ContentAdmission implements ContentAssembler.Reservations {
    // The pauses during which the rest of a read waits here, handled when the pause ends.
    private static final Set<ConnectionFlowControl.Pause> HOLDING_FRAMES = EnumSet.of(
            ConnectionFlowControl.Pause.CONGESTION, ConnectionFlowControl.Pause.RESOURCE_ALARM,
            ConnectionFlowControl.Pause.TURN);
    private final ContentBudget budget;
    private final ConnectionFlowControl flow;
    private final EventExecutor eventLoop;
    private final Consumer<InboundFrame> frameHandler;
    private final ArrayDeque<InboundFrame> held = new ArrayDeque<>();
    private ContentBudget.Waiter waiter;
    // Bytes granted to the header at the head of `held`, taken when that header is handled again.
    private long granted;
    // Reservations this connection's channels hold.
    private int reservations;
    // The reservation of the message being handed to its channel now, and what to keep it for.
    private long handedOver;
    private CompletionStage<?> handedOverUntil;
    private long handedOverMaxMillis;
    // The connection is closing from our side: frames are no longer held for a pause.
    private boolean closing;
    // Guards replay against itself: handling a held publish can end a pause at once.
    private boolean replaying;

    /**
     * @param frameHandler handles one frame as if it had just been read (and releases a body's
     *                     payload); held frames are replayed through it
     */
    ContentAdmission(ContentBudget budget, ConnectionFlowControl flow, EventExecutor eventLoop,
            Consumer<InboundFrame> frameHandler) {
        this.budget = budget;
        this.flow = flow;
        this.eventLoop = eventLoop;
        this.frameHandler = frameHandler;
        flow.onResume(reason -> {
            if (HOLDING_FRAMES.contains(reason)) {
                replayUnlessWaiting();
            }
        });
    }

    /** Whether new frames must queue behind held ones instead of being handled now. */
    boolean isHolding() {
        return waiter != null || !held.isEmpty() || pausedForPublishes();
    }

    /**
     * Publishes may not go on: a queue they reached is behind, an alarm blocks them, or the
     * connection has used its share of this turn of the event loop.
     */
    private boolean pausedForPublishes() {
        if (closing) {
            return false;
        }
        for (ConnectionFlowControl.Pause reason : HOLDING_FRAMES) {
            if (flow.isPaused(reason)) {
                return true;
            }
        }
        return false;
    }

    private void replayUnlessWaiting() {
        if (waiter == null) {
            replay();
        }
    }

    /** Queues a frame decoded while the connection waits; the connection now owns its payload. */
    void hold(InboundFrame frame) {
        held.add(frame);
    }

    /** Whether this connection's channels hold any reservation (it is in the middle of a large message). */
    boolean holdsReservation() {
        return reservations > 0;
    }

    /**
     * A content header needs {@code bytes} of budget. Returns true once they are reserved for the
     * caller's assembler (which gives them back through {@link #release}); false when the
     * connection has to wait: {@code header} is kept first in line, reading stops, and the held
     * frames are handled again from it once the budget is granted.
     *
     * @throws ProtocolException 506 when this connection, already receiving large content on
     *                           another channel, would overdraw the budget beyond its limit
     */
    boolean admit(long bytes, InboundFrame header) {
        if (granted > 0) {
            long grant = granted;
            granted = 0;
            if (grant == bytes) {
                reservations++;
                return true;
            }
            budget.release(grant); // not the header it was granted for; ask afresh
        }
        if (reservations > 0) {
            if (!budget.reserveOverdraft(bytes)) {
                throw new ProtocolException(ErrorCode.RESOURCE_ERROR, "message of " + bytes
                        + " bytes would take the content being received past twice the broker's budget of "
                        + budget.limitBytes() + " bytes, and this connection is receiving another one",
                        BasicPublish.CLASS_ID, BasicPublish.METHOD_ID);
            }
            reservations++;
            return true;
        }
        ContentBudget.Waiter queued = budget.reserveOrWait(bytes, () -> eventLoop.execute(this::onGranted));
        if (queued == null) {
            reservations++;
            return true;
        }
        waiter = queued;
        held.addFirst(header);
        flow.pause(ConnectionFlowControl.Pause.CONTENT_BUDGET);
        return false;
    }

    @Override
    public void release(long bytes) {
        reservations--;
        budget.release(bytes);
    }

    @Override
    public void completed(long bytes) {
        reservations--;
        handedOver = bytes;
    }

    /**
     * The message being handed to its channel reached a queue that cannot take more yet: keep its
     * reservation until {@code caughtUp} completes, or at most {@code maxMillis}.
     */
    void holdUntil(CompletionStage<?> caughtUp, long maxMillis) {
        if (handedOver > 0 && handedOverUntil == null) {
            handedOverUntil = caughtUp;
            handedOverMaxMillis = maxMillis;
        }
    }

    /** The message completed last has been handed to its channel: its reservation goes back, now or later. */
    void handedOver() {
        if (handedOver == 0) {
            return;
        }
        long bytes = handedOver;
        CompletionStage<?> until = handedOverUntil;
        handedOver = 0;
        handedOverUntil = null;
        if (until == null) {
            budget.release(bytes);
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable releaseOnce = () -> {
            if (released.compareAndSet(false, true)) {
                budget.release(bytes);
            }
        };
        ScheduledFuture<?> backstop = eventLoop.schedule(releaseOnce, handedOverMaxMillis, TimeUnit.MILLISECONDS);
        until.whenComplete((ignored, error) -> {
            backstop.cancel(false);
            releaseOnce.run();
        });
    }

    private void onGranted() {
        if (waiter == null) {
            return; // stopped waiting meanwhile; cancelling gave the bytes back
        }
        granted = waiter.bytes();
        waiter = null;
        replay();
    }

    /** Handles held frames in order until none is left or one has to wait again. */
    private void replay() {
        if (replaying) {
            return; // the loop below goes on by itself
        }
        replaying = true;
        try {
            while (waiter == null && !pausedForPublishes() && !held.isEmpty()) {
                frameHandler.accept(held.pollFirst());
                if (granted > 0) {
                    // The header the bytes were granted for was not taken: its channel or the
                    // connection closed while it waited.
                    long unused = granted;
                    granted = 0;
                    budget.release(unused);
                }
            }
        } finally {
            replaying = false;
        }
        if (waiter == null) {
            flow.resume(ConnectionFlowControl.Pause.CONTENT_BUDGET);
        }
    }

    /**
     * The connection is closing from our side: it waits for budget no longer. Held frames are
     * handled (the closing connection discards all but close-ok) and reading resumes, so that the
     * client's close-ok can arrive.
     */
    void stopWaiting() {
        closing = true;
        if (waiter != null) {
            budget.cancel(waiter);
            waiter = null;
        }
        if (held.isEmpty()) {
            flow.resume(ConnectionFlowControl.Pause.CONTENT_BUDGET);
        } else {
            eventLoop.execute(this::replay);
        }
    }

    /** The socket closed: forgets the wait and frees held frames. Assemblers give back their own reservations. */
    void close() {
        if (waiter != null) {
            budget.cancel(waiter);
            waiter = null;
        }
        if (granted > 0) {
            budget.release(granted);
            granted = 0;
        }
        for (InboundFrame frame : held) {
            if (frame instanceof InboundFrame.Body body) {
                body.payload().release();
            }
        }
        held.clear();
    }
}
