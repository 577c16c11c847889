package dev.ferry.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * The body of one JSON response as it is generated, on a worker thread. The first
 * {@value #BUFFER_BYTES} bytes are held: a document that fits goes out as one response with a
 * Content-Length (and an error found while generating it can still replace it). A longer one goes
 * out in chunks of that size with chunked transfer encoding, so the whole document is never in
 * memory. When the client reads slower than the document is made, the worker waits for its
 * writes (never an event loop), at most {@value #WRITE_WAIT_SECONDS} seconds before giving up on
 * that client.
 */
final class ChunkedJsonOutput extends OutputStream {
    static final int BUFFER_BYTES = 64 * 1024;
    private static final long WRITE_WAIT_SECONDS = 30;

    private final ChannelHandlerContext ctx;
    private final HttpResponseStatus status;
    private final boolean keepAlive;
    private ByteBuf buffer;
    private boolean headersSent;

    ChunkedJsonOutput(ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
        this.ctx = ctx;
        this.status = status;
        this.keepAlive = keepAlive;
        this.buffer = ctx.alloc().buffer(1024);
    }

    /** Whether bytes have left already: then an error can only end the connection. */
    boolean isCommitted() {
        return headersSent;
    }

    @Override
    public void write(int b) throws IOException {
        ensureRoom(1);
        buffer.writeByte(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            ensureRoom(1);
            int room = Math.min(length, BUFFER_BYTES - buffer.readableBytes());
            buffer.writeBytes(bytes, offset, room);
            offset += room;
            length -= room;
        }
    }

    private void ensureRoom(int bytes) throws IOException {
        if (buffer.readableBytes() + bytes <= BUFFER_BYTES) {
            return;
        }
        if (!headersSent) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            HttpUtil.setTransferEncodingChunked(head, true);
            HttpUtil.setKeepAlive(head, keepAlive);
            ctx.write(head);
            headersSent = true;
        }
        ChannelFuture written = ctx.writeAndFlush(new DefaultHttpContent(buffer));
        buffer = ctx.alloc().buffer(BUFFER_BYTES);
        if (!ctx.channel().isWritable()) {
            awaitWritten(written);
        }
    }

    private void awaitWritten(ChannelFuture written) throws IOException {
        try {
            if (!written.await(WRITE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("client did not read the response for " + WRITE_WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing a response", e);
        }
        if (!written.isSuccess()) {
            throw new IOException("response write failed: " + written.cause());
        }
    }

    /** Sends what is left: the whole response, or the last chunk. */
    void finish() {
        if (!headersSent) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buffer);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            HttpUtil.setContentLength(response, buffer.readableBytes());
            HttpUtil.setKeepAlive(response, keepAlive);
            buffer = null;
            ApiChannelHandler.send(ctx, response, keepAlive);
            return;
        }
        ctx.write(new DefaultHttpContent(buffer));
        buffer = null;
        ApiChannelHandler.send(ctx, LastHttpContent.EMPTY_LAST_CONTENT, keepAlive);
    }

    /** Drops what is buffered (an error replaces the document, or the connection is closed). */
    void discard() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}
