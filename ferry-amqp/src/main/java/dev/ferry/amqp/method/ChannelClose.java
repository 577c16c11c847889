package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.WireFormat;
import io.netty.buffer.ByteBuf;

/** channel.close (20, 40): Either side ends a channel, saying why and which method failed. */
public record ChannelClose(
        int replyCode,
        String replyText,
        int failingClassId,
        int failingMethodId) implements AmqpMethod {
    public static final int CLASS_ID = 20;
    public static final int METHOD_ID = 40;

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
        return "channel.close";
    }

    @Override
    public void writeArguments(ByteBuf out) {
        out.writeShort(replyCode);
        WireFormat.writeShortString(out, replyText);
        out.writeShort(failingClassId);
        out.writeShort(failingMethodId);
    }

    static ChannelClose read(ByteBuf in) {
        int replyCode = in.readUnsignedShort();
        String replyText = WireFormat.readShortString(in);
        int failingClassId = in.readUnsignedShort();
        int failingMethodId = in.readUnsignedShort();
        return new ChannelClose(replyCode, replyText, failingClassId, failingMethodId);
    }
}
