package dev.ferry.amqp.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MethodCodecTest {

    @Test
    void shouldRoundTripEveryMethod() {
        for (AmqpMethod method : MethodSamples.all()) {
            ByteBuf buffer = Unpooled.buffer();
            buffer.writeShort(method.classId()).writeShort(method.methodId());
            method.writeArguments(buffer);

            AmqpMethod read = MethodReader.read(buffer);

            assertThat(read).as(method.methodName()).usingRecursiveComparison().isEqualTo(method);
            assertThat(buffer.isReadable()).as(method.methodName() + " left bytes unread").isFalse();
        }
    }

    @Test
    void shouldCoverAllSixtyFourMethodsWithDistinctIds() {
        Set<Integer> ids = new HashSet<>();
        for (AmqpMethod method : MethodSamples.all()) {
            ids.add(method.classId() << 16 | method.methodId());
        }
        assertThat(ids).hasSize(64);
    }

    @Test
    void shouldPackConsecutiveBitsIntoOneOctetLowBitFirst() {
        ByteBuf buffer = Unpooled.buffer();
        new QueueDeclare("q", true, false, true, false, true, null).writeArguments(buffer);

        // reserved short (2) + short string "q" (2) + one octet of bits + empty table (4)
        assertThat(buffer.readableBytes()).isEqualTo(9);
        assertThat((int) buffer.getUnsignedByte(4)).isEqualTo(0b10101);
    }

    @Test
    void shouldUseRabbitMqIdsForExtensions() {
        assertThat(new ExchangeUnbindOk().methodId()).isEqualTo(51);
        assertThat(new BasicNack(1, false, false).methodId()).isEqualTo(120);
        assertThat(new ConfirmSelect(false).classId()).isEqualTo(85);
        assertThat(new ConnectionBlocked("r").methodId()).isEqualTo(60);
        assertThat(new ConnectionUnblocked().methodId()).isEqualTo(61);
    }

    @Test
    void shouldRefuseUnknownMethodWithNotImplemented() {
        ByteBuf buffer = Unpooled.buffer().writeShort(60).writeShort(999);

        assertThatThrownBy(() -> MethodReader.read(buffer))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.NOT_IMPLEMENTED);
                    assertThat(e.classId()).isEqualTo(60);
                    assertThat(e.methodId()).isEqualTo(999);
                });
    }
}
