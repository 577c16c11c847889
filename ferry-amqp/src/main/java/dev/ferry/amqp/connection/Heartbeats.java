package dev.ferry.amqp.connection;

import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.codec.FrameWriter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection's heartbeats, once tune-ok has fixed the interval: a heartbeat frame every half
 * interval, as RabbitMQ sends them, so jitter never makes the client miss one; and a watch for a
 * client silent for two whole intervals, which reaches the connection handler as Netty's
 * reader-idle event. Only reader idleness is watched by Netty: watching writer idleness would cost
 * a promise and a listener on every write, so heartbeats go out on a timer instead, traffic or not.
 * Event loop only.
 */
final class Heartbeats {
    private final ChannelHandlerContext context;
    private ScheduledFuture<?> sender;

    Heartbeats(ChannelHandlerContext context) {
        this.context = context;
    }

    /** Starts both; nothing for an interval of 0 (heartbeats off). */
    void start(int heartbeatSeconds) {
        if (heartbeatSeconds == 0) {
            return;
        }
        long sendEveryMs = heartbeatSeconds * 1000L / 2;
        long silentLimitMs = heartbeatSeconds * 2000L;
        context.pipeline().addFirst("heartbeat", new IdleStateHandler(silentLimitMs, 0, 0, TimeUnit.MILLISECONDS));
        sender = context.executor().scheduleAtFixedRate(this::send, sendEveryMs, sendEveryMs, TimeUnit.MILLISECONDS);
    }

    /** No more heartbeats: the connection is closed. */
    void stop() {
        if (sender != null) {
            sender.cancel(false);
            sender = null;
        }
    }

    private void send() {
        if (!context.channel().isActive()) {
            return;
        }
        ByteBuf buffer = context.alloc().ioBuffer(AmqpFrames.OVERHEAD_BYTES);
        FrameWriter.writeHeartbeat(buffer);
        context.writeAndFlush(buffer, context.voidPromise());
    }
}
