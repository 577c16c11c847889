package dev.ferry.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.amqp.method.ChannelOpen;
import dev.ferry.amqp.method.ConnectionCloseOk;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    @Test
    void shouldDecodeFramesDeliveredOneByteAtATime() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(4096));
        ByteBuf wire = Unpooled.buffer().writeBytes(AmqpFrames.protocolHeader());
        FrameWriter.writeMethod(wire, 1, new BasicPublish("ex", "rk", true, false));
        FrameWriter.writeContentHeader(wire, 1, 60, 3, MessageProperties.EMPTY);
        FrameWriter.writeBody(wire, 1, new byte[] {7, 8, 9}, 4096);
        FrameWriter.writeHeartbeat(wire);

        while (wire.isReadable()) {
            channel.writeInbound(wire.readRetainedSlice(1));
        }

        assertThat((Object) channel.readInbound()).isSameAs(InboundFrame.ProtocolHeader.INSTANCE);
        assertThat((Object) channel.readInbound())
                .isEqualTo(new InboundFrame.Method(1, new BasicPublish("ex", "rk", true, false)));
        assertThat((Object) channel.readInbound())
                .isEqualTo(new InboundFrame.Header(1, new ContentHeader(60, 3, MessageProperties.EMPTY)));
        InboundFrame.Body body = channel.readInbound();
        assertThat(ByteBufUtil.getBytes(body.payload())).containsExactly(7, 8, 9);
        body.payload().release();
        assertThat((Object) channel.readInbound()).isEqualTo(new InboundFrame.Heartbeat(0));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void shouldAnswerBadProtocolHeaderWithOursAndClose() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(4096));

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'A', 'M', 'Q', 'X'}));

        ByteBuf reply = channel.readOutbound();
        assertThat(ByteBufUtil.getBytes(reply)).isEqualTo(AmqpFrames.protocolHeader());
        reply.release();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldReportOversizedFrameAndDiscardEverythingAfter() {
        FrameDecoder decoder = new FrameDecoder(AmqpFrames.HANDSHAKE_FRAME_MAX);
        decoder.setFrameMax(4096);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        ByteBuf wire = Unpooled.buffer().writeBytes(AmqpFrames.protocolHeader())
                .writeByte(3).writeShort(1).writeInt(4089).writeBytes(new byte[100]);

        channel.writeInbound(wire);
        channel.readInbound();
        InboundFrame.Error error = channel.readInbound();
        ByteBuf later = Unpooled.buffer();
        FrameWriter.writeMethod(later, 1, new ChannelOpen());
        channel.writeInbound(later);

        assertThat(error.framingLost()).isTrue();
        assertThat(error.error().errorCode()).isEqualTo(ErrorCode.FRAME_ERROR);
        assertThat(error.error().getMessage()).contains("frame size 4097 exceeds negotiated frame_max 4096");
        assertThat((Object) channel.readInbound()).isNull();
    }

    @Test
    void shouldReportTruncatedArgumentsAsSyntaxErrorAndKeepFraming() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(4096));
        ByteBuf wire = Unpooled.buffer().writeBytes(AmqpFrames.protocolHeader())
                // basic.publish whose arguments stop after the reserved short
                .writeByte(1).writeShort(1).writeInt(6).writeShort(60).writeShort(40).writeShort(0).writeByte(0xCE);
        FrameWriter.writeMethod(wire, 0, new ConnectionCloseOk());

        channel.writeInbound(wire);
        channel.readInbound();
        InboundFrame.Error error = channel.readInbound();

        assertThat(error.framingLost()).isFalse();
        assertThat(error.error().errorCode()).isEqualTo(ErrorCode.SYNTAX_ERROR);
        assertThat(error.error().classId()).isEqualTo(60);
        // Framing is kept, so the close-ok that answers the connection.close is still read.
        assertThat((Object) channel.readInbound()).isEqualTo(new InboundFrame.Method(0, new ConnectionCloseOk()));
    }

    @Test
    void shouldAcceptAPayloadOfTheMinimumFrameSizeBeforeFrameMaxIsNegotiated() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(AmqpFrames.HANDSHAKE_FRAME_MAX));
        ByteBuf wire = Unpooled.buffer().writeBytes(AmqpFrames.protocolHeader())
                .writeByte(3).writeShort(1).writeInt(4096).writeBytes(new byte[4096]).writeByte(0xCE);

        channel.writeInbound(wire);
        channel.readInbound();
        InboundFrame.Body body = channel.readInbound();

        assertThat(body.payload().readableBytes()).isEqualTo(4096);
        body.payload().release();
    }

    @Test
    void shouldRefuseALargerPayloadBeforeFrameMaxIsNegotiated() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(AmqpFrames.HANDSHAKE_FRAME_MAX));
        ByteBuf wire = Unpooled.buffer().writeBytes(AmqpFrames.protocolHeader())
                .writeByte(1).writeShort(0).writeInt(4097).writeBytes(new byte[100]);

        channel.writeInbound(wire);
        channel.readInbound();
        InboundFrame.Error error = channel.readInbound();

        assertThat(error.framingLost()).isTrue();
        assertThat(error.frameType()).isEqualTo(AmqpFrames.TYPE_METHOD);
        assertThat(error.error().getMessage()).contains("frame size 4105 exceeds the handshake's frame limit 4104");
    }

    @Test
    void shouldRefuseHeartbeatOnANonZeroChannel() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(4096));
        ByteBuf wire = Unpooled.buffer().writeBytes(AmqpFrames.protocolHeader())
                .writeByte(8).writeShort(5).writeInt(0).writeByte(0xCE);

        channel.writeInbound(wire);
        channel.readInbound();
        InboundFrame.Error error = channel.readInbound();

        // Well framed but out of place: 505 as RabbitMQ answers it, and close-ok can still be read.
        assertThat(error.error().errorCode()).isEqualTo(ErrorCode.UNEXPECTED_FRAME);
        assertThat(error.framingLost()).isFalse();
    }

    @Test
    void shouldRefuseAMethodNameThatIsNotUtf8AsRabbitMqDoes() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(4096));
        // queue.declare of "q\xff": the same name as "q\xfe" once decoded leniently
        ByteBuf wire = Unpooled.buffer().writeBytes(AmqpFrames.protocolHeader())
                .writeByte(1).writeShort(1).writeInt(14).writeShort(50).writeShort(10).writeShort(0)
                .writeByte(2).writeByte('q').writeByte(0xFF).writeByte(0).writeInt(0).writeByte(0xCE);

        channel.writeInbound(wire);
        channel.readInbound();
        InboundFrame.Error error = channel.readInbound();

        assertThat(error.framingLost()).isFalse();
        assertThat(error.error().errorCode()).isEqualTo(ErrorCode.FRAME_ERROR);
        assertThat(error.error().getMessage()).isEqualTo("Malformed UTF-8 in shortstr");
    }

    @Test
    void shouldOnlyLookForConnectionCloseAfterAnErrorInsideAFrame() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(4096));
        ByteBuf wire = Unpooled.buffer().writeBytes(AmqpFrames.protocolHeader());
        // A content header too short for its fixed fields, a thousand times: one error, then silence.
        for (int i = 0; i < 1000; i++) {
            wire.writeByte(2).writeShort(1).writeInt(2).writeShort(60).writeByte(0xCE);
        }
        FrameWriter.writeMethod(wire, 1, new ChannelOpen());
        FrameWriter.writeMethod(wire, 0, new ConnectionCloseOk());

        channel.writeInbound(wire);
        channel.readInbound();
        InboundFrame.Error error = channel.readInbound();

        assertThat(error.error().errorCode()).isEqualTo(ErrorCode.FRAME_ERROR);
        assertThat((Object) channel.readInbound()).isEqualTo(new InboundFrame.Method(0, new ConnectionCloseOk()));
        assertThat((Object) channel.readInbound()).isNull();
    }
}
