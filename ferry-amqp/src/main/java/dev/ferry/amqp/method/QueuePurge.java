package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** queue.purge (50, 30): Removes every ready message from a queue. */
public record QueuePurge(String queue, boolean noWait) implements AmqpMethod {
    public static final int CLASS_ID = 50;
    public static final int METHOD_ID = 30;

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
        return "queue.purge";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, queue);
        out.writeByte((noWait ? 1 : 0));
    }

    static QueuePurge read(ByteBuf in) {
        in.skipBytes(2);
        String queue = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean noWait = (bits & 1) != 0;
        return new QueuePurge(queue, noWait);
    }
}
