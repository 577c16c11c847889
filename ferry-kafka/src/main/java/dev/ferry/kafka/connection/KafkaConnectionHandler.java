package dev.ferry.kafka.connection;

import dev.ferry.front.ConnectionFlowControl;
import dev.ferry.front.ConnectionFlowControl.Pause;
import dev.ferry.front.OutboundBatcher;
import dev.ferry.front.tls.TlsPeer;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.ApiHandlers;
import dev.ferry.kafka.api.ApiVersionsHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAuthentication;
import dev.ferry.kafka.security.KafkaSession;
import dev.ferry.kafka.wire.ConnectionNames;
import dev.ferry.kafka.wire.ResponseWriter;
import dev.ferry.text.LogSafe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka client connection: decodes each request frame with kafka-clients' generated classes,
 * hands it to the handler of its API key and writes the responses back <em>in request order</em>,
 * whatever order the handlers finish in (clients pipeline several requests and match responses by
 * order as well as by correlation id).
 *
 * <p>Responses written while a socket read is handled are flushed once when the read completes;
 * responses that complete later (after an fsync, at the end of a long poll) are flushed once per
 * batch of event-loop tasks ({@link OutboundBatcher}). At most {@code maxRequestsInFlight} requests
 * are handled at once; beyond that the socket is not read until half of them are answered. Nor is
 * it read while more answers than the socket's high water mark wait to be sent (the client does
 * not read them); fetched file regions count at their size ({@link AnswerSizes}).
 *
 * <p>Bad input ends this connection only, with one log line and no stack trace, as Kafka's broker
 * does: an API key this broker does not serve, a version outside the served range (except
 * ApiVersions, answered in version 0 with UNSUPPORTED_VERSION so the client can retry), a header or
 * body that does not decode.
 *
 * <p>Event loop only, except the completion callbacks, which hop onto it.
 */
public final class KafkaConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnectionHandler.class);
    /** apiKey, apiVersion, correlationId: the part of every request header a version does not change. */
    private static final int FIXED_HEADER_BYTES = 8;

    private final ApiHandlers handlers;
    private final ApiVersionsHandler apiVersions;
    private final int maxRequestsInFlight;
    private final SecurityProtocol securityProtocol;
    /** Known once the first request arrives, when an SSL connection's handshake is over. */
    private KafkaPrincipal principal;
    private final KafkaAuthentication authentication;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private ChannelHandlerContext context;
    private OutboundBatcher batcher;
    private ConnectionFlowControl flowControl;
    private String name;
    private KafkaSession session;
    private boolean closing;

    /**
     * @param securityProtocol the listener's: SSL when a TLS handler is in front of this one
     * @param authentication   how clients log in (SASL, or anonymous)
     */
    public KafkaConnectionHandler(ApiHandlers handlers, int maxRequestsInFlight, SecurityProtocol securityProtocol,
                                  KafkaAuthentication authentication) {
        this.handlers = handlers;
        this.apiVersions = (ApiVersionsHandler) handlers.forId(ApiKeys.API_VERSIONS.id);
        this.maxRequestsInFlight = maxRequestsInFlight;
        this.securityProtocol = securityProtocol;
        this.authentication = authentication;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.context = context;
        context.channel().config().setMessageSizeEstimator(AnswerSizes.INSTANCE);
        this.batcher = new OutboundBatcher(context);
        this.flowControl = new ConnectionFlowControl(context.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        name = ConnectionNames.of(context.channel());
        session = KafkaSession.open(authentication, context.channel().remoteAddress());
        if (session.refused()) {
            // Said once here, not per request: the client learns nothing it could use to probe.
            LOG.warn("Kafka connection {} refused: unauthenticated (PLAINTEXT) clients are not let in from there; "
                    + "log in over SASL_PLAINTEXT instead", name);
            closing = true;
            context.close();
            return;
        }
        LOG.info("Kafka connection {} opened", name);
        context.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        closing = true;
        LOG.info("Kafka connection {} closed", name);
        context.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        batcher.readStarted();
        ByteBuf frame = (ByteBuf) message;
        if (closing) {
            frame.release();
            return;
        }
        onRequest(frame);
    }

    /**
     * Like Kafka, which reads nothing more from a connection until its answer is sent: requests are
     * not read while answers above the high water mark wait for the client, or a client that sends
     * and never reads would have the broker hold every answer (an ApiVersions answer is some 30 times
     * its request) until memory runs out.
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        flowControl.writabilityChanged();
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        batcher.readComplete();
        context.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.info("Kafka connection {} lost: {}", name, LogSafe.text(cause.getMessage()));
        } else {
            LOG.warn("Kafka connection {} failed: {}", name, LogSafe.text(cause));
        }
        closing = true;
        context.close();
    }

    private void onRequest(ByteBuf frame) {
        if (frame.readableBytes() < FIXED_HEADER_BYTES) {
            frame.release();
            refuse("a request of " + frame.readableBytes() + " bytes, too short for a request header");
            return;
        }
        short apiKeyId = frame.getShort(0);
        short version = frame.getShort(2);
        int correlationId = frame.getInt(4);
        ApiHandler handler = handlers.forId(apiKeyId);
        if (handler != null && handler == apiVersions && version > handler.latestVersion()) {
            frame.release();
            // KIP-511: a client newer than the broker learns the versions it may use from a v0 answer.
            InFlight answered = new InFlight(ApiKeys.API_VERSIONS, (short) 0, correlationId, null);
            answered.headerVersion = 0;
            inFlight.add(answered);
            complete(answered, apiVersions.unsupportedVersionResponse(), null);
            return;
        }
        if (handler == null) {
            frame.release();
            String key = ApiKeys.hasId(apiKeyId) ? ApiKeys.forId(apiKeyId).name + " (" + apiKeyId + ")" : "unknown (" + apiKeyId + ")";
            refuse("API key " + key + " is not served by this broker");
            return;
        }
        ApiKeys apiKey = handler.apiKey();
        if (version < handler.oldestVersion() || version > handler.latestVersion()) {
            frame.release();
            refuse(apiKey.name + " version " + version + " is not served (versions " + handler.oldestVersion() + " to "
                    + handler.latestVersion() + ")");
            return;
        }
        RequestHeaderData header;
        ApiMessage body;
        try {
            ByteBufferAccessor reader = new ByteBufferAccessor(frame.nioBuffer());
            header = new RequestHeaderData(reader, apiKey.requestHeaderVersion(version));
            body = apiKey.messageType.newRequest();
            body.read(reader, version);
        } catch (RuntimeException e) {
            frame.release();
            refuse("a " + apiKey.name + " v" + version + " request that does not decode: " + e.getMessage());
            return;
        }
        if (!session.mayServe(apiKey)) {
            frame.release();
            refuse(session.failed() ? "a " + apiKey.name + " request after a failed login"
                    : "unexpected Kafka request of type " + apiKey.name + " during SASL handshake");
            return;
        }
        InFlight request = new InFlight(apiKey, version, correlationId, frame);
        inFlight.add(request);
        if (inFlight.size() >= maxRequestsInFlight) {
            flowControl.pause(Pause.CONGESTION);
        }
        RequestContext requestContext = new RequestContext(version, correlationId, header.clientId(), name,
                System.currentTimeMillis(), context.executor(), securityProtocol, principal(), session);
        CompletionStage<? extends ApiMessage> response;
        try {
            response = handler.handle(requestContext, body);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        response.whenComplete((answer, error) -> {
            if (context.executor().inEventLoop()) {
                complete(request, answer, error);
            } else {
                context.executor().execute(() -> complete(request, answer, error));
            }
        });
    }

    /**
     * Kafka's default principal: an SSL client with a verified certificate is "User:" + the
     * certificate's distinguished name, everyone else User:ANONYMOUS.
     */
    private KafkaPrincipal principal() {
        if (principal == null) {
            principal = TlsPeer.verifiedCertificate(context.channel())
                    .map(certificate -> new KafkaPrincipal(KafkaPrincipal.USER_TYPE, TlsPeer.distinguishedName(certificate)))
                    .orElse(KafkaPrincipal.ANONYMOUS);
            if (securityProtocol == SecurityProtocol.SSL) {
                LOG.info("Kafka connection {} is {}", name, LogSafe.text(principal.toString()));
            }
        }
        return principal;
    }

    /** A request is answered: its frame goes back, and every answered request at the head is written. */
    private void complete(InFlight request, ApiMessage response, Throwable error) {
        request.done = true;
        request.response = response;
        request.error = error;
        if (request.frame != null) {
            request.frame.release();
            request.frame = null;
        }
        while (!closing && !inFlight.isEmpty() && inFlight.peekFirst().done) {
            InFlight head = inFlight.pollFirst();
            if (head.error != null) {
                LOG.error("Kafka connection {}: {} v{} (correlation id {}) failed; closing the connection", name,
                        head.apiKey.name, head.apiVersion, head.correlationId, head.error);
                refuse("an internal error");
                return;
            }
            if (head.response != null) {
                short headerVersion = head.headerVersion >= 0 ? head.headerVersion
                        : head.apiKey.responseHeaderVersion(head.apiVersion);
                List<Object> parts;
                try {
                    parts = ResponseWriter.encode(context.alloc(), head.correlationId, headerVersion, head.apiVersion,
                            head.response);
                } catch (RuntimeException e) {
                    LOG.error("Kafka connection {}: the {} v{} response (correlation id {}) does not encode; closing the "
                            + "connection", name, head.apiKey.name, head.apiVersion, head.correlationId, e);
                    refuse("an internal error");
                    return;
                }
                for (Object part : parts) {
                    batcher.write(part);
                }
            }
            if (session.failed() && (head.apiKey == ApiKeys.SASL_HANDSHAKE || head.apiKey == ApiKeys.SASL_AUTHENTICATE)) {
                // The client has its SASL error; Kafka closes the connection after it, and so do we.
                closing = true;
                flowControl.pause(Pause.REFUSED);
                batcher.forgetPending();
                context.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
        if (closing) {
            inFlight.clear();
        } else if (flowControl.isPaused(Pause.CONGESTION) && inFlight.size() <= maxRequestsInFlight / 2) {
            flowControl.resume(Pause.CONGESTION);
        }
    }

    /** Ends the connection for a client's mistake: what is already answered is sent, nothing more is read. */
    private void refuse(String why) {
        if (closing) {
            return;
        }
        closing = true;
        flowControl.pause(Pause.REFUSED);
        LOG.warn("Kafka connection {} closed: {}", name, LogSafe.text(why));
        batcher.forgetPending();
        context.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** One request between being read and being answered. */
    private static final class InFlight {
        final ApiKeys apiKey;
        final short apiVersion;
        final int correlationId;
        ByteBuf frame;
        short headerVersion = -1;
        boolean done;
        ApiMessage response;
        Throwable error;

        InFlight(ApiKeys apiKey, short apiVersion, int correlationId, ByteBuf frame) {
            this.apiKey = apiKey;
            this.apiVersion = apiVersion;
            this.correlationId = correlationId;
            this.frame = frame;
        }
    }
}
