package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.get-ok (60, 71): Answers a get with a message, whose content follows. */
public record BasicGetOk(
        long deliveryTag,
        boolean redelivered,
        String exchange,
        String routingKey,
        int messageCount) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 71;

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
        return "basic.get-ok";
    }

    @Override
    public boolean hasContent() {
        return true;
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeLong(deliveryTag);
        out.writeByte((redelivered ? 1 : 0));
        WireFormat.writeShortString(out, exchange);
        WireFormat.writeShortString(out, routingKey);
        out.writeInt(messageCount);
    }

    static BasicGetOk read(ByteBuf in) {
        long deliveryTag = in.readLong();
        int bits = in.readUnsignedByte();
        boolean redelivered = (bits & 1) != 0;
        String exchange = WireFormat.readShortString(in);
        String routingKey = WireFormat.readShortString(in);
        int messageCount = in.readInt();
        return new BasicGetOk(deliveryTag, redelivered, exchange, routingKey, messageCount);
    }
}
