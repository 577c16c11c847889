package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** basic.ack (60, 80): Acknowledges one delivery, or all up to it (multiple); also a publisher confirm from the server. */
public record BasicAck(long deliveryTag, boolean multiple) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 80;

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
        return "basic.ack";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeLong(deliveryTag);
        out.writeByte((multiple ? 1 : 0));
    }

    static BasicAck read(ByteBuf in) {
        long deliveryTag = in.readLong();
        int bits = in.readUnsignedByte();
        boolean multiple = (bits & 1) != 0;
        return new BasicAck(deliveryTag, multiple);
    }
}
