package dev.ferry.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

/**
 * Writes one connection's outbound buffers as they are produced and flushes them once per batch,
 * never once per buffer: a flush is a system call, and a busy connection produces many replies
 * per socket read (a confirm per publish, a delivery per message).
 *
 * <p>A batch is either one socket read (everything written while the read's frames are handled is
 * flushed when the read completes) or, for writes from tasks (deliveries handed over by queue
 * threads, timers), the tasks queued on the event loop so far: the first such write schedules one
 * flush behind them.
 *
 * <p>Front-neutral: it knows Netty, not AMQP, so the Kafka front can batch its responses the same
 * way. Event loop only.
 */
public final class OutboundBatcher {
    private final ChannelHandlerContext context;
    private final Runnable flushTask = this::flush;
    private boolean inRead;
    private boolean flushPending;
    private boolean flushScheduled;

    public OutboundBatcher(ChannelHandlerContext context) {
        this.context = context;
    }

    /** A socket read is being handled: its writes wait for {@link #readComplete()}. */
    public void readStarted() {
        inRead = true;
    }

    /** The read's frames are all handled: flush what they produced. */
    public void readComplete() {
        inRead = false;
        flush();
    }

    /**
     * Writes {@code message} (taking ownership of it): a {@link ByteBuf}, or a
     * {@link io.netty.channel.FileRegion} for bytes sent straight from a file. It reaches the socket
     * at the end of the batch.
     */
    public void write(Object message) {
        context.write(message, context.voidPromise());
        flushLater();
    }

    /**
     * Runs {@code whenDone} once everything written so far has reached the socket, or failed to
     * (the connection closed first): what a caller waits for before it frees memory the written
     * buffers only point at.
     */
    public void whenWritten(Runnable whenDone) {
        context.write(Unpooled.EMPTY_BUFFER).addListener(future -> whenDone.run());
        flushLater();
    }

    private void flushLater() {
        flushPending = true;
        if (!inRead && !flushScheduled) {
            flushScheduled = true;
            context.executor().execute(flushTask);
        }
    }

    /** Flushes now if anything was written since the last flush. */
    public void flush() {
        flushScheduled = false;
        if (flushPending) {
            flushPending = false;
            context.flush();
        }
    }

    /**
     * Forgets that anything is waiting to be flushed, for a caller about to write and flush itself
     * (a final frame followed by closing the socket).
     */
    public void forgetPending() {
        flushPending = false;
    }
}
