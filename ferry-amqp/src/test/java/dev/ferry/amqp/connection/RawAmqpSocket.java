package dev.ferry.amqp.connection;

import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.codec.FrameWriter;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.ConnectionOpen;
import dev.ferry.amqp.method.ConnectionOpenOk;
import dev.ferry.amqp.method.ConnectionStart;
import dev.ferry.amqp.method.ConnectionStartOk;
import dev.ferry.amqp.method.ConnectionTune;
import dev.ferry.amqp.method.ConnectionTuneOk;
import dev.ferry.amqp.method.MethodReader;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A blocking test client that speaks AMQP frame by frame, so tests can send what real clients never would. */
final class RawAmqpSocket implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawAmqpSocket(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5_000);
        // Frames go out as written: with Nagle a second small write waits for the server's delayed ACK.
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Protocol header through open-ok, offering the given limits in tune-ok. */
    RawAmqpSocket handshake(int channelMax, int frameMax) throws IOException {
        return handshake(channelMax, frameMax, 0);
    }

    RawAmqpSocket handshake(int channelMax, int frameMax, int heartbeatSeconds) throws IOException {
        send(AmqpFrames.protocolHeader());
        expectMethod(ConnectionStart.class);
        sendMethod(0, new ConnectionStartOk(Map.of(), "PLAIN",
                "\0guest\0guest".getBytes(StandardCharsets.UTF_8), "en_US"));
        expectMethod(ConnectionTune.class);
        sendMethod(0, new ConnectionTuneOk(channelMax, frameMax, heartbeatSeconds));
        sendMethod(0, new ConnectionOpen("/"));
        expectMethod(ConnectionOpenOk.class);
        return this;
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(ByteBuf buffer) throws IOException {
        send(ByteBufUtil.getBytes(buffer));
    }

    void sendMethod(int channel, AmqpMethod method) throws IOException {
        ByteBuf buffer = Unpooled.buffer();
        FrameWriter.writeMethod(buffer, channel, method);
        send(buffer);
    }

    void sendHeader(int channel, long bodySize) throws IOException {
        ByteBuf buffer = Unpooled.buffer();
        FrameWriter.writeContentHeader(buffer, channel, 60, bodySize, MessageProperties.EMPTY);
        send(buffer);
    }

    void sendBody(int channel, byte[] body) throws IOException {
        sendBody(channel, body, 1 << 20);
    }

    /** Body frames of at most {@code frameMax} octets each. */
    void sendBody(int channel, byte[] body, int frameMax) throws IOException {
        ByteBuf buffer = Unpooled.buffer();
        FrameWriter.writeBody(buffer, channel, body, frameMax);
        send(buffer);
    }

    /** Reads frames until a method frame arrives (skipping heartbeats) and decodes it. */
    AmqpMethod readMethod() throws IOException {
        while (true) {
            int type = in.readUnsignedByte();
            in.readUnsignedShort();
            int size = in.readInt();
            byte[] payload = new byte[size];
            in.readFully(payload);
            int end = in.readUnsignedByte();
            if (end != AmqpFrames.FRAME_END) {
                throw new IOException("bad frame end from server: " + end);
            }
            if (type == AmqpFrames.TYPE_METHOD) {
                return MethodReader.read(Unpooled.wrappedBuffer(payload));
            }
        }
    }

    /** Reads one whole frame and returns its type. */
    int readFrameType() throws IOException {
        int type = in.readUnsignedByte();
        in.readUnsignedShort();
        in.skipNBytes(in.readInt() + 1L);
        return type;
    }

    <T extends AmqpMethod> T expectMethod(Class<T> type) throws IOException {
        AmqpMethod method = readMethod();
        if (!type.isInstance(method)) {
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + method);
        }
        return type.cast(method);
    }

    byte[] readBytes(int count) throws IOException {
        byte[] bytes = new byte[count];
        in.readFully(bytes);
        return bytes;
    }

    /** The stream the server's frames arrive on, for a caller that reads them itself. */
    DataInputStream input() {
        return in;
    }

    void timeout(int milliseconds) throws IOException {
        socket.setSoTimeout(milliseconds);
    }

    /** Whether the server closed the socket: the next read sees end of stream. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException e) {
            return true;
        } catch (java.net.SocketException e) {
            return true; // a reset is also the server closing
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
