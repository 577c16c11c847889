package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** connection.tune (10, 30): Server's limits proposal: channel max, frame max, heartbeat seconds. */
public record ConnectionTune(int channelMax, int frameMax, int heartbeat) implements AmqpMethod {
    public static final int CLASS_ID = 10;
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
        return "connection.tune";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(channelMax);
        out.writeInt(frameMax);
        out.writeShort(heartbeat);
    }

    static ConnectionTune read(ByteBuf in) {
        int channelMax = in.readUnsignedShort();
        int frameMax = in.readInt();
        int heartbeat = in.readUnsignedShort();
        return new ConnectionTune(channelMax, frameMax, heartbeat);
    }
}
