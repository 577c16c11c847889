package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/** queue.bind (50, 20): Binds a queue to an exchange. */
public record QueueBind(
        String queue,
        String exchange,
        String routingKey,
        boolean noWait,
        Map<String, Object> arguments) implements AmqpMethod {
    public static final int CLASS_ID = 50;
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
        return "queue.bind";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, queue);
        WireFormat.writeShortString(out, exchange);
        WireFormat.writeShortString(out, routingKey);
        out.writeByte((noWait ? 1 : 0));
        FieldTableCodec.writeTable(out, arguments);
    }

    static QueueBind read(ByteBuf in) {
        in.skipBytes(2);
        String queue = WireFormat.readShortString(in);
        String exchange = WireFormat.readShortString(in);
        String routingKey = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean noWait = (bits & 1) != 0;
        Map<String, Object> arguments = FieldTableCodec.readTable(in);
        return new QueueBind(queue, exchange, routingKey, noWait, arguments);
    }
}
