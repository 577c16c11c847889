package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** basic.nack (60, 120): Rejects one or many deliveries (RabbitMQ extension); also a negative publisher confirm. */
public record BasicNack(long deliveryTag, boolean multiple, boolean requeue) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 120;

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
        return "basic.nack";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeLong(deliveryTag);
        out.writeByte((multiple ? 1 : 0) | (requeue ? 2 : 0));
    }

    static BasicNack read(ByteBuf in) {
        long deliveryTag = in.readLong();
        int bits = in.readUnsignedByte();
        boolean multiple = (bits & 1) != 0;
        boolean requeue = (bits & 2) != 0;
        return new BasicNack(deliveryTag, multiple, requeue);
    }
}
