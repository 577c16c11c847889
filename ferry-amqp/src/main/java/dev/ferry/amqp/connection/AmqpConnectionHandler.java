package dev.ferry.amqp.connection;

import dev.ferry.access.AccessControl;
import dev.ferry.access.ClientAddress;
import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.auth.SaslCredentials;
import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.codec.FrameDecoder;
import dev.ferry.amqp.codec.FrameWriter;
import dev.ferry.amqp.codec.InboundFrame;
import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.amqp.codec.WireFormat;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.amqp.method.ChannelClose;
import dev.ferry.amqp.method.ChannelCloseOk;
import dev.ferry.amqp.method.ChannelOpen;
import dev.ferry.amqp.method.ChannelOpenOk;
import dev.ferry.amqp.method.ConnectionBlocked;
import dev.ferry.amqp.method.ConnectionClose;
import dev.ferry.amqp.method.ConnectionCloseOk;
import dev.ferry.amqp.method.ConnectionOpen;
import dev.ferry.amqp.method.ConnectionOpenOk;
import dev.ferry.amqp.method.ConnectionStart;
import dev.ferry.amqp.method.ConnectionStartOk;
import dev.ferry.amqp.method.ConnectionTune;
import dev.ferry.amqp.method.ConnectionTuneOk;
import dev.ferry.amqp.method.ConnectionUnblocked;
import dev.ferry.amqp.method.ConnectionUpdateSecret;
import dev.ferry.amqp.method.ConnectionUpdateSecretOk;
import dev.ferry.broker.ResourceAlarm;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.front.ConnectionFlowControl.Pause;
import dev.ferry.front.ConnectionFlowControl;
import dev.ferry.front.LoopTurnShare;
import dev.ferry.front.OutboundBatcher;
import dev.ferry.front.registry.ChannelSnapshot;
import dev.ferry.front.tls.TlsPeer;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import dev.ferry.queue.DeliveryGate;
import dev.ferry.text.LogSafe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection-level state machine of one AMQP 0-9-1 connection: handshake (start, tune, open),
 * heartbeats, channel numbers, content assembly, close from either side, and error replies.
 * Frames for open channels go to their {@link ChannelMethodHandler}.
 *
 * <pre>
 * AWAIT_HEADER -> AWAIT_START_OK -> AWAIT_TUNE_OK -> AWAIT_OPEN -> OPEN
 *        any state --(error or server close)--> CLOSING --(close-ok or timeout)--> socket closed
 *        any state --(client connection.close)--> close-ok sent, socket closed
 *        AWAIT_START_OK, AWAIT_TUNE_OK --(error RabbitMQ does not answer)--> REFUSED --(delay)--> socket closed
 * </pre>
 *
 * <p>Everything here runs on the connection's event loop; the public {@link AmqpConnection} and
 * {@link AmqpChannel} methods hop onto it. Two jobs a Kafka front needs as well live in their own,
 * protocol-neutral classes: {@link OutboundBatcher} writes frames as they are produced and flushes
 * once per read or per batch of tasks, and {@link ConnectionFlowControl} stops and resumes reading
 * for alarms, congested queues and the content budget. {@link ContentAdmission} is this connection's
 * share of the content budget, with the frames it holds while it waits, and {@link Heartbeats}
 * sends and watches heartbeats.
 */
public final class AmqpConnectionHandler extends ChannelInboundHandlerAdapter implements AmqpConnection {
    private static final Logger LOG = LoggerFactory.getLogger(AmqpConnectionHandler.class);
    private static final int METHOD_BUFFER_BYTES = 256;

    private enum State { AWAIT_HEADER, AWAIT_START_OK, AWAIT_TUNE_OK, AWAIT_OPEN, OPEN, CLOSING, REFUSED, CLOSED }

    private static final long CLOSE_LISTENER_WAIT_MS = 5000;
    /** How long a socket stays open after close-ok for the client to close it (RabbitMQ's closing timeout). */
    private static final long CLOSED_LINGER_MS = 30_000;
    /** How long a socket may drain nothing while the broker has data for it (RabbitMQ's send timeout is of this order). */
    static final long WRITE_STALL_MS = 30_000;
    private static final AtomicLong NEXT_ID = new AtomicLong();

    private final AmqpConfig config;
    private final FrameDecoder decoder;
    private final IntObjectMap<ChannelSlot> channels = new IntObjectHashMap<>();
    private final long id = NEXT_ID.incrementAndGet();
    private final DeliveryGate deliveryGate;
    private final ConnectionLogin login;
    private final List<Supplier<? extends CompletionStage<?>>> closeListeners = new ArrayList<>();

    private ChannelHandlerContext ctx;
    private OutboundBatcher output;
    private ConnectionFlowControl flow;
    private ContentAdmission contentAdmission;
    private LoopTurnShare turnShare;
    private volatile State state = State.AWAIT_HEADER;
    private String name = "unconnected";
    private volatile String username;
    private volatile String virtualHost;
    private volatile Map<String, Object> clientProperties = Collections.emptyMap();
    private int channelMax;
    private int frameMax;
    private volatile boolean blocked;
    private ScheduledFuture<?> timeout;
    /** The check of a stalled output, while the socket is not writable; null otherwise. */
    private ScheduledFuture<?> writeStallCheck;
    /** Bytes that had to drain before the socket was writable again, when the check was set. */
    private long writeStallMark;
    private Heartbeats heartbeats;
    private int heartbeatSeconds;
    /** This connection in the management API's registry, from connection.open until the socket closes. */
    private AmqpClientConnection listed;
    /** The virtual host whose (and whose user's) connection count includes this connection; null when none does. */
    private String countedIn;
    private boolean loginDelayed;
    /** Why the connection ended, for the one log line written when the socket closes. */
    private String closeReason = "by the network";

    public AmqpConnectionHandler(AmqpConfig config, FrameDecoder decoder) {
        this.config = config;
        this.decoder = decoder;
        this.login = new ConnectionLogin(config.authenticator());
        this.channelMax = config.channelMax();
        this.frameMax = config.frameMax();
        ResourceAlarm alarm = config.resourceAlarm();
        this.deliveryGate = new DeliveryGate(alarm::isMemoryRaised);
    }

    // ---- Netty events ----

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        this.output = new OutboundBatcher(context);
        this.heartbeats = new Heartbeats(context);
        this.flow = new ConnectionFlowControl(context.channel());
        this.contentAdmission = new ContentAdmission(config.contentBudget(), flow, context.executor(), this::handleFrame);
        this.turnShare = new LoopTurnShare(flow, context.channel().eventLoop(), LoopTurnShare.DEFAULT_UNITS);
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        name = String.valueOf(context.channel().remoteAddress());
        timeout = context.executor().schedule(this::handshakeTimedOut, config.handshakeTimeoutMs(), TimeUnit.MILLISECONDS);
        context.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        output.readStarted();
        InboundFrame frame = (InboundFrame) message;
        if (contentAdmission.isHolding()) {
            // Decoded after reading stopped to wait for content budget: it must not overtake the
            // frames already waiting (see ContentAdmission).
            contentAdmission.hold(frame);
            return;
        }
        handleFrame(frame);
    }

    /** Handles one frame, now or replayed after a wait for budget; the frame's payload is released after. */
    private void handleFrame(InboundFrame frame) {
        try {
            turnShare.spend(1);
            onFrame(frame);
        } finally {
            if (frame instanceof InboundFrame.Body body) {
                body.payload().release();
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        turnShare.readComplete();
        output.readComplete();
        context.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        state = State.CLOSED;
        cancelTimeout();
        heartbeats.stop();
        closeAllChannels();
        releaseConnectionCount();
        contentAdmission.close();
        deliveryGate.open();
        runCloseListeners();
        if (listed != null) {
            config.clientConnections().remove(listed);
        }
        LOG.info("connection {} closed {} (user '{}', vhost '{}')", name, LogSafe.text(closeReason),
                LogSafe.text(username), LogSafe.text(virtualHost));
        context.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof IdleStateEvent idle) {
            onIdle(idle);
            return;
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof IOException) {
            // A reset by the peer is the client's business; one line, no trace.
            LOG.info("connection {} network error: {}", name, cause.getMessage());
        } else {
            LOG.error("connection {} failed unexpectedly", name, cause);
        }
        context.close();
    }

    // ---- frame dispatch ----

    private void onFrame(InboundFrame frame) {
        if (state == State.CLOSED || state == State.REFUSED || loginDelayed) {
            // While a login waits out its delay nothing is read; a frame already decoded is dropped
            // (a client sends nothing between start-ok and the answer to it).
            return;
        }
        if (state == State.CLOSING) {
            onFrameWhileClosing(frame);
            return;
        }
        int failingClassId = 0;
        int failingMethodId = 0;
        if (frame instanceof InboundFrame.Method m) {
            failingClassId = m.method().classId();
            failingMethodId = m.method().methodId();
        } else if (frame instanceof InboundFrame.Header || frame instanceof InboundFrame.Body) {
            // Content completes a basic.publish, so errors from assembling or handling it are that method's.
            failingClassId = BasicPublish.CLASS_ID;
            failingMethodId = BasicPublish.METHOD_ID;
        }
        try {
            dispatch(frame);
        } catch (ProtocolException e) {
            fail(frame.channel(), e);
        } catch (BrokerException e) {
            fail(frame.channel(), new ProtocolException(e.errorCode(), e.getMessage(), failingClassId, failingMethodId));
        } catch (RuntimeException e) {
            LOG.error("connection {} internal error handling {}", name, LogSafe.text(frame), e);
            fail(0, new ProtocolException(ErrorCode.INTERNAL_ERROR, "internal error", failingClassId, failingMethodId));
        }
    }

    private void dispatch(InboundFrame frame) {
        if (frame instanceof InboundFrame.Error error) {
            if (error.framingLost() && isBeforeTuneOk()) {
                // Before tune-ok RabbitMQ answers a broken or oversized frame with silence.
                refuseSilently("bad frame during the handshake: " + error.error().getMessage());
            } else if (error.framingLost()) {
                closeConnection(error.error(), true);
            } else {
                checkContentHeaderInPlace(error);
                throw error.error();
            }
        } else if (frame instanceof InboundFrame.ProtocolHeader) {
            onProtocolHeader();
        } else if (frame instanceof InboundFrame.Heartbeat) {
            return; // Its arrival already reset the idle timer; nothing else to do.
        } else if (frame.channel() == 0) {
            onConnectionFrame(frame);
        } else {
            onChannelFrame(frame);
        }
    }

    private void onFrameWhileClosing(InboundFrame frame) {
        // After our connection.close only close-ok (or a crossing close) matters; the spec says discard the rest.
        if (frame instanceof InboundFrame.Method m && frame.channel() == 0) {
            if (m.method() instanceof ConnectionCloseOk) {
                ctx.close();
            } else if (m.method() instanceof ConnectionClose) {
                writeMethod(0, new ConnectionCloseOk());
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    // ---- connection class, channel 0 ----

    private void onProtocolHeader() {
        state = State.AWAIT_START_OK;
        // On AMQPS the TLS handshake is over before the protocol header can be read.
        if (config.tls() != null && config.tls().settings().verifiesPeers()) {
            login.offerExternal(TlsPeer.verifiedCertificate(ctx.channel()).flatMap(TlsPeer::commonName).orElse(null));
        }
        writeMethod(0, new ConnectionStart(0, 9, ServerProperties.of(config.productVersion(), config.clusterName()),
                login.mechanisms(), "en_US"));
    }

    private void onConnectionFrame(InboundFrame frame) {
        if (!(frame instanceof InboundFrame.Method m)) {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "content frame on channel 0", 0, 0);
        }
        AmqpMethod method = m.method();
        if (method instanceof ConnectionClose close) {
            onClientClose(close);
            return;
        }
        switch (state) {
            case AWAIT_START_OK -> onStartOk(expect(method, ConnectionStartOk.class, "connection.start-ok"));
            case AWAIT_TUNE_OK -> onTuneOk(expect(method, ConnectionTuneOk.class, "connection.tune-ok"));
            case AWAIT_OPEN -> onOpen(expect(method, ConnectionOpen.class, "connection.open"));
            case OPEN -> onConnectionMethodWhileOpen(method);
            default -> throw new IllegalStateException("frame in state " + state);
        }
    }

    private static <T extends AmqpMethod> T expect(AmqpMethod method, Class<T> type, String expected) {
        if (!type.isInstance(method)) {
            throw new ProtocolException(ErrorCode.COMMAND_INVALID, "expected " + expected + ", got "
                    + method.methodName(), method.classId(), method.methodId());
        }
        return type.cast(method);
    }

    /**
     * A refused login is told only to a client that announced {@code authentication_failure_close}:
     * connection.close 403, naming no method (as RabbitMQ does), so the client can raise its
     * authentication error. Any other client just loses the socket, as with RabbitMQ.
     */
    private void onStartOk(ConnectionStartOk startOk) {
        clientProperties = startOk.clientProperties();
        long delayMs = config.loginThrottle().delayMs(addressKey(), System.currentTimeMillis());
        if (delayMs == 0) {
            checkLogin(startOk);
            return;
        }
        // Earlier failures from this address: the answer waits, on a timer, not on this thread.
        loginDelayed = true;
        flow.pause(Pause.LOGIN_DELAY);
        ctx.executor().schedule(() -> {
            loginDelayed = false;
            flow.resume(Pause.LOGIN_DELAY);
            if (state != State.AWAIT_START_OK) {
                return;
            }
            try {
                checkLogin(startOk);
                output.flush();
            } catch (ProtocolException e) {
                fail(0, e);
                output.flush();
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    /** The key of the login throttle: the client's IP address, without the port. */
    private String addressKey() {
        return ClientAddress.host(remoteAddress());
    }

    private void checkLogin(ConnectionStartOk startOk) {
        if (!login.logIn(startOk.mechanism(), startOk.response(), remoteAddress())) {
            config.loginThrottle().failed(addressKey(), System.currentTimeMillis());
            String failure = login.offeredUsername() == null && SaslCredentials.EXTERNAL.equals(startOk.mechanism())
                    ? "login failed with mechanism EXTERNAL: no verified client certificate"
                    : "login failed for user '" + login.offeredUsername() + "' with mechanism " + startOk.mechanism();
            if (!clientSupports("authentication_failure_close")) {
                refuseSilently(failure);
                return;
            }
            LOG.warn("connection {} refused: {}", name, LogSafe.text(failure));
            throw new ProtocolException(ErrorCode.ACCESS_REFUSED, login.refusalText(), 0, 0, true);
        }
        config.loginThrottle().succeeded(addressKey());
        username = login.username();
        state = State.AWAIT_TUNE_OK;
        writeMethod(0, new ConnectionTune(config.channelMax(), config.frameMax(), config.heartbeatSeconds()));
    }

    private void onTuneOk(ConnectionTuneOk tuneOk) {
        int requestedChannelMax = tuneOk.channelMax() == 0 ? config.channelMax() : tuneOk.channelMax();
        long requestedFrameMax = tuneOk.frameMax() == 0 ? config.frameMax() : Integer.toUnsignedLong(tuneOk.frameMax());
        if (requestedChannelMax > config.channelMax()) {
            throw notAllowed(tuneOk, "channel_max=" + requestedChannelMax + " > " + config.channelMax() + " max");
        }
        if (requestedFrameMax < AmqpFrames.FRAME_MIN_SIZE) {
            throw notAllowed(tuneOk, "frame_max=" + requestedFrameMax + " < " + AmqpFrames.FRAME_MIN_SIZE + " min size");
        }
        if (requestedFrameMax > config.frameMax()) {
            throw notAllowed(tuneOk, "frame_max=" + requestedFrameMax + " > " + config.frameMax() + " max size");
        }
        channelMax = requestedChannelMax;
        frameMax = (int) requestedFrameMax;
        decoder.setFrameMax(frameMax);
        heartbeats.start(tuneOk.heartbeat());
        heartbeatSeconds = tuneOk.heartbeat();
        state = State.AWAIT_OPEN;
    }

    private static ProtocolException notAllowed(AmqpMethod method, String text) {
        return new ProtocolException(ErrorCode.NOT_ALLOWED, text, method.classId(), method.methodId());
    }

    /**
     * RabbitMQ's order: the virtual host's connection limit, the user's, then whether the virtual host
     * exists and the user has permissions there; each refusal is 530 with RabbitMQ's text.
     */
    private void onOpen(ConnectionOpen open) {
        AccessControl access = config.accessControl();
        if (access != null) {
            String refusal = access.connections().admitConnection(username, open.virtualHost());
            if (refusal != null) {
                LOG.warn("connection {} refused: {}", name, LogSafe.text(refusal));
                throw notAllowed(open, refusal);
            }
            countedIn = open.virtualHost();
        }
        if (!config.virtualHosts().exists(open.virtualHost())) {
            releaseConnectionCount();
            throw notAllowed(open, "vhost " + open.virtualHost() + " not found");
        }
        if (access != null && !access.user(username).map(user -> access.mayOpen(user, open.virtualHost())).orElse(false)) {
            releaseConnectionCount();
            String refusal = "access to vhost '" + open.virtualHost() + "' refused for user '" + username + "'";
            LOG.warn("connection {} refused: {}", name, LogSafe.text(refusal));
            throw notAllowed(open, refusal);
        }
        virtualHost = open.virtualHost();
        state = State.OPEN;
        cancelTimeout();
        writeMethod(0, new ConnectionOpenOk());
        listed = new AmqpClientConnection(this, ctx.channel().localAddress(), frameMax, channelMax, heartbeatSeconds,
                System.currentTimeMillis());
        config.clientConnections().add(listed);
        LOG.info("connection {} opened: user '{}', vhost '{}', client {}", name, LogSafe.text(username),
                LogSafe.text(virtualHost), LogSafe.text(clientProperties.get("product")));

    }

    /** Gives back this connection's place under its user's and virtual host's connection limits, once. */
    private void releaseConnectionCount() {
        if (countedIn != null) {
            config.accessControl().connections().connectionClosed(username, countedIn);
            countedIn = null;
        }
    }

    private void onConnectionMethodWhileOpen(AmqpMethod method) {
        if (method instanceof ConnectionUpdateSecret update) {
            onUpdateSecret(update);
            return;
        }
        throw ProtocolException.unexpectedOnOpenConnection(method.classId(), method.methodId());
    }

    /**
     * As RabbitMQ answers it for users of its internal database, whose credentials never expire:
     * update-secret-ok whatever the new secret, and nothing changes (the secret is not a new
     * password, and the connection stays the user's). Only an expiring backend (OAuth 2) would check it.
     */
    private void onUpdateSecret(ConnectionUpdateSecret update) {
        writeMethod(0, new ConnectionUpdateSecretOk());
        LOG.info("connection {}: user '{}' updated secret, reason: '{}'", name, LogSafe.text(username),
                LogSafe.text(update.reason()));
    }

    private void onClientClose(ConnectionClose close) {
        closeReason = "by the client: " + close.replyCode() + " " + close.replyText();
        state = State.CLOSED;
        cancelTimeout();
        heartbeats.stop();
        closeAllChannels();
        // Before close-ok: a client that reconnects as soon as it has it must find its place free.
        releaseConnectionCount();
        // Close-ok once the connection's exclusive queues are gone: a client that reconnects
        // after it must not find them (bounded, so a stuck queue cannot hold the socket open).
        runCloseListeners().orTimeout(CLOSE_LISTENER_WAIT_MS, TimeUnit.MILLISECONDS).whenComplete((ignored, error) ->
                runOnEventLoop(() -> {
                    writeMethod(0, new ConnectionCloseOk());
                    output.forgetPending();
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER);
                    lingerAfterCloseOk();
                }));
    }

    /**
     * As RabbitMQ: after close-ok the socket stays open until the client closes it, at most
     * {@link #CLOSED_LINGER_MS}, and whatever the client still sends is read and dropped (the state
     * is CLOSED). A client may have queued publishes behind its close; closing at once would answer
     * them with a reset, which clients (amqplib) report as an error before they read the close-ok.
     */
    private void lingerAfterCloseOk() {
        // Closed in every way but the socket: its content budget and its place in the listings go now.
        contentAdmission.close();
        deliveryGate.open();
        if (listed != null) {
            config.clientConnections().remove(listed);
            listed = null;
        }
        ctx.channel().config().setAutoRead(true);
        ctx.executor().schedule(() -> ctx.close(), CLOSED_LINGER_MS, TimeUnit.MILLISECONDS);
    }

    /** Runs the close listeners once; completes when the stages they return have. */
    private CompletableFuture<Void> runCloseListeners() {
        List<CompletableFuture<?>> stages = new ArrayList<>();
        for (var listener : closeListeners) {
            try {
                stages.add(listener.get().toCompletableFuture());
            } catch (RuntimeException e) {
                LOG.error("connection {}: close listener failed", name, e);
            }
        }
        closeListeners.clear();
        return CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new));
    }

    // ---- channels ----

    private void onChannelFrame(InboundFrame frame) {
        int number = frame.channel();
        if (state != State.OPEN) {
            throw new ProtocolException(ErrorCode.CHANNEL_ERROR, "frame on channel " + number
                    + " before the connection is open", 0, 0);
        }
        if (number > channelMax) {
            throw new ProtocolException(ErrorCode.CHANNEL_ERROR, "channel number " + number
                    + " is above the negotiated channel_max " + channelMax, classOf(frame), methodOf(frame));
        }
        ChannelSlot slot = channels.get(number);
        if (slot == null) {
            if (frame instanceof InboundFrame.Method m && m.method() instanceof ChannelOpen) {
                openChannel(number);
                return;
            }
            throw new ProtocolException(ErrorCode.CHANNEL_ERROR, "expected 'channel.open' on channel " + number,
                    classOf(frame), methodOf(frame));
        }
        if (slot.state() != ChannelSlot.State.OPEN) {
            onFrameForClosingChannel(slot, frame);
        } else if (frame instanceof InboundFrame.Method m) {
            onChannelMethod(slot, m.method());
        } else if (frame instanceof InboundFrame.Header header) {
            long reservation = slot.assembler.reservationFor(header.header());
            if (reservation > 0 && !contentAdmission.admit(reservation, frame)) {
                return; // held until the content budget has room; reading has stopped
            }
            AssembledPublish publish = slot.assembler.onHeader(header.header(), reservation);
            if (publish != null) {
                handOver(slot, publish);
            }
        } else if (frame instanceof InboundFrame.Body body) {
            AssembledPublish publish = slot.assembler.onBody(body.payload());
            if (publish != null) {
                handOver(slot, publish);
            }
        }
    }

    private void handOver(ChannelSlot slot, AssembledPublish publish) {
        published();
        try {
            slot.handler.onPublish(publish);
        } finally {
            contentAdmission.handedOver();
        }
    }

    private static int classOf(InboundFrame frame) {
        return frame instanceof InboundFrame.Method m ? m.method().classId() : 0;
    }

    private static int methodOf(InboundFrame frame) {
        return frame instanceof InboundFrame.Method m ? m.method().methodId() : 0;
    }

    private void openChannel(int number) {
        ContentAssembler assembler = new ContentAssembler(config.maxMessageBytes(), frameMax - AmqpFrames.OVERHEAD_BYTES,
                contentAdmission);
        ChannelSlot slot = new ChannelSlot(number, this, assembler);
        channels.put(number, slot);
        slot.handler = config.channelHandlerFactory().create(slot);
        writeMethod(number, new ChannelOpenOk());
    }

    /**
     * A complete message arrived. Under a resource alarm this publisher is blocked from here on: as
     * in RabbitMQ, a connection opened during an alarm is told when it first publishes. Reading stops
     * only once a message is whole, and not while another channel of this connection is receiving a
     * large body (that one must finish to give back its content budget; its own completion stops
     * reading then), so no publish is left half-read while blocked; frames already read are still
     * handled.
     */
    private void published() {
        String alarm = config.resourceAlarm().reason();
        if (alarm != null && !blocked) {
            block(alarm); // on the event loop already, so this takes effect at once
        }
        if (blocked && !contentAdmission.holdsReservation()) {
            flow.pause(Pause.RESOURCE_ALARM);
        }
    }

    private void onChannelMethod(ChannelSlot slot, AmqpMethod method) {
        if (!slot.assembler.isIdle()) {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "expected content header or body on channel "
                    + slot.number() + ", got " + method.methodName(), method.classId(), method.methodId());
        }
        if (method instanceof ChannelOpen) {
            throw new ProtocolException(ErrorCode.CHANNEL_ERROR, "channel " + slot.number() + " is already open",
                    method.classId(), method.methodId());
        }
        if (method instanceof ChannelClose) {
            channels.remove(slot.number());
            slot.leaveOpen(ChannelSlot.State.CLOSED);
            writeMethod(slot.number(), new ChannelCloseOk());
            return;
        }
        if (method instanceof ChannelCloseOk || method.classId() == ConnectionClose.CLASS_ID) {
            // A close-ok for a close we never sent, or a connection method off channel 0.
            throw ProtocolException.unimplementedMethod(method.classId(), method.methodId());
        }
        if (method instanceof BasicPublish publish) {
            slot.assembler.begin(publish);
            return;
        }
        if (method.hasContent()) {
            // basic.deliver, return or get-ok: sent by servers only.
            throw ProtocolException.unimplementedMethod(method.classId(), method.methodId());
        }
        slot.handler.onMethod(method);
    }

    private void onFrameForClosingChannel(ChannelSlot slot, InboundFrame frame) {
        // We sent channel.close: everything but close-ok (or a crossing close) is discarded.
        if (frame instanceof InboundFrame.Method m) {
            if (m.method() instanceof ChannelCloseOk) {
                channels.remove(slot.number());
            } else if (m.method() instanceof ChannelClose) {
                channels.remove(slot.number());
                writeMethod(slot.number(), new ChannelCloseOk());
            }
        }
    }

    /** Sends channel.close for a channel error and waits for close-ok, discarding the channel's other frames. */
    void closeChannel(ChannelSlot slot, ProtocolException error) {
        LOG.warn("connection {} channel {} error: {} {} - {}", name, slot.number(), error.errorCode().code(),
                error.errorCode(), LogSafe.text(error.getMessage()));
        slot.leaveOpen(ChannelSlot.State.CLOSING);
        writeMethod(slot.number(), new ChannelClose(error.errorCode().code(), replyText(error),
                error.classId(), error.methodId()));
    }

    void notifyClosed(ChannelSlot slot) {
        try {
            slot.handler.onClosed();
        } catch (RuntimeException e) {
            LOG.error("connection {} channel {}: handler failed while closing", name, slot.number(), e);
        }
    }

    private void closeAllChannels() {
        if (channels.isEmpty()) {
            return;
        }
        List<ChannelSlot> slots = new ArrayList<>(channels.values());
        channels.clear();
        for (ChannelSlot slot : slots) {
            slot.leaveOpen(ChannelSlot.State.CLOSED);
        }
    }

    // ---- errors and closing ----

    private void fail(int channel, ProtocolException error) {
        boolean connectionError = error.forcesConnectionClose() || channel == 0;
        ChannelSlot slot = connectionError ? null : channels.get(channel);
        if (slot != null && slot.state() == ChannelSlot.State.OPEN) {
            closeChannel(slot, error);
        } else {
            closeConnection(error, false);
        }
    }

    /**
     * Sends connection.close and waits for close-ok, up to the close timeout. When framing is lost
     * close-ok can never be recognised, so the socket simply closes at the timeout or when the
     * client hangs up.
     */
    private void closeConnection(ProtocolException error, boolean framingLost) {
        if (state == State.CLOSING || state == State.REFUSED || state == State.CLOSED) {
            return;
        }
        LOG.warn("connection {} error: {} {} - {}", name, error.errorCode().code(), error.errorCode(),
                LogSafe.text(error.getMessage()));
        closeReason = "by the server after error " + error.errorCode().code();
        state = State.CLOSING;
        closeAllChannels();
        // Before our connection.close: the client may reconnect as soon as it reads it, without waiting
        // for the socket to close, and nothing more is done on this connection.
        releaseConnectionCount();
        contentAdmission.stopWaiting();
        writeMethod(0, new ConnectionClose(error.errorCode().code(), replyText(error), error.classId(), error.methodId()));
        output.flush();
        cancelTimeout();
        timeout = ctx.executor().schedule(() -> {
            LOG.info("connection {}: no connection.close-ok within {} ms{}, closing the socket", name,
                    config.closeTimeoutMs(), framingLost ? " (framing lost)" : "");
            ctx.close();
        }, config.closeTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    /** RabbitMQ's reply-text form, "CODE_NAME - text", cut to fit a short string. */
    /**
     * The reply text in RabbitMQ's form, {@code CODE_NAME - detail}. The core writes its refusals in
     * that form already; errors raised here carry only the detail.
     */
    private static String replyText(ProtocolException error) {
        String prefix = error.errorCode().name() + " - ";
        String text = error.getMessage().startsWith(prefix) ? error.getMessage() : prefix + error.getMessage();
        while (ByteBufUtil.utf8Bytes(text) > WireFormat.SHORT_STRING_MAX_BYTES) {
            text = text.substring(0, text.length() - 16);
        }
        return text;
    }

    /**
     * Ends a connection refused during the handshake without a word, as RabbitMQ does with a client it
     * cannot trust yet: nothing more is read or answered, and the socket closes after the refusal
     * delay, so that a client cannot try one password after another at full speed.
     */
    private void refuseSilently(String why) {
        LOG.warn("connection {} refused: {}; closing the socket in {} ms without an answer", name, LogSafe.text(why),
                config.refusalDelayMs());
        closeReason = "by the server, unanswered: " + why;
        state = State.REFUSED;
        flow.pause(Pause.REFUSED);
        cancelTimeout();
        timeout = ctx.executor().schedule(() -> ctx.close(), config.refusalDelayMs(), TimeUnit.MILLISECONDS);
    }

    private boolean isBeforeTuneOk() {
        return state == State.AWAIT_START_OK || state == State.AWAIT_TUNE_OK;
    }

    /**
     * A content header that could not be decoded is refused first for being where no header may be,
     * as RabbitMQ does: it judges a frame by its type and place before reading it. So a client that
     * sends, say, a method's bytes as a header frame learns 505 UNEXPECTED_FRAME, not 502.
     */
    private void checkContentHeaderInPlace(InboundFrame.Error error) {
        if (error.frameType() != AmqpFrames.TYPE_HEADER) {
            return;
        }
        if (error.channel() == 0) {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "content frame on channel 0", 0, 0);
        }
        ChannelSlot slot = channels.get(error.channel());
        if (state == State.OPEN && slot != null && slot.state() == ChannelSlot.State.OPEN) {
            slot.assembler.checkHeaderExpected();
        }
    }

    private void handshakeTimedOut() {
        if (state != State.OPEN && state != State.CLOSED && state != State.CLOSING && state != State.REFUSED) {
            closeReason = "by the server: handshake not completed within " + config.handshakeTimeoutMs() + " ms";
            ctx.close();
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    // ---- heartbeats ----

    private void onIdle(IdleStateEvent idle) {
        switch (idle.state()) {
            case READER_IDLE -> {
                // While paused we stopped reading on purpose; silence then is ours, not the client's.
                if (!flow.isPaused()) {
                    LOG.warn("connection {}: missed heartbeats from the client, closing", name);
                    closeReason = "by the server: missed heartbeats";
                    state = State.CLOSED;
                    ctx.close();
                }
            }
            default -> {
            }
        }
    }

    // ---- writing ----

    private void scheduleWriteStallCheck() {
        writeStallMark = ctx.channel().bytesBeforeWritable();
        writeStallCheck = ctx.executor().schedule(this::checkWriteStall, WRITE_STALL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * A client that reads nothing while the broker has data for it: the broker stops reading it
     * too (so its heartbeats are not missed), and without this the connection, its channels and
     * their unacknowledged deliveries would stay for good. As RabbitMQ closes a connection whose
     * send makes no progress for its send timeout, a socket that drained nothing in
     * {@link #WRITE_STALL_MS} is closed; one that drains, however slowly, is checked again.
     */
    private void checkWriteStall() {
        writeStallCheck = null;
        if (ctx.channel().isWritable() || !ctx.channel().isActive() || state == State.CLOSED) {
            return;
        }
        if (ctx.channel().bytesBeforeWritable() < writeStallMark) {
            scheduleWriteStallCheck();
            return;
        }
        LOG.warn("connection {}: the client read nothing for {} s while the broker had data for it, closing", name,
                WRITE_STALL_MS / 1000);
        closeReason = "by the server: the client stopped reading";
        state = State.CLOSED;
        ctx.close();
    }

    boolean inEventLoop() {
        return ctx.executor().inEventLoop();
    }

    void runOnEventLoop(Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
        } else {
            ctx.executor().execute(task);
        }
    }

    void writeMethod(int channel, AmqpMethod method) {
        ByteBuf buffer = ctx.alloc().ioBuffer(METHOD_BUFFER_BYTES);
        FrameWriter.writeMethod(buffer, channel, method);
        output.write(buffer);
    }

    /** Writes a method with its content; the caller keeps its reference to {@code body}. */
    void writeContent(int channel, AmqpMethod method, MessageProperties properties, MessageBody body) {
        if (body.isDirect()) {
            // Frames that point into the body instead of a 16 MiB copy of it; the body is kept
            // until the socket has them (the caller gives its own reference back on return).
            body.retain();
            FrameWriter.writeContentAsViews(ctx.alloc(), channel, method, properties, body.buffer(), frameMax,
                    output::write);
            output.whenWritten(body::release);
            return;
        }
        ByteBuf buffer = ctx.alloc().ioBuffer(FrameWriter.contentSizeEstimate(body.size(), frameMax));
        FrameWriter.writeContent(buffer, channel, method, properties, body.buffer(), frameMax);
        output.write(buffer);
    }

    // ---- AmqpConnection ----

    @Override
    public DeliveryGate deliveryGate() {
        return deliveryGate;
    }


    /**
     * The socket's outbound buffer crossed a water mark: hold deliveries back and stop reading, or let
     * both go on. Not reading matters for a client that sends methods and never reads their replies:
     * each one read would add a reply that waits in direct memory, until it ran out for everyone.
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (context.channel().isWritable()) {
            deliveryGate.open();
            if (writeStallCheck != null) {
                writeStallCheck.cancel(false);
                writeStallCheck = null;
            }
        } else {
            deliveryGate.close();
            if (writeStallCheck == null && state != State.CLOSED) {
                scheduleWriteStallCheck();
            }
        }
        flow.writabilityChanged();
        context.fireChannelWritabilityChanged();
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public void addCloseListener(Supplier<? extends CompletionStage<?>> listener) {
        runOnEventLoop(() -> {
            if (state == State.CLOSED) {
                listener.get();
            } else {
                closeListeners.add(listener);
            }
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SocketAddress remoteAddress() {
        return ctx.channel().remoteAddress();
    }

    @Override
    public String username() {
        return username;
    }

    @Override
    public String virtualHost() {
        return virtualHost;
    }

    @Override
    public Map<String, Object> clientProperties() {
        return clientProperties;
    }

    @Override
    public boolean clientSupports(String capability) {
        return clientProperties.get("capabilities") instanceof Map<?, ?> capabilities
                && Boolean.TRUE.equals(capabilities.get(capability));
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public void block(String reason) {
        // The alarms changed: a memory alarm that cleared while another stays raised opens the gate.
        deliveryGate.wakeIfOpen();
        runOnEventLoop(() -> {
            if (blocked || state != State.OPEN) {
                return;
            }
            blocked = true;
            if (clientSupports("connection.blocked")) {
                writeMethod(0, new ConnectionBlocked(reason));
            }
        });
    }

    @Override
    public void unblock() {
        // A consumer's connection is not blocked, but the memory alarm may have closed its gate.
        deliveryGate.wakeIfOpen();
        runOnEventLoop(() -> {
            if (!blocked) {
                return;
            }
            blocked = false;
            if (state == State.OPEN && clientSupports("connection.blocked")) {
                writeMethod(0, new ConnectionUnblocked());
            }
            // After the notice: resuming hands on the frames held while blocked, whose answers follow it.
            flow.resume(Pause.RESOURCE_ALARM);
        });
    }

    @Override
    public void pauseReading(CompletionStage<?> resume, long maxPauseMillis) {
        assert ctx.channel().eventLoop().inEventLoop() : "flow control off the event loop";
        // The body just handed over keeps its content budget while it waits for the queue.
        contentAdmission.holdUntil(resume, maxPauseMillis);
        // A connection in the middle of a large body keeps reading until it is whole, so that its
        // content budget comes back; its completion is a publish that checks congestion again.
        if (state != State.OPEN || contentAdmission.holdsReservation()) {
            return;
        }
        flow.pauseUntil(resume, maxPauseMillis);
    }

    @Override
    public void routed(int queues) {
        turnShare.spend(queues);
    }

    @Override
    public boolean isBlocked() {
        return blocked;
    }

    /** The open channels as the management API shows them; answered on the event loop. */
    CompletionStage<List<ChannelSnapshot>> channelSnapshots() {
        CompletableFuture<List<ChannelSnapshot>> answer = new CompletableFuture<>();
        runOnEventLoop(() -> {
            List<ChannelSnapshot> open = new ArrayList<>(channels.size());
            for (ChannelSlot slot : channels.values()) {
                if (slot.state() == ChannelSlot.State.OPEN && slot.handler != null) {
                    open.add(slot.handler.snapshot(slot.number()));
                }
            }
            open.sort(Comparator.comparingInt(ChannelSnapshot::number));
            answer.complete(open);
        });
        return answer;
    }

    @Override
    public void close(ErrorCode code, String text) {
        runOnEventLoop(() -> closeConnection(new ProtocolException(code, text, 0, 0, true), false));
    }
}
