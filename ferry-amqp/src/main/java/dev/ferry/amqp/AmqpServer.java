package dev.ferry.amqp;

import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.codec.FrameDecoder;
import dev.ferry.amqp.connection.AmqpConnectionHandler;
import dev.ferry.error.ErrorCode;
import dev.ferry.front.ListenAddresses;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AMQP 0-9-1 listener: binds a port on each configured address and gives each accepted socket
 * a {@link FrameDecoder} and an {@link AmqpConnectionHandler}. Uses epoll where Netty's native
 * transport loads, NIO elsewhere.
 *
 * <pre>
 * AmqpServer server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0));
 * int port = server.start();
 * ...
 * server.stop();
 * </pre>
 */
public final class AmqpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AmqpServer.class);
    /** How often a free port is picked again when another program holds it on a later address. */
    private static final int PORT_PICK_ATTEMPTS = 5;

    private final AmqpConfig config;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private ChannelGroup connections;
    private final List<Channel> listeners = new ArrayList<>();

    public AmqpServer(AmqpConfig config) {
        this.config = config.conclude();
    }

    /**
     * Binds every usable address and starts accepting; returns the bound port (useful with port 0).
     * A bind that fails stops the start with an {@link IllegalStateException} naming the address.
     */
    public synchronized int start() throws InterruptedException {
        if (!listeners.isEmpty()) {
            throw new IllegalStateException("already started");
        }
        boolean epoll = Epoll.isAvailable();
        acceptGroup = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        ioGroup = epoll ? new EpollEventLoopGroup(config.ioThreads()) : new NioEventLoopGroup(config.ioThreads());
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        connections = new DefaultChannelGroup("amqp-connections", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                // Deliveries stop at 1 MiB queued for a slow client and resume below 512 KiB.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.add(channel);
                        FrameDecoder decoder = new FrameDecoder(AmqpFrames.HANDSHAKE_FRAME_MAX);
                        channel.pipeline().addLast("frames", decoder);
                        channel.pipeline().addLast("connection", new AmqpConnectionHandler(config, decoder));
                    }
                });
        int port;
        try {
            List<InetAddress> addresses = ListenAddresses.usable(config.addresses(), "AMQP");
            if (addresses.isEmpty()) {
                throw new IllegalStateException("AMQP: no usable address to listen on among " + config.addresses());
            }
            port = bindAll(bootstrap, addresses);
        } catch (InterruptedException | RuntimeException e) {
            closeListeners();
            shutdownGroups();
            throw e;
        }
        config.resourceAlarm().addListener(this::onResourceAlarm);
        LOG.info("AMQP 0-9-1 listening on {} ({})", boundAddresses().stream().map(ListenAddresses::format)
                .collect(Collectors.joining(", ")), epoll ? "epoll" : "nio");
        return port;
    }

    /**
     * Binds every address on the configured port. With port 0 the first bind picks a free port and
     * the others take the same one, so a client reaches this broker whichever address its resolver
     * gives for a name; if another program holds that port on a later address, every listener is
     * closed and a new port is picked, a few times at most.
     */
    private int bindAll(ServerBootstrap bootstrap, List<InetAddress> addresses) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            int port = config.port();
            for (int i = 0; i < addresses.size(); i++) {
                InetSocketAddress address = new InetSocketAddress(addresses.get(i), port);
                ChannelFuture bound = bootstrap.bind(address).await();
                if (!bound.isSuccess()) {
                    closeListeners();
                    boolean pickAgain = config.port() == 0 && i > 0 && attempt < PORT_PICK_ATTEMPTS;
                    if (pickAgain) {
                        break;
                    }
                    throw new IllegalStateException("AMQP: cannot listen on " + ListenAddresses.format(address) + ": "
                            + bound.cause().getMessage(), bound.cause());
                }
                listeners.add(bound.channel());
                port = ((InetSocketAddress) bound.channel().localAddress()).getPort();
            }
            if (listeners.size() == addresses.size()) {
                return port;
            }
        }
    }

    /** Where the listener accepts connections, in the order the addresses were given. */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return listeners.stream().map(listener -> (InetSocketAddress) listener.localAddress()).toList();
    }

    private void closeListeners() {
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        listeners.clear();
    }

    /**
     * Stops accepting, tells every client with connection.close 320 CONNECTION_FORCED (as RabbitMQ
     * does on shutdown), waits up to the close timeout for their close-ok, then drops what is left
     * and releases the event loops.
     */
    public synchronized void stop() {
        if (listeners.isEmpty()) {
            return;
        }
        closeListeners();
        for (Channel connection : connections) {
            AmqpConnectionHandler handler = connection.pipeline().get(AmqpConnectionHandler.class);
            if (handler != null) {
                handler.close(ErrorCode.CONNECTION_FORCED, "broker forced connection closure with reason 'shutdown'");
            }
        }
        connections.newCloseFuture().awaitUninterruptibly(config.closeTimeoutMs());
        connections.close().syncUninterruptibly();
        shutdownGroups();
        LOG.info("AMQP 0-9-1 listener stopped");
    }

    @Override
    public void close() {
        stop();
    }

    /** Blocks every open connection's publishers while {@code reason} is set; unblocks when it is null. */
    private void onResourceAlarm(String reason) {
        ChannelGroup open = connections;
        if (open == null) {
            return;
        }
        if (reason != null) {
            LOG.warn("publishers blocked: {}", reason);
        } else {
            LOG.info("publishers unblocked: resource alarms cleared");
        }
        for (Channel connection : open) {
            AmqpConnectionHandler handler = connection.pipeline().get(AmqpConnectionHandler.class);
            if (handler != null) {
                if (reason != null) {
                    handler.block(reason);
                } else {
                    handler.unblock();
                }
            }
        }
    }

    private void shutdownGroups() {
        acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
