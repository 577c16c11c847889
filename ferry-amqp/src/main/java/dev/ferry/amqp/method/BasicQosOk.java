package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** basic.qos-ok (60, 11): Confirms a qos change. */
public record BasicQosOk() implements AmqpMethod {
    public static final int CLASS_ID = 60;
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
        return "basic.qos-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static BasicQosOk read(ByteBuf in) {
        // no arguments
        return new BasicQosOk();
    }
}
