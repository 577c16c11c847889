package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** basic.recover (60, 110): Asks for unacknowledged deliveries to be sent again. */
public record BasicRecover(boolean requeue) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 110;

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
        return "basic.recover";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte((requeue ? 1 : 0));
    }

    static BasicRecover read(ByteBuf in) {
        int bits = in.readUnsignedByte();
        boolean requeue = (bits & 1) != 0;
        return new BasicRecover(requeue);
    }
}
