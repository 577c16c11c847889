package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.get-empty (60, 72): Answers a get when the queue has no ready message. */
public record BasicGetEmpty() implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 72;

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
        return "basic.get-empty";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte(0);
    }

    static BasicGetEmpty read(ByteBuf in) {
        WireFormat.skipShortString(in);
        return new BasicGetEmpty();
    }
}
