package dev.ferry.it.support;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * A Kafka connection over a plain socket, for bytes no real client would send: frames are written
 * as given and responses read back as raw frames. Blocking, with a read timeout, so a broker that
 * neither answers nor closes fails the test instead of hanging it.
 */
public final class RawKafkaClient implements AutoCloseable {
    private static final int READ_TIMEOUT_MS = 15_000;

    private final Socket socket;
    private int lastCorrelationId;
    private final OutputStream out;
    private final DataInputStream in;

    public RawKafkaClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    /** Writes {@code bytes} exactly as given (size prefix included, if any). */
    public void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Writes a frame: the 4-byte size of {@code request}, then {@code request}. */
    public void writeFrame(ByteBuffer request) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(4 + request.remaining());
        frame.putInt(request.remaining()).put(request.duplicate()).flip();
        writeRaw(frame.array());
    }

    /**
     * Sends {@code request} as {@code apiKey} at {@code version} and reads its answer into
     * {@code response}; fails if the answer carries another correlation id. For requests well
     * formed but refused, whose error codes a test compares with a real broker's.
     */
    public <R extends ApiMessage> R exchange(ApiKeys apiKey, short version, ApiMessage request, R response)
            throws IOException {
        int correlationId = send(apiKey, version, request);
        return receive(apiKey, version, correlationId, response);
    }

    /** Writes {@code request} as {@code apiKey} at {@code version}; returns its correlation id for {@link #receive}. */
    public int send(ApiKeys apiKey, short version, ApiMessage request) throws IOException {
        int correlationId = ++lastCorrelationId;
        writeFrame(encode(apiKey, version, correlationId, request));
        return correlationId;
    }

    /** Reads the next answer into {@code response}, which must be the one to {@code correlationId}. */
    public <R extends ApiMessage> R receive(ApiKeys apiKey, short version, int correlationId, R response)
            throws IOException {
        ByteBufferAccessor reader = new ByteBufferAccessor(readFrame());
        ResponseHeaderData header = new ResponseHeaderData(reader, apiKey.responseHeaderVersion(version));
        if (header.correlationId() != correlationId) {
            throw new IOException("answer to request " + header.correlationId() + " where " + correlationId
                    + " was expected");
        }
        response.read(reader, version);
        return response;
    }

    /** A request frame's body (header and request, no size prefix), client id "ferry-it". */
    public static ByteBuffer encode(ApiKeys apiKey, short version, int correlationId, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(apiKey.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("ferry-it");
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short headerVersion = apiKey.requestHeaderVersion(version);
        ByteBuffer buffer = ByteBuffer.allocate(header.size(cache, headerVersion) + body.size(cache, version));
        ByteBufferAccessor writer = new ByteBufferAccessor(buffer);
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        return buffer.flip();
    }

    /** Reads one response frame (without its size prefix). */
    public ByteBuffer readFrame() throws IOException {
        int size = in.readInt();
        byte[] body = new byte[size];
        in.readFully(body);
        return ByteBuffer.wrap(body);
    }

    /**
     * Whether the broker closed the connection: a read ends with end-of-stream or a reset before
     * the timeout. Bytes that arrive first (responses written before the close) are skipped.
     */
    public boolean closedByBroker() throws IOException {
        try {
            while (in.read() >= 0) {
                // Skip whatever was answered before the close.
            }
            return true;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
