package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** basic.recover-async (60, 100): Asks for unacknowledged deliveries to be sent again (deprecated, no reply). */
public record BasicRecoverAsync(boolean requeue) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 100;

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
        return "basic.recover-async";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte((requeue ? 1 : 0));
    }

    static BasicRecoverAsync read(ByteBuf in) {
        int bits = in.readUnsignedByte();
        boolean requeue = (bits & 1) != 0;
        return new BasicRecoverAsync(requeue);
    }
}
