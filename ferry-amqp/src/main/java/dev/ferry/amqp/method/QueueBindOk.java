package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** queue.bind-ok (50, 21): Confirms a queue bind. */
public record QueueBindOk() implements AmqpMethod {
    public static final int CLASS_ID = 50;
    public static final int METHOD_ID = 21;

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
        return "queue.bind-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static QueueBindOk read(ByteBuf in) {
        // no arguments
        return new QueueBindOk();
    }
}
