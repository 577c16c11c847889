package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.cancel (60, 30): Ends a consumer (sent by the server too, when its queue goes away). */
public record BasicCancel(String consumerTag, boolean noWait) implements AmqpMethod {
    public static final int CLASS_ID = 60;
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
        return "basic.cancel";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeShortString(out, consumerTag);
        out.writeByte((noWait ? 1 : 0));
    }

    static BasicCancel read(ByteBuf in) {
        String consumerTag = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean noWait = (bits & 1) != 0;
        return new BasicCancel(consumerTag, noWait);
    }
}
