package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** basic.qos (60, 10): Sets the prefetch window of a channel or consumer. */
public record BasicQos(int prefetchSize, int prefetchCount, boolean global) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 10;

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
        return "basic.qos";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeInt(prefetchSize);
        out.writeShort(prefetchCount);
        out.writeByte((global ? 1 : 0));
    }

    static BasicQos read(ByteBuf in) {
        int prefetchSize = in.readInt();
        int prefetchCount = in.readUnsignedShort();
        int bits = in.readUnsignedByte();
        boolean global = (bits & 1) != 0;
        return new BasicQos(prefetchSize, prefetchCount, global);
    }
}
