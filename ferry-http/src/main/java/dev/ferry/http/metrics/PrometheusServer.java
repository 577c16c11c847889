package dev.ferry.http.metrics;

import dev.ferry.front.ListenAddresses;
import dev.ferry.front.TcpListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus scrape endpoint, as rabbitmq_prometheus serves it: {@code GET /metrics} and
 * {@code GET /metrics/per-object} on a port of its own, no authentication. Scrapes run on one
 * thread of their own ({@code ferry-prometheus-scrape}), one at a time, never on an event loop; a malformed
 * request gets 400 and its connection closed.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusServer.class);
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final BrokerMetrics metrics;
    private final List<InetAddress> addresses;
    private final int port;
    private TcpListener listener;
    private ExecutorService scraper;

    public PrometheusServer(BrokerMetrics metrics, List<InetAddress> addresses, int port) {
        this.metrics = metrics;
        this.addresses = List.copyOf(addresses);
        this.port = port;
    }

    /** Binds and starts serving; returns the bound port (useful with port 0). */
    public synchronized int start() throws InterruptedException {
        // A fork-join pool: handing it a scrape from an event loop never parks (its queues are lock-free).
        scraper = new ForkJoinPool(1, pool -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            thread.setName("ferry-prometheus-scrape");
            thread.setDaemon(true);
            return thread;
        }, null, true);
        ExecutorService scrapes = scraper;
        listener = new TcpListener("Prometheus", 1, channel -> {
            channel.pipeline().addLast("http", new HttpServerCodec(4096, 8192, 8192));
            channel.pipeline().addLast("aggregator", new HttpObjectAggregator(64 * 1024));
            channel.pipeline().addLast("metrics", new ScrapeHandler(scrapes));
        });
        int bound = listener.bind(addresses, port, ignored -> { });
        LOG.info("Prometheus listening on {} ({}): /metrics", listener.boundAddresses().stream()
                .map(ListenAddresses::format).collect(Collectors.joining(", ")), listener.transport());
        return bound;
    }

    public synchronized List<InetSocketAddress> boundAddresses() {
        return listener == null ? List.of() : listener.boundAddresses();
    }

    public synchronized void stop() {
        if (listener == null || !listener.isListening()) {
            return;
        }
        listener.shutdown();
        scraper.shutdownNow();
        LOG.info("Prometheus listener stopped");
    }

    @Override
    public void close() {
        stop();
    }

    private final class ScrapeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ExecutorService scrapes;

        ScrapeHandler(ExecutorService scrapes) {
            this.scrapes = scrapes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (request.decoderResult().isFailure()) {
                respond(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            boolean perObject = path.equals("/metrics/per-object");
            if (!path.equals("/metrics") && !perObject) {
                respond(ctx, HttpResponseStatus.NOT_FOUND, "not found: try /metrics\n", keepAlive);
                return;
            }
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "GET only\n", keepAlive);
                return;
            }
            ctx.channel().config().setAutoRead(false);
            scrapes.execute(() -> {
                try {
                    respond(ctx, HttpResponseStatus.OK, perObject ? metrics.scrapePerObject() : metrics.scrape(), keepAlive);
                } catch (RuntimeException e) {
                    LOG.warn("scrape failed: {}", e.toString());
                    respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed\n", false);
                } finally {
                    ctx.channel().config().setAutoRead(true);
                }
            });
        }

        private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, TEXT_FORMAT);
            HttpUtil.setContentLength(response, response.content().readableBytes());
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
