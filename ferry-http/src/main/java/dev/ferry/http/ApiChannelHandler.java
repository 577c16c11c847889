package dev.ferry.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.access.ClientAddress;
import dev.ferry.access.LoginThrottle;
import dev.ferry.error.BrokerException;
import dev.ferry.text.LogSafe;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP connection of the management API. On the event loop it only copies each decoded
 * request out of Netty's buffers and queues it; a worker thread logs the user in, runs the
 * endpoint and writes the answer. Requests of one connection run one at a time, in order (HTTP/1.1
 * pipelining), and the socket is not read while one is running, so a client cannot queue up work.
 *
 * <p>A failed login (wrong user or password, not a missing Authorization header, which browsers and
 * curl send first) is answered 401 after the delay the broker's {@link LoginThrottle} sets for that
 * address; the delay is a timer, no worker waits, and the connection's next request waits behind it.
 *
 * <p>A request the codec could not decode (a malformed line, headers past the limit) is answered
 * with 400 / 414 / 431 and its connection closed; no other connection notices.
 */
final class ApiChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiChannelHandler.class);
    private static final String API_PREFIX = "/api/";
    private static final String REALM = "Basic realm=\"RabbitMQ Management\"";
    /** The web console's files, served on this port beside the API (no login: the page logs in through the API). */
    private static final ConsoleFiles CONSOLE = new ConsoleFiles();

    /** A request copied off Netty's buffers, ready for a worker. */
    private record Pending(String method, String uri, HttpHeaders headers, byte[] body, boolean keepAlive) {
    }

    private final ApiRouter router;
    private final ApiUsers users;
    private final LoginThrottle throttle;
    private final Executor worker;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private boolean running;

    ApiChannelHandler(ApiRouter router, ApiUsers users, LoginThrottle throttle, Executor worker) {
        this.router = router;
        this.users = users;
        this.throttle = throttle;
        this.worker = worker;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            refuseUndecodable(ctx, request.decoderResult().cause());
            return;
        }
        waiting.add(new Pending(request.method().name(), request.uri(), request.headers().copy(),
                ByteBufUtil.getBytes(request.content()), HttpUtil.isKeepAlive(request)));
        ctx.channel().config().setAutoRead(false);
        startNext(ctx);
    }

    private void startNext(ChannelHandlerContext ctx) {
        if (running) {
            return;
        }
        Pending next = waiting.poll();
        if (next == null) {
            ctx.channel().config().setAutoRead(true);
            return;
        }
        running = true;
        worker.execute(() -> process(ctx, next));
    }

    /** Runs on the event loop once a response is on its way. */
    private void finished(ChannelHandlerContext ctx) {
        running = false;
        if (ctx.channel().isActive()) {
            startNext(ctx);
        }
    }

    private void refuseUndecodable(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST;
        LOG.info("HTTP connection {}: undecodable request ({}), closing it", ctx.channel().remoteAddress(),
                LogSafe.text(String.valueOf(cause.getMessage())));
        send(ctx, errorResponse(status.code(), "bad_request", status.reasonPhrase()), false);
    }

    // ---------------------------------------------------------------- on a worker thread

    private void process(ChannelHandlerContext ctx, Pending request) {
        String rawPath = new QueryStringDecoder(request.uri()).rawPath();
        if (ConsoleFiles.isConsolePath(rawPath)) {
            try {
                send(ctx, CONSOLE.respond(request.method(), rawPath, request.headers().get(HttpHeaderNames.IF_NONE_MATCH),
                        request.keepAlive()), request.keepAlive());
            } finally {
                ctx.executor().execute(() -> finished(ctx));
            }
            return;
        }
        CompletableFuture<ApiResponse> answer;
        try {
            answer = answer(ctx.channel().remoteAddress(), request);
        } catch (LoginFailed e) {
            // Answered later, by a timer: guessing passwords costs the guesser time, not a worker.
            answer = new CompletableFuture<>();
            CompletableFuture<ApiResponse> refused = answer;
            CompletableFuture.delayedExecutor(e.delayMs, TimeUnit.MILLISECONDS, worker)
                    .execute(() -> refused.completeExceptionally(e.refusal));
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            // A linkage error (a class built against another version) or a runaway recursion fails
            // this request with a 500; thrown on, it left the client waiting for an answer.
            answer = CompletableFuture.failedFuture(e);
        }
        // Endpoints complete on queue owner threads; the JSON is written back here, on a worker.
        answer.whenCompleteAsync((response, error) -> {
            try {
                if (error != null) {
                    sendError(ctx, error, request);
                } else {
                    write(ctx, response, request.keepAlive());
                }
            } finally {
                ctx.executor().execute(() -> finished(ctx));
            }
        }, worker);
    }

    private CompletableFuture<ApiResponse> answer(SocketAddress from, Pending request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String rawPath = uri.rawPath();
        if (!rawPath.startsWith(API_PREFIX) && !rawPath.equals("/api")) {
            throw ApiException.notFound();
        }
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.substring(Math.min(rawPath.length(), API_PREFIX.length())).split("/", -1)) {
            // A path is not form-encoded: '+' is itself there (RabbitMQ reads "a+b" as a+b), only %XX is decoded.
            segments.add(QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        // "/api/queues/" lists like "/api/queues", as RabbitMQ's router allows.
        if (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
            segments.remove(segments.size() - 1);
        }
        ApiUser user = ApiRouter.needsLogin(segments) ? logIn(from, request.headers()) : null;
        Map<String, String> query = new LinkedHashMap<>();
        uri.parameters().forEach((name, values) -> query.put(name, values.get(0)));
        ApiRequest apiRequest = new ApiRequest(request.method(), segments, query, request.body(), user,
                request.headers()::get);
        return router.route(apiRequest);
    }

    /** Basic auth against the broker's users; the tag rules of RabbitMQ decide who may use the API at all. */
    private ApiUser logIn(SocketAddress from, HttpHeaders headers) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new ApiException(401, null, null);
        }
        String username;
        String password;
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("no colon");
            }
            username = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            throw new ApiException(401, "not_authorized", "Login failed");
        }
        Optional<ApiUser> user = users.authenticate(username, password, from);
        String address = ClientAddress.host(from);
        if (user.isEmpty()) {
            long now = System.currentTimeMillis();
            throttle.failed(address, now);
            long delayMs = throttle.delayMs(address, now);
            LOG.warn("HTTP login failed for user '{}' from {} (answered after {} ms)", LogSafe.text(username), from,
                    delayMs);
            throw new LoginFailed(new ApiException(401, "not_authorized", "Login failed"), delayMs);
        }
        throttle.succeeded(address);
        if (!user.get().isManagementUser()) {
            LOG.warn("HTTP access refused to user '{}' from {}: no management tag", LogSafe.text(username), from);
            throw ApiException.notAuthorised("Not management user");
        }
        return user.get();
    }

    /** A wrong user name or password: the 401 to answer and how long it waits. */
    private static final class LoginFailed extends RuntimeException {
        final ApiException refusal;
        final long delayMs;

        LoginFailed(ApiException refusal, long delayMs) {
            super(null, null, false, false);
            this.refusal = refusal;
            this.delayMs = delayMs;
        }
    }

    private static void write(ChannelHandlerContext ctx, ApiResponse response, boolean keepAlive) {
        if (response.body() == null) {
            FullHttpResponse empty = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(response.status()), Unpooled.EMPTY_BUFFER);
            HttpUtil.setContentLength(empty, 0);
            HttpUtil.setKeepAlive(empty, keepAlive);
            send(ctx, empty, keepAlive);
            return;
        }
        ChunkedJsonOutput out = new ChunkedJsonOutput(ctx, HttpResponseStatus.valueOf(response.status()), keepAlive);
        try (JsonGenerator json = ApiRequest.JSON.getFactory().createGenerator(out)) {
            response.body().write(json);
        } catch (IOException | RuntimeException e) {
            out.discard();
            if (out.isCommitted()) {
                // Half a document went out: the client must not take it for a whole one.
                LOG.info("HTTP connection {}: response abandoned: {}", ctx.channel().remoteAddress(), e.toString());
                ctx.close();
                return;
            }
            sendError(ctx, e, null);
            return;
        }
        out.finish();
    }

    private static void sendError(ChannelHandlerContext ctx, Throwable error, Pending request) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof BrokerException refusal) {
            cause = ApiException.from(refusal);
        }
        boolean keepAlive = request == null || request.keepAlive();
        if (cause instanceof ApiException refusal) {
            FullHttpResponse response = refusal.error() == null
                    ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(refusal.status()),
                    Unpooled.EMPTY_BUFFER)
                    : errorResponse(refusal.status(), refusal.error(), refusal.reason());
            if (refusal.status() == 401) {
                response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, REALM);
            }
            HttpUtil.setContentLength(response, response.content().readableBytes());
            HttpUtil.setKeepAlive(response, keepAlive);
            send(ctx, response, keepAlive);
            return;
        }
        LOG.warn("HTTP {} {} failed: {}", request == null ? "" : request.method(),
                request == null ? "" : LogSafe.text(request.uri()), cause.toString());
        FullHttpResponse response = errorResponse(500, "internal_server_error", String.valueOf(cause.getMessage()));
        HttpUtil.setKeepAlive(response, keepAlive);
        send(ctx, response, keepAlive);
    }

    static FullHttpResponse errorResponse(int status, String error, String reason) {
        Map<String, String> document = new LinkedHashMap<>();
        document.put("error", error);
        document.put("reason", reason);
        byte[] body;
        try {
            body = ApiRequest.JSON.writeValueAsBytes(document);
        } catch (IOException e) {
            body = ("{\"error\":\"" + error + "\"}").getBytes(StandardCharsets.UTF_8);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        HttpUtil.setContentLength(response, body.length);
        return response;
    }

    /** Writes the last part of a response; closes the connection after it unless it is kept alive. */
    static void send(ChannelHandlerContext ctx, HttpObject last, boolean keepAlive) {
        var written = ctx.writeAndFlush(last);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.info("HTTP connection {} error: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
