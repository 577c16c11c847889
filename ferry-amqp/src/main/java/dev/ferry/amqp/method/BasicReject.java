package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** basic.reject (60, 90): Rejects one delivery, requeueing or discarding it. */
public record BasicReject(long deliveryTag, boolean requeue) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 90;

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
        return "basic.reject";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeLong(deliveryTag);
        out.writeByte((requeue ? 1 : 0));
    }

    static BasicReject read(ByteBuf in) {
        long deliveryTag = in.readLong();
        int bits = in.readUnsignedByte();
        boolean requeue = (bits & 1) != 0;
        return new BasicReject(deliveryTag, requeue);
    }
}
