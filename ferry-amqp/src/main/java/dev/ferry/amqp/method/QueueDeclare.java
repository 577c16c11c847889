package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/** queue.declare (50, 10): Creates a queue, or checks that it exists (passive). */
public record QueueDeclare(
        String queue,
        boolean passive,
        boolean durable,
        boolean exclusive,
        boolean autoDelete,
        boolean noWait,
        Map<String, Object> arguments) implements AmqpMethod {
    public static final int CLASS_ID = 50;
    public static final int METHOD_ID = 10;

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
        return "queue.declare";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, queue);
        out.writeByte((passive ? 1 : 0) | (durable ? 2 : 0) | (exclusive ? 4 : 0) | (autoDelete ? 8 : 0) | (noWait ? 16 : 0));
        FieldTableCodec.writeTable(out, arguments);
    }

    static QueueDeclare read(ByteBuf in) {
        in.skipBytes(2);
        String queue = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean passive = (bits & 1) != 0;
        boolean durable = (bits & 2) != 0;
        boolean exclusive = (bits & 4) != 0;
        boolean autoDelete = (bits & 8) != 0;
        boolean noWait = (bits & 16) != 0;
        Map<String, Object> arguments = FieldTableCodec.readTable(in);
        return new QueueDeclare(queue, passive, durable, exclusive, autoDelete, noWait, arguments);
    }
}
