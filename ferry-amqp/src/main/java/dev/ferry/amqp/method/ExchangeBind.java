package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/** exchange.bind (40, 30): Binds an exchange to another exchange (RabbitMQ extension). */
public record ExchangeBind(
        String destination,
        String source,
        String routingKey,
        boolean noWait,
        Map<String, Object> arguments) implements AmqpMethod {
    public static final int CLASS_ID = 40;
    public static final int METHOD_ID = 30;

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
        return "exchange.bind";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(0);
        WireFormat.writeShortString(out, destination);
        WireFormat.writeShortString(out, source);
        WireFormat.writeShortString(out, routingKey);
        out.writeByte((noWait ? 1 : 0));
        FieldTableCodec.writeTable(out, arguments);
    }

    static ExchangeBind read(ByteBuf in) {
        in.skipBytes(2);
        String destination = WireFormat.readShortString(in);
        String source = WireFormat.readShortString(in);
        String routingKey = WireFormat.readShortString(in);
        int bits = in.readUnsignedByte();
        boolean noWait = (bits & 1) != 0;
        Map<String, Object> arguments = FieldTableCodec.readTable(in);
        return new ExchangeBind(destination, source, routingKey, noWait, arguments);
    }
}
