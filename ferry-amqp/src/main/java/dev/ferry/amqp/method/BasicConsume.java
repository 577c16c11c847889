package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/** basic.consume (60, 20): Starts a consumer on a queue. */
public record BasicConsume(
        String queue,
        String consumerTag,
        boolean noLocal,
        boolean noAck,
        boolean exclusive,
        boolean noWait,
        Map<String, Object> arguments) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 20;

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
        return "basic.consume";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, queue);
        WireFormat.writeShortString(out, consumerTag);
        out.writeByte((noLocal ? 1 : 0) | (noAck ? 2 : 0) | (exclusive ? 4 : 0) | (noWait ? 8 : 0));
        FieldTableCodec.writeTable(out, arguments);
    }

    static BasicConsume read(ByteBuf in) {
        in.skipBytes(2);
        String queue = WireFormat.readShortString(in);
        String consumerTag = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean noLocal = (bits & 1) != 0;
        boolean noAck = (bits & 2) != 0;
        boolean exclusive = (bits & 4) != 0;
        boolean noWait = (bits & 8) != 0;
        Map<String, Object> arguments = FieldTableCodec.readTable(in);
        return new BasicConsume(queue, consumerTag, noLocal, noAck, exclusive, noWait, arguments);
    }
}
