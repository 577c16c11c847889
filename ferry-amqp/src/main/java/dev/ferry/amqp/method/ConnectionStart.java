package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.FieldTableCodec;
import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/** connection.start (10, 10): Server's opening offer: protocol version, server properties, SASL mechanisms and locales. */
public record ConnectionStart(
        int versionMajor,
        int versionMinor,
        Map<String, Object> serverProperties,
        String mechanisms,
        String locales) implements AmqpMethod {
    public static final int CLASS_ID = 10;
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
        return "connection.start";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeByte(versionMajor);
        out.writeByte(versionMinor);
        FieldTableCodec.writeTable(out, serverProperties);
        WireFormat.writeLongString(out, mechanisms);
        WireFormat.writeLongString(out, locales);
    }

    static ConnectionStart read(ByteBuf in) {
        int versionMajor = in.readUnsignedByte();
        int versionMinor = in.readUnsignedByte();
        Map<String, Object> serverProperties = FieldTableCodec.readTable(in);
        String mechanisms = WireFormat.readLongString(in);
        String locales = WireFormat.readLongString(in);
        return new ConnectionStart(versionMajor, versionMinor, serverProperties, mechanisms, locales);
    }
}
