package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** queue.delete (50, 40): Deletes a queue. */
public record QueueDelete(
        String queue,
        boolean ifUnused,
        boolean ifEmpty,
        boolean noWait) implements AmqpMethod {
    public static final int CLASS_ID = 50;
    public static final int METHOD_ID = 40;

    @Override
    public int classId() {
        return CLASS_ID;
    }

    @Override
    public int methodId() {
        return METHOD_ID;
    }

    @Override
    public String methodName() {
        return "queue.delete";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, queue);
        out.writeByte((ifUnused ? 1 : 0) | (ifEmpty ? 2 : 0) | (noWait ? 4 : 0));
    }

    static QueueDelete read(ByteBuf in) {
        in.skipBytes(2);
        String queue = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean ifUnused = (bits & 1) != 0;
        boolean ifEmpty = (bits & 2) != 0;
        boolean noWait = (bits & 4) != 0;
        return new QueueDelete(queue, ifUnused, ifEmpty, noWait);
    }
}
