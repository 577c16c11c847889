package dev.ferry.http;

import dev.ferry.front.ListenAddresses;
import dev.ferry.front.TcpListener;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management HTTP API listener: a {@link TcpListener} whose sockets get Netty's HTTP codec, an
 * aggregator bounded by the largest accepted body, and an {@link ApiChannelHandler}. Requests run
 * on a small pool of worker threads ({@code ferry-http-worker-N}); the event loops only move bytes.
 *
 * <pre>
 * HttpApiServer server = new HttpApiServer(new HttpApiConfig().broker(broker).users(users).port(0));
 * int port = server.start();
 * ...
 * server.stop();
 * </pre>
 */
public final class HttpApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);
    private static final int MAX_INITIAL_LINE_BYTES = 8 * 1024;

    private final HttpApiConfig config;
    private final ApiRouter router;
    private TcpListener listener;
    private ExecutorService workers;

    public HttpApiServer(HttpApiConfig config) {
        this.config = config.conclude();
        this.router = new ApiRouter(this.config);
    }

    /** Binds every usable address and starts accepting; returns the bound port (useful with port 0). */
    public synchronized int start() throws InterruptedException {
        if (listener != null && listener.isListening()) {
            throw new IllegalStateException("already started");
        }
        // A fork-join pool: handing it a task from an event loop never parks (its queues are lock-free).
        workers = new ForkJoinPool(config.workerThreads(), pool -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            thread.setName("ferry-http-worker-" + thread.getPoolIndex());
            thread.setDaemon(true);
            return thread;
        }, null, true);
        ExecutorService requestWorkers = workers;
        String name = config.tls() == null ? "HTTP" : "HTTPS";
        listener = new TcpListener(name, config.ioThreads(), channel -> {
            if (config.tls() != null) {
                config.tls().addTo(channel.pipeline(), name);
            }
            channel.pipeline().addLast("http", new HttpServerCodec(MAX_INITIAL_LINE_BYTES, config.maxHeaderBytes(),
                    8192));
            channel.pipeline().addLast("aggregator", new HttpObjectAggregator(config.maxBodyBytes(), true));
            channel.pipeline().addLast("api", new ApiChannelHandler(router, config.users(), config.loginThrottle(),
                    requestWorkers));
        });
        int port = listener.bind(config.addresses(), config.port(), bound -> { });
        router.rates().start();
        // "HTTP listening on" and "HTTPS listening on" are read by scripts and tests.
        LOG.info("{} listening on {} ({}): management API", name, boundAddresses().stream().map(ListenAddresses::format)
                .collect(Collectors.joining(", ")), listener.transport());
        return port;
    }

    public synchronized List<InetSocketAddress> boundAddresses() {
        return listener == null ? List.of() : listener.boundAddresses();
    }

    /** Stops accepting, closes every connection and lets running requests end. */
    public synchronized void stop() {
        if (listener == null || !listener.isListening()) {
            return;
        }
        listener.shutdown();
        router.rates().close();
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("{} listener stopped", config.tls() == null ? "HTTP" : "HTTPS");
    }

    @Override
    public void close() {
        stop();
    }
}
