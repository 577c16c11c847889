package dev.ferry.it.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A hand-driven AMQP 0-9-1 socket for tests that send what no well-behaved client library would:
 * broken frames, oversize frames, unknown methods, silence. It does the handshake (PLAIN,
 * guest/guest) and then writes raw frames; it reads frames back to find the broker's
 * {@code connection.close} or {@code channel.close} and its reply code.
 */
public final class RawAmqpClient implements AutoCloseable {
    public static final byte[] PROTOCOL_HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
    public static final int FRAME_METHOD = 1;
    public static final int FRAME_HEADER = 2;
    public static final int FRAME_BODY = 3;
    public static final int FRAME_HEARTBEAT = 8;
    public static final int FRAME_END = 0xCE;

    /** A frame as read from the broker. */
    public record Frame(int type, int channel, byte[] payload) {
        public int classId() {
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        public int methodId() {
            return ((payload[2] & 0xFF) << 8) | (payload[3] & 0xFF);
        }

        public boolean isMethod(int classId, int methodId) {
            return type == FRAME_METHOD && classId() == classId && methodId() == methodId;
        }

        /** For a connection.close or channel.close: the reply code right after the method ids. */
        public int replyCode() {
            return ((payload[4] & 0xFF) << 8) | (payload[5] & 0xFF);
        }

        public String replyText() {
            int length = payload[6] & 0xFF;
            return new String(payload, 7, length, StandardCharsets.UTF_8);
        }

        /** For a connection.close or channel.close: the class id of the method it names. */
        public int closeClassId() {
            int at = 7 + (payload[6] & 0xFF);
            return ((payload[at] & 0xFF) << 8) | (payload[at + 1] & 0xFF);
        }

        /** For a connection.close or channel.close: the method id of the method it names. */
        public int closeMethodId() {
            int at = 9 + (payload[6] & 0xFF);
            return ((payload[at] & 0xFF) << 8) | (payload[at + 1] & 0xFF);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private int frameMax;
    private int channelMax;

    public RawAmqpClient(String host, int port) throws IOException {
        this(host, port, 0);
    }

    /** With a socket receive buffer of {@code receiveBufferBytes} (0: the system's), set before connecting. */
    public RawAmqpClient(String host, int port, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new java.net.InetSocketAddress(host, port));
        socket.setSoTimeout(15_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    public void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads exactly {@code into.length} bytes: many small frames of a known size at once. */
    public void readFully(byte[] into) throws IOException {
        in.readFully(into);
    }

    /** Reads up to {@code max} bytes, or fewer if the broker closes; for replies that are not frames. */
    public byte[] readAvailable(int max) throws IOException {
        ByteArrayOutputStream collected = new ByteArrayOutputStream();
        byte[] buffer = new byte[max];
        try {
            int read;
            while (collected.size() < max && (read = in.read(buffer, 0, max - collected.size())) > 0) {
                collected.write(buffer, 0, read);
            }
        } catch (SocketTimeoutException e) {
            // Whatever arrived before the timeout is the answer.
        } catch (java.net.SocketException e) {
            // A reset after the reply: the bytes read before it are the answer.
        }
        return collected.toByteArray();
    }

    /**
     * Protocol header, start-ok (PLAIN guest/guest), tune-ok echoing the broker's limits (or the
     * heartbeat given), connection.open on "/".
     */
    public void handshake(int heartbeatSeconds) throws IOException {
        handshake(heartbeatSeconds, "guest", "guest", "/");
    }

    /** As {@link #handshake(int)}, as this user (PLAIN) and into this virtual host. */
    public void handshake(int heartbeatSeconds, String username, String password, String virtualHost)
            throws IOException {
        sendStartOk(Map.of(), username, password);
        Frame tune = expectMethod(10, 30);
        DataInputStream tuneArgs = new DataInputStream(new java.io.ByteArrayInputStream(tune.payload(), 4,
                tune.payload().length - 4));
        channelMax = tuneArgs.readUnsignedShort();
        frameMax = tuneArgs.readInt();
        MethodWriter tuneOk = new MethodWriter(10, 31);
        tuneOk.shortInt(channelMax);
        tuneOk.longInt(frameMax);
        tuneOk.shortInt(heartbeatSeconds);
        sendMethod(0, tuneOk);
        MethodWriter open = new MethodWriter(10, 40);
        open.shortString(virtualHost);
        open.shortString("");
        open.octet(0);
        sendMethod(0, open);
        expectMethod(10, 41);
    }

    /**
     * Protocol header, then connection.start-ok (PLAIN) with these client properties, without waiting
     * for anything after connection.start: for tests of what the broker does with a login or a frame
     * during the handshake.
     */
    public void sendStartOk(Map<String, Object> clientProperties, String username, String password)
            throws IOException {
        sendBytes(PROTOCOL_HEADER);
        expectMethod(10, 10);
        MethodWriter startOk = new MethodWriter(10, 11);
        startOk.table(clientProperties);
        startOk.shortString("PLAIN");
        startOk.longString(("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8));
        startOk.shortString("en_US");
        sendMethod(0, startOk);
    }

    /**
     * Protocol header, then a start-ok for guest/guest whose payload is exactly {@code payloadBytes}
     * octets (a client property pads it), for tests of the frame size allowed during the handshake.
     */
    public void sendStartOkOfPayloadSize(int payloadBytes) throws IOException {
        sendBytes(PROTOCOL_HEADER);
        expectMethod(10, 10);
        int unpadded = startOkWithPadding(0).toByteArray().length;
        if (payloadBytes < unpadded) {
            throw new IllegalArgumentException("a start-ok takes at least " + unpadded + " octets");
        }
        sendMethod(0, startOkWithPadding(payloadBytes - unpadded));
    }

    private static MethodWriter startOkWithPadding(int paddingChars) {
        MethodWriter startOk = new MethodWriter(10, 11);
        startOk.table(Map.of("product", "ferry-it", "padding", "x".repeat(paddingChars)));
        startOk.shortString("PLAIN");
        startOk.longString("\0guest\0guest".getBytes(StandardCharsets.UTF_8));
        startOk.shortString("en_US");
        return startOk;
    }

    /**
     * Every frame the broker sends until it closes the socket (end of stream or a reset), answering a
     * connection.close with close-ok; fails if the socket is still open after the read timeout.
     */
    public List<Frame> framesUntilClosed() throws IOException {
        List<Frame> frames = new ArrayList<>();
        try {
            while (true) {
                Frame frame = readFrame();
                frames.add(frame);
                if (frame.isMethod(10, 50)) {
                    sendMethod(0, new MethodWriter(10, 51));
                }
            }
        } catch (EOFException | SocketException closed) {
            return frames;
        }
    }

    public void openChannel(int channel) throws IOException {
        MethodWriter open = new MethodWriter(20, 10);
        open.shortString("");
        sendMethod(channel, open);
        expectMethod(20, 11);
    }

    public int frameMax() {
        return frameMax;
    }

    public int channelMax() {
        return channelMax;
    }

    public void sendMethod(int channel, MethodWriter method) throws IOException {
        sendFrame(FRAME_METHOD, channel, method.toByteArray());
    }

    public void sendFrame(int type, int channel, byte[] payload) throws IOException {
        sendFrame(type, channel, payload, FRAME_END);
    }

    /** A frame with any frame-end octet, so tests can send a wrong one. */
    public void sendFrame(int type, int channel, byte[] payload, int frameEnd) throws IOException {
        out.writeByte(type);
        out.writeShort(channel);
        out.writeInt(payload.length);
        out.write(payload);
        out.writeByte(frameEnd);
        out.flush();
    }

    /** One method frame's bytes, for tests that send several frames in a single write. */
    public static byte[] methodFrame(int channel, MethodWriter method) {
        return frameBytes(FRAME_METHOD, channel, method.toByteArray());
    }

    /** One frame's bytes (type, channel, size, payload, frame end), for sending in a single write. */
    public static byte[] frameBytes(int type, int channel, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 8);
        frame.write(type);
        frame.write(channel >>> 8);
        frame.write(channel);
        frame.write(payload.length >>> 24);
        frame.write(payload.length >>> 16);
        frame.write(payload.length >>> 8);
        frame.write(payload.length);
        frame.writeBytes(payload);
        frame.write(FRAME_END);
        return frame.toByteArray();
    }

    /** Reads frames until the method given arrives on {@code channel}, skipping everything else. */
    public Frame awaitMethod(int channel, int classId, int methodId) throws IOException {
        while (true) {
            Frame frame = readFrame();
            if (frame.channel() == channel && frame.isMethod(classId, methodId)) {
                return frame;
            }
        }
    }

    /** The next frame from the broker. */
    public Frame readFrame() throws IOException {
        int type = in.readUnsignedByte();
        int channel = in.readUnsignedShort();
        int size = in.readInt();
        byte[] payload = new byte[size];
        in.readFully(payload);
        int end = in.readUnsignedByte();
        if (end != FRAME_END) {
            throw new IOException("broker sent frame end " + end);
        }
        return new Frame(type, channel, payload);
    }

    /** Reads frames, skipping heartbeats, until a method frame; fails if it is not the one expected. */
    public Frame expectMethod(int classId, int methodId) throws IOException {
        Frame frame = nextMethod();
        if (!frame.isMethod(classId, methodId)) {
            throw new IOException("expected method " + classId + "." + methodId + " but got "
                    + frame.classId() + "." + frame.methodId());
        }
        return frame;
    }

    /** The next method frame, skipping heartbeats. */
    public Frame nextMethod() throws IOException {
        while (true) {
            Frame frame = readFrame();
            if (frame.type() == FRAME_METHOD) {
                return frame;
            }
        }
    }

    /** Reads until the broker closes the connection with connection.close; answers close-ok. */
    public Frame awaitConnectionClose() throws IOException {
        while (true) {
            Frame frame = nextMethod();
            if (frame.isMethod(10, 50)) {
                sendMethod(0, new MethodWriter(10, 51));
                return frame;
            }
        }
    }

    /** True once the broker has closed the socket (read returns end of stream). */
    public boolean isClosedByBroker() throws IOException {
        try {
            while (true) {
                readFrame();
            }
        } catch (EOFException e) {
            return true;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    /** This end's port: the broker names the connection after it ({@code /127.0.0.1:PORT}) in its log. */
    public int localPort() {
        return socket.getLocalPort();
    }

    public void setReadTimeoutMillis(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Builds a method frame payload: class id, method id, then arguments in order. */
    public static final class MethodWriter {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream data = new DataOutputStream(bytes);

        private final int classId;
        private final int methodId;

        public MethodWriter(int classId, int methodId) {
            this.classId = classId;
            this.methodId = methodId;
            shortInt(classId);
            shortInt(methodId);
        }

        public int classId() {
            return classId;
        }

        public int methodId() {
            return methodId;
        }

        @Override
        public String toString() {
            return classId + "." + methodId;
        }

        public MethodWriter octet(int value) {
            return write(() -> data.writeByte(value));
        }

        public MethodWriter shortInt(int value) {
            return write(() -> data.writeShort(value));
        }

        public MethodWriter longInt(int value) {
            return write(() -> data.writeInt(value));
        }

        public MethodWriter longLong(long value) {
            return write(() -> data.writeLong(value));
        }

        /** A short string of exactly these bytes, valid UTF-8 or not. */
        public MethodWriter shortString(byte[] value) {
            return write(() -> {
                data.writeByte(value.length);
                data.write(value);
            });
        }

        public MethodWriter shortString(String value) {
            byte[] encoded = value.getBytes(StandardCharsets.UTF_8);
            return write(() -> {
                data.writeByte(encoded.length);
                data.write(encoded);
            });
        }

        public MethodWriter longString(byte[] value) {
            return write(() -> {
                data.writeInt(value.length);
                data.write(value);
            });
        }

        /** An empty field table. */
        public MethodWriter table() {
            return longInt(0);
        }

        /** A field table of strings ({@code S}), booleans ({@code t}) and nested tables ({@code F}). */
        public MethodWriter table(Map<String, Object> entries) {
            ByteArrayOutputStream encoded = new ByteArrayOutputStream();
            DataOutputStream table = new DataOutputStream(encoded);
            write(() -> {
                for (Map.Entry<String, Object> entry : entries.entrySet()) {
                    byte[] key = entry.getKey().getBytes(StandardCharsets.UTF_8);
                    table.writeByte(key.length);
                    table.write(key);
                    Object value = entry.getValue();
                    if (value instanceof Boolean flag) {
                        table.writeByte('t');
                        table.writeBoolean(flag);
                    } else if (value instanceof Map<?, ?> nested) {
                        table.writeByte('F');
                        @SuppressWarnings("unchecked")
                        Map<String, Object> inner = (Map<String, Object>) nested;
                        table.write(new MethodWriter(0, 0).table(inner).tableBytes());
                    } else {
                        byte[] text = value.toString().getBytes(StandardCharsets.UTF_8);
                        table.writeByte('S');
                        table.writeInt(text.length);
                        table.write(text);
                    }
                }
            });
            return longString(encoded.toByteArray());
        }

        /** What was written after the class and method ids (for a table written on its own). */
        private byte[] tableBytes() {
            byte[] all = toByteArray();
            return Arrays.copyOfRange(all, 4, all.length);
        }

        public MethodWriter raw(byte[] value) {
            return write(() -> data.write(value));
        }

        public byte[] toByteArray() {
            return bytes.toByteArray();
        }

        private MethodWriter write(IoAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return this;
        }

        private interface IoAction {
            void run() throws IOException;
        }
    }
}
