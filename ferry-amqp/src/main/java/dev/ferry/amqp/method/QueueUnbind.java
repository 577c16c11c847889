package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/** queue.unbind (50, 50): Removes a queue binding. */
public record QueueUnbind(
        String queue,
        String exchange,
        String routingKey,
        Map<String, Object> arguments) implements AmqpMethod {
    public static final int CLASS_ID = 50;
    public static final int METHOD_ID = 50;

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
        return "queue.unbind";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, queue);
        WireFormat.writeShortString(out, exchange);
        WireFormat.writeShortString(out, routingKey);
        FieldTableCodec.writeTable(out, arguments);
    }

    static QueueUnbind read(ByteBuf in) {
        in.skipBytes(2);
        String queue = WireFormat.readShortString(in);
        String exchange = WireFormat.readShortString(in);
        String routingKey = WireFormat.readShortString(in);
        Map<String, Object> arguments = FieldTableCodec.readTable(in);
        return new QueueUnbind(queue, exchange, routingKey, arguments);
    }
}
