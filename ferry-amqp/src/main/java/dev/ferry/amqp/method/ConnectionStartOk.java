package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/** connection.start-ok (10, 11): Client's choice of SASL mechanism and locale, with its properties and the SASL response. */
public record ConnectionStartOk(
        Map<String, Object> clientProperties,
        String mechanism,
        byte[] response,
        String locale) implements AmqpMethod {
    public static final int CLASS_ID = 10;
    public static final int METHOD_ID = 11;

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
        return "connection.start-ok";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        FieldTableCodec.writeTable(out, clientProperties);
        WireFormat.writeShortString(out, mechanism);
        WireFormat.writeLongBytes(out, response);
        WireFormat.writeShortString(out, locale);
    }

    static ConnectionStartOk read(ByteBuf in) {
        Map<String, Object> clientProperties = FieldTableCodec.readTable(in);
        String mechanism = WireFormat.readShortString(in);
        byte[] response = WireFormat.readLongBytes(in);
        String locale = WireFormat.readShortString(in);
        return new ConnectionStartOk(clientProperties, mechanism, response, locale);
    }
}
