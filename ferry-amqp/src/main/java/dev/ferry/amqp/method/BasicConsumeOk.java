package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.consume-ok (60, 21): Confirms a consumer with its tag. */
public record BasicConsumeOk(String consumerTag) implements AmqpMethod {
    public static final int CLASS_ID = 60;
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
        return "basic.consume-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeShortString(out, consumerTag);
    }

    static BasicConsumeOk read(ByteBuf in) {
        String consumerTag = WireFormat.readShortString(in);
        return new BasicConsumeOk(consumerTag);
    }
}
