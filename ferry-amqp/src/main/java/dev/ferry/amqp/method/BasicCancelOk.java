package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.cancel-ok (60, 31): Confirms a consumer cancel. */
public record BasicCancelOk(String consumerTag) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 31;

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
        return "basic.cancel-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeShortString(out, consumerTag);
    }

    static BasicCancelOk read(ByteBuf in) {
        String consumerTag = WireFormat.readShortString(in);
        return new BasicCancelOk(consumerTag);
    }
}
