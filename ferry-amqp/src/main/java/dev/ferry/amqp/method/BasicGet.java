package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.get (60, 70): Fetches one message from a queue synchronously. */
public record BasicGet(String queue, boolean noAck) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 70;

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
        return "basic.get";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, queue);
        out.writeByte((noAck ? 1 : 0));
    }

    static BasicGet read(ByteBuf in) {
        in.skipBytes(2);
        String queue = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean noAck = (bits & 1) != 0;
        return new BasicGet(queue, noAck);
    }
}
