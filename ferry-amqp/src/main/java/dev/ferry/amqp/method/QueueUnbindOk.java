package dev.ferry.amqp.method;

import io.netty.buffer.ByteBuf;

/** queue.unbind-ok (50, 51): Confirms a queue unbind. */
public record QueueUnbindOk() implements AmqpMethod {
    public static final int CLASS_ID = 50;
    public static final int METHOD_ID = 51;

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
        return "queue.unbind-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        // no arguments
    }

    static QueueUnbindOk read(ByteBuf in) {
        // no arguments
        return new QueueUnbindOk();
    }
}
