import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw-socket publisher flood for ingress-memory.sh: CONNECTIONS sockets each write pre-encoded
 * basic.publish + content header + body frames (no properties) to QUEUE through the default
 * exchange, as fast as the broker reads them, for SECONDS. No client library pushes this hard: the
 * broker either keeps up, stops reading, or buffers. The queue is declared (non-durable, not
 * auto-delete) if it does not exist. Prints one line:
 *
 *   rawflood connections=4 seconds=60 body=1024 sent=N rate=N/s
 *
 * Only the JDK is needed: java RawFlood.java HOST PORT QUEUE CONNECTIONS SECONDS BODY_BYTES
 */
public class RawFlood {
  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: RawFlood HOST PORT QUEUE CONNECTIONS SECONDS BODY_BYTES");
      System.exit(2);
    }
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String queue = args[2];
    int connections = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    int bodyBytes = Integer.parseInt(args[5]);

    AtomicLong sent = new AtomicLong();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    List<Socket> sockets = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      Socket socket = new Socket(host, port);
      socket.setTcpNoDelay(true);
      sockets.add(socket);
      int frameMax = handshake(socket, queue, c == 0);
      int perBatch = Math.max(1, Math.min(256, (256 << 10) / Math.max(1, bodyBytes)));
      byte[] batch = publishes(queue, perBatch, bodyBytes, frameMax);
      Thread thread = new Thread(() -> {
        try {
          OutputStream out = socket.getOutputStream();
          while (System.nanoTime() < deadline) {
            out.write(batch);
            sent.addAndGet(perBatch);
          }
        } catch (IOException e) {
          if (System.nanoTime() < deadline) {
            System.err.println("rawflood: connection failed: " + e);
          }
        }
      }, "rawflood-" + c);
      thread.start();
      threads.add(thread);
    }
    // A write blocked on a broker that stopped reading would outlive the deadline: close the
    // sockets shortly after it to end the run on time.
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000 + 2000));
    }
    for (Socket socket : sockets) {
      socket.close();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    System.out.printf("rawflood connections=%d seconds=%d body=%d sent=%d rate=%d/s%n", connections, seconds,
        bodyBytes, sent.get(), sent.get() / Math.max(1, seconds));
  }

  /** Handshake as guest (PLAIN), channel 1 open, and on the first connection queue.declare; returns frame_max. */
  private static int handshake(Socket socket, String queue, boolean declare) throws IOException {
    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
    DataInputStream in = new DataInputStream(socket.getInputStream());
    out.write(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
    expect(in, 10, 10);
    Method startOk = new Method(10, 11);
    startOk.data.writeInt(0);
    startOk.shortString("PLAIN");
    byte[] response = "\0guest\0guest".getBytes(StandardCharsets.UTF_8);
    startOk.data.writeInt(response.length);
    startOk.data.write(response);
    startOk.shortString("en_US");
    startOk.send(out, 0);
    DataInputStream tune = expect(in, 10, 30);
    int channelMax = tune.readUnsignedShort();
    int frameMax = tune.readInt();
    Method tuneOk = new Method(10, 31);
    tuneOk.data.writeShort(channelMax);
    tuneOk.data.writeInt(frameMax);
    tuneOk.data.writeShort(0);
    tuneOk.send(out, 0);
    Method open = new Method(10, 40);
    open.shortString("/");
    open.shortString("");
    open.data.writeByte(0);
    open.send(out, 0);
    expect(in, 10, 41);
    Method channelOpen = new Method(20, 10);
    channelOpen.shortString("");
    channelOpen.send(out, 1);
    expect(in, 20, 11);
    if (declare) {
      Method declareQueue = new Method(50, 10);
      declareQueue.data.writeShort(0);
      declareQueue.shortString(queue);
      declareQueue.data.writeByte(0); // not passive, durable, exclusive or auto-delete; wait for declare-ok
      declareQueue.data.writeInt(0);
      declareQueue.send(out, 1);
      expect(in, 50, 11);
    }
    return frameMax;
  }

  /** Reads frames until a method frame; checks its ids and returns its arguments. */
  private static DataInputStream expect(DataInputStream in, int classId, int methodId) throws IOException {
    while (true) {
      int type = in.readUnsignedByte();
      in.readUnsignedShort();
      byte[] payload = new byte[in.readInt()];
      in.readFully(payload);
      in.readUnsignedByte();
      if (type != 1) {
        continue;
      }
      DataInputStream method = new DataInputStream(new java.io.ByteArrayInputStream(payload));
      int gotClass = method.readUnsignedShort();
      int gotMethod = method.readUnsignedShort();
      if (gotClass != classId || gotMethod != methodId) {
        throw new IOException("expected " + classId + "." + methodId + ", got " + gotClass + "." + gotMethod);
      }
      return method;
    }
  }

  private static byte[] publishes(String queue, int count, int bodyBytes, int frameMax) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    Method publish = new Method(60, 40);
    publish.data.writeShort(0);
    publish.shortString("");
    publish.shortString(queue);
    publish.data.writeByte(0);
    byte[] header = new byte[14];
    java.nio.ByteBuffer.wrap(header).putShort((short) 60).putShort((short) 0).putLong(bodyBytes).putShort((short) 0);
    byte[] body = new byte[bodyBytes];
    for (int m = 0; m < count; m++) {
      publish.send(out, 1);
      frame(out, 2, header, 0, header.length);
      for (int offset = 0; offset < bodyBytes; offset += frameMax - 8) {
        frame(out, 3, body, offset, Math.min(frameMax - 8, bodyBytes - offset));
      }
    }
    return bytes.toByteArray();
  }

  private static void frame(DataOutputStream out, int type, byte[] payload, int offset, int length)
      throws IOException {
    out.writeByte(type);
    out.writeShort(1);
    out.writeInt(length);
    out.write(payload, offset, length);
    out.writeByte(0xCE);
  }

  /** A method frame's payload under construction. */
  private static final class Method {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final DataOutputStream data = new DataOutputStream(bytes);

    Method(int classId, int methodId) throws IOException {
      data.writeShort(classId);
      data.writeShort(methodId);
    }

    void shortString(String value) throws IOException {
      byte[] encoded = value.getBytes(StandardCharsets.UTF_8);
      data.writeByte(encoded.length);
      data.write(encoded);
    }

    void send(DataOutputStream out, int channel) throws IOException {
      byte[] payload = bytes.toByteArray();
      out.writeByte(1);
      out.writeShort(channel);
      out.writeInt(payload.length);
      out.write(payload);
      out.writeByte(0xCE);
      out.flush();
    }
  }
}
