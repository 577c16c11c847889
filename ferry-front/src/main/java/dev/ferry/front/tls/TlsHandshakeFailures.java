package dev.ferry.front.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right behind the {@code SslHandler} of a TLS connection and turns a failed handshake (plain
 * text sent to the TLS port, TLS 1.1, no shared cipher suite, an untrusted or missing client
 * certificate) into one log line and a closed socket, without a stack trace: it is the client's
 * mistake, and the protocol handler behind never sees a connection that did not become TLS.
 */
public final class TlsHandshakeFailures extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TlsHandshakeFailures.class);
    /** A refused record's bytes are quoted in hexadecimal by Netty; a line needs no more than this. */
    private static final int REASON_CHARS_MAX = 200;

    private final String listener;
    private boolean reported;

    /** @param listener the listener's name in the log line ("AMQPS", "Kafka SSL") */
    public TlsHandshakeFailures(String listener) {
        this.listener = listener;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent completion && !completion.isSuccess()) {
            report(context, completion.cause());
            context.close();
            return;
        }
        super.userEventTriggered(context, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        Throwable tlsCause = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (tlsCause instanceof SSLException) {
            report(context, tlsCause);
            context.close();
            return;
        }
        context.fireExceptionCaught(cause);
    }

    private void report(ChannelHandlerContext context, Throwable cause) {
        if (reported) {
            return;
        }
        reported = true;
        String reason = cause instanceof NotSslRecordException ? "not TLS (plain text sent to the TLS port?)"
                : String.valueOf(cause.getMessage());
        if (reason.length() > REASON_CHARS_MAX) {
            reason = reason.substring(0, REASON_CHARS_MAX) + "...";
        }
        // Printable ASCII only: the reason may quote what the client sent.
        reason = reason.replaceAll("[^\\x20-\\x7e]", "?");
        LOG.info("{} connection {} refused: TLS handshake failed: {}", listener, context.channel().remoteAddress(), reason);
    }
}
