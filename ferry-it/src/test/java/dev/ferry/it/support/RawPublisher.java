package dev.ferry.it.support;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A publisher on a raw socket, as fast as the socket lets it write: basic.publish, content header
 * and body frames pre-encoded in batches and written without waiting for anything. No client
 * library pushes this hard, which is the point: what the broker reads it must either take or stop
 * reading.
 */
public final class RawPublisher implements AutoCloseable {
    private final RawAmqpClient client;

    public RawPublisher(String host, int port) throws IOException {
        client = new RawAmqpClient(host, port);
        client.handshake(0);
        client.openChannel(1);
    }

    /** Publishes {@code count} messages of {@code bodyBytes} to {@code queue} through the default exchange. */
    public void publish(String queue, int count, int bodyBytes) throws IOException {
        publish("", queue, count, bodyBytes);
    }

    /** Publishes {@code count} messages of {@code bodyBytes} to {@code exchange} with {@code routingKey}. */
    public void publish(String exchange, String routingKey, int count, int bodyBytes) throws IOException {
        int perBatch = Math.max(1, Math.min(100, (1 << 20) / Math.max(1, bodyBytes)));
        byte[] batch = encode(exchange, routingKey, perBatch, bodyBytes, client.frameMax());
        int sent = 0;
        while (sent + perBatch <= count) {
            client.sendBytes(batch);
            sent += perBatch;
        }
        if (sent < count) {
            client.sendBytes(encode(exchange, routingKey, count - sent, bodyBytes, client.frameMax()));
        }
    }

    /** Writes {@code messages} publishes, each with a body of {@code bodyBytes}, one after another. */
    public static byte[] encode(String queue, int messages, int bodyBytes, int frameMax) {
        return encode("", queue, messages, bodyBytes, frameMax);
    }

    private static byte[] encode(String exchange, String routingKey, int messages, int bodyBytes, int frameMax) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            RawAmqpClient.MethodWriter publish = new RawAmqpClient.MethodWriter(60, 40);
            publish.shortInt(0).shortString(exchange).shortString(routingKey).octet(0);
            byte[] method = publish.toByteArray();
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            DataOutputStream headerOut = new DataOutputStream(header);
            headerOut.writeShort(60);
            headerOut.writeShort(0);
            headerOut.writeLong(bodyBytes);
            headerOut.writeShort(0); // no properties
            byte[] body = new byte[bodyBytes];
            for (int i = 0; i < bodyBytes; i++) {
                body[i] = (byte) i;
            }
            for (int m = 0; m < messages; m++) {
                frame(out, RawAmqpClient.FRAME_METHOD, method, 0, method.length);
                frame(out, RawAmqpClient.FRAME_HEADER, header.toByteArray(), 0, header.size());
                int chunk = frameMax - 8;
                for (int offset = 0; offset < bodyBytes; offset += chunk) {
                    frame(out, RawAmqpClient.FRAME_BODY, body, offset, Math.min(chunk, bodyBytes - offset));
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void frame(DataOutputStream out, int type, byte[] payload, int offset, int length)
            throws IOException {
        out.writeByte(type);
        out.writeShort(1);
        out.writeInt(length);
        out.write(payload, offset, length);
        out.writeByte(RawAmqpClient.FRAME_END);
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
