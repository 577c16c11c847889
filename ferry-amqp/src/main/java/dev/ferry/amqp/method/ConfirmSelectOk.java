package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** confirm.select-ok (85, 11): Confirms confirm mode. */
public record ConfirmSelectOk() implements AmqpMethod {
    public static final int CLASS_ID = 85;
    public static final int METHOD_ID = 11;

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
        return "confirm.select-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static ConfirmSelectOk read(ByteBuf in) {
        // no arguments
        return new ConfirmSelectOk();
    }
}
