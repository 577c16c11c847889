package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** basic.deliver (60, 60): Delivers a message to a consumer, with its content. */
public record BasicDeliver(
        String consumerTag,
        long deliveryTag,
        boolean redelivered,
        String exchange,
        String routingKey) implements AmqpMethod {
    public static final int CLASS_ID = 60;
    public static final int METHOD_ID = 60;

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
        return "basic.deliver";
    }

    @Override
    public boolean hasContent() {
        return true;
    }

    @Override
    public void writeArguments(ByteBuf out) {
        WireFormat.writeShortString(out, consumerTag);
        out.writeLong(deliveryTag);
        out.writeByte((redelivered ? 1 : 0));
        WireFormat.writeShortString(out, exchange);
        WireFormat.writeShortString(out, routingKey);
    }

    static BasicDeliver read(ByteBuf in) {
        String consumerTag = WireFormat.readShortString(in);
        long deliveryTag = in.readLong();
        int bits = in.readUnsignedByte();
        boolean redelivered = (bits & 1) != 0;
        String exchange = WireFormat.readShortString(in);
        String routingKey = WireFormat.readShortString(in);
        return new BasicDeliver(consumerTag, deliveryTag, redelivered, exchange, routingKey);
    }
}
