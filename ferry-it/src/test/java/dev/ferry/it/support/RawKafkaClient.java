package dev.ferry.it.support;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A Kafka connection over a plain socket, for bytes no real client would send: frames are written
 * as given and responses read back as raw frames. Blocking, with a read timeout, so a broker that
 * neither answers nor closes fails the test instead of hanging it.
 */
public final class RawKafkaClient implements AutoCloseable {
    private static final int READ_TIMEOUT_MS = 15_000;

    private final Socket socket;
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
