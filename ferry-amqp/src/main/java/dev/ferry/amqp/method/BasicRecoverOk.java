package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** basic.recover-ok (60, 111): Confirms a recover. */
public record BasicRecoverOk() implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 111;

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
        return "basic.recover-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static BasicRecoverOk read(ByteBuf in) {
        // no arguments
        return new BasicRecoverOk();
    }
}
