package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/** exchange.declare (40, 10): Creates an exchange, or checks that it exists (passive). */
public record ExchangeDeclare(
        String exchange,
        String type,
        boolean passive,
        boolean durable,
        boolean autoDelete,
        boolean internal,
        boolean noWait,
        Map<String, Object> arguments) implements AmqpMethod {
    public static final int CLASS_ID = 40;
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
        return "exchange.declare";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, exchange);
        WireFormat.writeShortString(out, type);
        out.writeByte((passive ? 1 : 0) | (durable ? 2 : 0) | (autoDelete ? 4 : 0) | (internal ? 8 : 0) | (noWait ? 16 : 0));
        FieldTableCodec.writeTable(out, arguments);
    }

    static ExchangeDeclare read(ByteBuf in) {
        in.skipBytes(2);
        String exchange = WireFormat.readShortString(in);
        String type = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean passive = (bits & 1) != 0;
        boolean durable = (bits & 2) != 0;
        boolean autoDelete = (bits & 4) != 0;
        boolean internal = (bits & 8) != 0;
        boolean noWait = (bits & 16) != 0;
        Map<String, Object> arguments = FieldTableCodec.readTable(in);
        return new ExchangeDeclare(exchange, type, passive, durable, autoDelete, internal, noWait, arguments);
    }
}
