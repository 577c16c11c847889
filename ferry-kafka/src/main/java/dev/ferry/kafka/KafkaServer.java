package dev.ferry.kafka;

import dev.ferry.front.ListenAddresses;
import dev.ferry.kafka.connection.KafkaConnectionHandler;
import dev.ferry.kafka.wire.RequestFrameDecoder;
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
 * The Kafka listener: binds the port on each configured address and gives each accepted socket a
 * {@link RequestFrameDecoder} and a {@link KafkaConnectionHandler}. Epoll where Netty's native
 * transport loads, NIO elsewhere, as the AMQP listener.
 *
 * <pre>
 * KafkaServer server = new KafkaServer(new KafkaConfig().addresses(addresses).port(0).node(node).handlers(handlers));
 * int port = server.start();
 * ...
 * server.stop();
 * </pre>
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);
    private static final int PORT_PICK_ATTEMPTS = 5;

    private final KafkaConfig config;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private ChannelGroup connections;
    private final List<Channel> listeners = new ArrayList<>();

    public KafkaServer(KafkaConfig config) {
        this.config = config.conclude();
    }

    /** Binds every usable address and starts accepting; returns the bound port (useful with port 0). */
    public synchronized int start() throws InterruptedException {
        if (!listeners.isEmpty()) {
            throw new IllegalStateException("already started");
        }
        boolean epoll = Epoll.isAvailable();
        acceptGroup = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        ioGroup = epoll ? new EpollEventLoopGroup(config.ioThreads()) : new NioEventLoopGroup(config.ioThreads());
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        connections = new DefaultChannelGroup("kafka-connections", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.add(channel);
                        channel.pipeline().addLast("frames", new RequestFrameDecoder(config.requestMaxBytes()));
                        channel.pipeline().addLast("requests",
                                new KafkaConnectionHandler(config.handlers(), config.maxRequestsInFlight()));
                    }
                });
        int port;
        try {
            List<InetAddress> addresses = ListenAddresses.usable(config.addresses(), "Kafka");
            if (addresses.isEmpty()) {
                throw new IllegalStateException("Kafka: no usable address to listen on among " + config.addresses());
            }
            // Set before any bind: a client may connect the moment the first listener is bound.
            if (config.port() != 0) {
                config.node().advertisedPort(config.port());
            }
            port = bindAll(bootstrap, addresses);
            config.node().advertisedPort(port);
        } catch (InterruptedException | RuntimeException e) {
            closeListeners();
            shutdownGroups();
            throw e;
        }
        LOG.info("Kafka listening on {} ({}), advertised as {}:{}, node {} of cluster {}",
                boundAddresses().stream().map(ListenAddresses::format).collect(Collectors.joining(", ")),
                epoll ? "epoll" : "nio", config.node().advertisedHost(), port, config.node().nodeId(),
                config.node().clusterId());
        return port;
    }

    /** As the AMQP listener: with port 0 the first bind picks the port and the others take the same one. */
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
                    throw new IllegalStateException("Kafka: cannot listen on " + ListenAddresses.format(address) + ": "
                            + bound.cause().getMessage(), bound.cause());
                }
                listeners.add(bound.channel());
                port = ((InetSocketAddress) bound.channel().localAddress()).getPort();
                if (i == 0) {
                    config.node().advertisedPort(port);
                }
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

    /** Stops accepting and closes every connection; Kafka clients reconnect to another broker, or retry. */
    public synchronized void stop() {
        if (listeners.isEmpty()) {
            return;
        }
        closeListeners();
        connections.close().syncUninterruptibly();
        shutdownGroups();
        LOG.info("Kafka listener stopped");
    }

    @Override
    public void close() {
        stop();
    }

    private void shutdownGroups() {
        acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
