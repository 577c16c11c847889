package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** confirm.select (85, 10): Puts the channel in publisher-confirm mode (RabbitMQ extension). */
public record ConfirmSelect(boolean noWait) implements AmqpMethod {
    public static final int CLASS_ID = 85;
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
        return "confirm.select";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte((noWait ? 1 : 0));
    }

    static ConfirmSelect read(ByteBuf in) {
        int bits = in.readUnsignedByte();
        boolean noWait = (bits & 1) != 0;
        return new ConfirmSelect(noWait);
    }
}
