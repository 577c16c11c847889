package dev.ferry.front;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event loops of a listener's connections: up to {@code maxLoops} of them, each created when a
 * connection first needs it, and each new connection given the loop with the fewest open ones. So
 * up to {@code maxLoops} connections have a loop, and a thread, of their own; beyond that they
 * share as evenly as the open connections allow.
 *
 * <p>Why a loop per connection: a loop serves its connections in turns, and the operating system
 * can only share the cores fairly between threads. A connection receiving 16 MiB messages keeps its
 * loop's thread busy copying, and a small publisher on the same loop then waits behind that busy
 * thread for a core; on a loop of its own, its thread sleeps between messages and the scheduler
 * runs it as soon as data arrives (docs/benchmarks/ingress-memory.md, "A loop per connection").
 * Netty's own groups open every loop's descriptors (an epoll, an event and a timer descriptor) when
 * they are made; here a loop costs nothing until a connection uses it, so a generous maximum does
 * not eat into a small descriptor limit. Loops stay once made, idle and asleep when their
 * connections close.
 *
 * <p>Thread-safe: a lock per registered or closed connection, none per message.
 */
final class BalancedLoopGroup extends AbstractEventExecutorGroup implements EventLoopGroup {
    private final int maxLoops;
    private final boolean epoll;
    private final ThreadFactory threads;
    private final Object lock = new Object();
    // Guarded by lock.
    private final List<EventLoopGroup> groups = new ArrayList<>();
    private final List<EventLoop> loops = new ArrayList<>();
    private final int[] open;
    private boolean shuttingDown;
    private final Promise<Void> terminated = new DefaultPromise<>(GlobalEventExecutor.INSTANCE);

    /**
     * @param maxLoops the most loops (threads) this group makes; at least 1
     * @param epoll    Netty's epoll transport, else NIO
     * @param name     the threads' name prefix
     */
    BalancedLoopGroup(int maxLoops, boolean epoll, String name) {
        if (maxLoops < 1) {
            throw new IllegalArgumentException("a loop group needs at least one loop, got " + maxLoops);
        }
        this.maxLoops = maxLoops;
        this.open = new int[maxLoops];
        this.epoll = epoll;
        this.threads = new DefaultThreadFactory(name, false);
    }

    /**
     * The loop for a new connection: an existing loop with no connection, else a new loop while
     * fewer than the maximum exist, else the loop with the fewest (the first of equals). Counted
     * until {@code channel} closes.
     */
    private EventLoop claim(Channel channel) {
        int claimed;
        EventLoop loop;
        synchronized (lock) {
            if (shuttingDown) {
                throw new IllegalStateException("event loops are shutting down");
            }
            claimed = leastLoaded();
            open[claimed]++;
            loop = loops.get(claimed);
        }
        channel.closeFuture().addListener(closed -> {
            synchronized (lock) {
                open[claimed]--;
            }
        });
        return loop;
    }

    /** The index of the loop a new connection goes to, made if need be. Under the lock. */
    private int leastLoaded() {
        int index = 0;
        for (int i = 1; i < loops.size(); i++) {
            if (open[i] < open[index]) {
                index = i;
            }
        }
        if (loops.isEmpty() || (open[index] > 0 && loops.size() < maxLoops)) {
            index = newLoop();
        }
        return index;
    }

    /** Makes one more loop, with no connection yet; returns its index. Under the lock. */
    private int newLoop() {
        EventLoopGroup group = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
        groups.add(group);
        loops.add((EventLoop) group.next());
        return loops.size() - 1;
    }

    /** Open connections per loop, in the order the loops were made. */
    int[] connectionsPerLoop() {
        synchronized (lock) {
            return Arrays.copyOf(open, loops.size());
        }
    }

    @Override
    public ChannelFuture register(Channel channel) {
        return claim(channel).register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        return claim(promise.channel()).register(promise);
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        return claim(channel).register(promise);
    }

    /** A loop for work that is not a connection: the first, made if need be. */
    @Override
    public EventLoop next() {
        synchronized (lock) {
            if (loops.isEmpty()) {
                if (shuttingDown) {
                    throw new IllegalStateException("event loops are shutting down");
                }
                newLoop();
            }
            return loops.get(0);
        }
    }

    @Override
    public Iterator<EventExecutor> iterator() {
        synchronized (lock) {
            return new ArrayList<EventExecutor>(loops).iterator();
        }
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        List<EventLoopGroup> toStop;
        synchronized (lock) {
            if (shuttingDown) {
                return terminated;
            }
            shuttingDown = true;
            toStop = new ArrayList<>(groups);
        }
        if (toStop.isEmpty()) {
            terminated.trySuccess(null);
            return terminated;
        }
        AtomicInteger left = new AtomicInteger(toStop.size());
        for (EventLoopGroup group : toStop) {
            group.shutdownGracefully(quietPeriod, timeout, unit).addListener(done -> {
                if (left.decrementAndGet() == 0) {
                    terminated.trySuccess(null);
                }
            });
        }
        return terminated;
    }

    @Override
    public Future<?> terminationFuture() {
        return terminated;
    }

    @Override
    public boolean isShuttingDown() {
        synchronized (lock) {
            return shuttingDown;
        }
    }

    @Deprecated
    @Override
    public void shutdown() {
        shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Override
    public boolean isShutdown() {
        return isShuttingDown();
    }

    @Override
    public boolean isTerminated() {
        return terminated.isDone();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }
}
