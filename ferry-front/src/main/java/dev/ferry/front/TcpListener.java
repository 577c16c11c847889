package dev.ferry.front;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The TCP side both protocol fronts share: one port bound on every usable address, an accept
 * thread and a pool of I/O event loops (epoll where Netty's native transport loads, NIO elsewhere)
 * made as connections need them, each new connection going to the loop with the fewest open ones
 * ({@link BalancedLoopGroup}), the open connections as a group, and the socket options every front
 * wants. The front gives the pipeline of an accepted socket; what it speaks is none of this class's business.
 *
 * <p>With port 0 the first bind picks a free port and the others take the same one, so a client
 * reaches the broker whichever address its resolver gives for a name; if another program holds
 * that port on a later address, every listener is closed and a new port is picked, a few times at
 * most. Not thread-safe: the owning server calls it under its own lock.
 */
public final class TcpListener {
    private static final int PORT_PICK_ATTEMPTS = 5;

    private final String protocol;
    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup acceptGroup;
    private final BalancedLoopGroup ioGroup;
    private final ChannelGroup connections;
    private final ServerBootstrap bootstrap;
    private final List<Channel> listeners = new ArrayList<>();

    /**
     * @param protocol    the front's name in errors and thread names ("AMQP", "Kafka")
     * @param ioThreads   the most event loops for accepted connections (0: twice the cores, Netty's
     *                    default); a loop is made, with its thread, when a connection first needs it
     * @param pipeline    adds the front's handlers to an accepted socket's pipeline
     */
    public TcpListener(String protocol, int ioThreads, Consumer<SocketChannel> pipeline) {
        this.protocol = protocol;
        this.acceptGroup = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        int loops = ioThreads > 0 ? ioThreads : 2 * Runtime.getRuntime().availableProcessors();
        this.ioGroup = new BalancedLoopGroup(loops, epoll, protocol.toLowerCase(Locale.ROOT) + "-io");
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.connections = new DefaultChannelGroup(protocol + "-connections", GlobalEventExecutor.INSTANCE);
        this.bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                // Writes to a slow client stop at 1 MiB queued and resume below 512 KiB.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.add(channel);
                        pipeline.accept(channel);
                    }
                });
    }

    /** "epoll" or "nio", for the start line. */
    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    /**
     * Binds {@code port} on every usable address of {@code configured}; returns the bound port.
     * {@code firstBound} hears the port as soon as the first address is bound (a client may connect
     * from then on). A failure releases everything and throws {@link IllegalStateException} naming
     * the address.
     */
    public int bind(List<InetAddress> configured, int port, IntConsumer firstBound) throws InterruptedException {
        try {
            List<InetAddress> addresses = ListenAddresses.usable(configured, protocol);
            if (addresses.isEmpty()) {
                throw new IllegalStateException(protocol + ": no usable address to listen on among " + configured);
            }
            return bindAll(addresses, port, firstBound);
        } catch (InterruptedException | RuntimeException e) {
            closeListeners();
            shutdownGroups();
            throw e;
        }
    }

    private int bindAll(List<InetAddress> addresses, int configuredPort, IntConsumer firstBound)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            int port = configuredPort;
            for (int i = 0; i < addresses.size(); i++) {
                InetSocketAddress address = new InetSocketAddress(addresses.get(i), port);
                ChannelFuture bound = bootstrap.bind(address).await();
                if (!bound.isSuccess()) {
                    closeListeners();
                    boolean pickAgain = configuredPort == 0 && i > 0 && attempt < PORT_PICK_ATTEMPTS;
                    if (pickAgain) {
                        break;
                    }
                    throw new IllegalStateException(protocol + ": cannot listen on " + ListenAddresses.format(address)
                            + ": " + bound.cause().getMessage(), bound.cause());
                }
                listeners.add(bound.channel());
                port = ((InetSocketAddress) bound.channel().localAddress()).getPort();
                if (i == 0) {
                    firstBound.accept(port);
                }
            }
            if (listeners.size() == addresses.size()) {
                return port;
            }
        }
    }

    public boolean isListening() {
        return !listeners.isEmpty();
    }

    /** Where it accepts connections, in the order the addresses were given. */
    public List<InetSocketAddress> boundAddresses() {
        return listeners.stream().map(listener -> (InetSocketAddress) listener.localAddress()).toList();
    }

    /** The accepted connections still open. */
    public ChannelGroup connections() {
        return connections;
    }

    /** Open connections per event loop, in the group's order. */
    int[] connectionsPerLoop() {
        return ioGroup.connectionsPerLoop();
    }

    /** Stops accepting new connections; the open ones carry on. */
    public void closeListeners() {
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        listeners.clear();
    }

    /** Closes every connection still open and releases the event loops. */
    public void shutdown() {
        closeListeners();
        connections.close().syncUninterruptibly();
        shutdownGroups();
    }

    private void shutdownGroups() {
        acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
