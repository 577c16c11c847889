package dev.ferry.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageBodyTest {
    private static final int LARGE = MessageBody.DIRECT_FROM_BYTES;

    @Test
    void shouldKeepBodiesBelowTheThresholdOnTheHeapAndLargerOnesOff() {
        MessageBody small = MessageBody.allocate(LARGE - 1);
        MessageBody large = MessageBody.allocate(LARGE);

        assertThat(small.isDirect()).isFalse();
        assertThat(large.isDirect()).isTrue();
        assertThat(large.size()).isEqualTo(LARGE);
        large.release();
    }

    @Test
    void shouldPutLargeBodiesOnTheHeapOnceTheOffHeapLimitIsReached() {
        List<MessageBody> held = new ArrayList<>();
        try {
            int size = 16 << 20;
            while (MessageBody.directBytesInUse() + size <= MessageBody.DIRECT_LIMIT_BYTES) {
                MessageBody body = MessageBody.allocate(size);
                held.add(body);
                assertThat(body.isDirect()).isTrue();
            }
            MessageBody beyond = MessageBody.allocate(size);
            held.add(beyond);

            assertThat(beyond.isDirect()).isFalse();
            assertThat(beyond.size()).isEqualTo(size);
            assertThat(MessageBody.directBytesInUse()).isLessThanOrEqualTo(MessageBody.DIRECT_LIMIT_BYTES);
        } finally {
            held.forEach(MessageBody::release);
        }
    }

    // The counters are JVM-wide, and bodies other tests dropped may be uncounted by a collection at
    // any time: these tests only assert changes that such a collection could not fake.
    @Test
    void shouldCountOffHeapBytesUntilTheLastReferenceIsGivenBack() {
        MessageBody body = MessageBody.allocate(LARGE + 10);
        body.retain();
        body.release();
        assertThat(body.references()).isEqualTo(1);
        assertThat(body.buffer().remaining()).as("still readable").isEqualTo(LARGE + 10);

        long beforeLastRelease = MessageBody.directBytesInUse();
        body.release();

        assertThat(beforeLastRelease - MessageBody.directBytesInUse()).isGreaterThanOrEqualTo(LARGE + 10);
        assertThat(body.references()).isZero();
    }

    @Test
    void shouldLeaveABodyNobodyReleasedToTheCollectorAndSaySo() {
        long leftBefore = MessageBody.directBytesLeftToCollector();
        MessageBody released = MessageBody.allocate(LARGE + 12_345);
        released.release();
        MessageBody.allocate(LARGE + 12_345); // dropped with its reference

        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            return MessageBody.directBytesLeftToCollector() - leftBefore >= LARGE + 12_345;
        });
    }

    @Test
    void shouldRefuseAReferenceOrAReadAfterTheBodyWasFreed() {
        MessageBody body = MessageBody.allocate(LARGE);
        body.release();

        assertThatThrownBy(body::retain).isInstanceOf(IllegalStateException.class).hasMessageContaining("freed");
        assertThatThrownBy(body::buffer).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(body::array).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(body::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("more than retained");
    }

    @Test
    void shouldReadBackWhatWasFilledInWhicheverForm() {
        for (int size : new int[] {3, LARGE + 7}) {
            byte[] expected = new byte[size];
            for (int i = 0; i < size; i++) {
                expected[i] = (byte) (i * 31 + 7);
            }
            MessageBody body = MessageBody.allocate(size);
            body.fillView().put(expected);

            assertThat(body.array()).isEqualTo(expected);
            ByteBuffer view = body.buffer();
            assertThat(view.remaining()).isEqualTo(size);
            byte[] read = new byte[size];
            view.get(read);
            assertThat(read).isEqualTo(expected);
            body.release();
        }
    }

    @Test
    void shouldCopyOnlyTheRemainingBytesAndLeaveTheSourceWhereItWas() {
        byte[] bytes = new byte[LARGE + 100];
        Arrays.fill(bytes, (byte) 5);
        bytes[50] = 9;
        ByteBuffer source = ByteBuffer.wrap(bytes);
        source.position(50);

        MessageBody copy = MessageBody.copyOf(source);

        assertThat(source.position()).isEqualTo(50);
        assertThat(copy.size()).isEqualTo(LARGE + 50);
        assertThat(copy.isDirect()).isTrue();
        assertThat(copy.array()[0]).isEqualTo((byte) 9);
        copy.release();
        assertThat(MessageBody.copyOf(ByteBuffer.allocate(0))).isSameAs(MessageBody.EMPTY);
        assertThat(MessageBody.copyOf(null)).isSameAs(MessageBody.EMPTY);
    }

    @Test
    void shouldTreatAHeapBodyAsItsArrayAndIgnoreReferences() {
        byte[] bytes = {1, 2, 3};
        MessageBody body = MessageBody.of(bytes);
        body.release();
        body.release();

        assertThat(body.array()).isSameAs(bytes);
        assertThat(body.retain()).isSameAs(body);
        assertThat(body.buffer().hasArray()).as("encoders take the bulk path").isTrue();
        assertThat(MessageBody.of(new byte[0])).isSameAs(MessageBody.EMPTY);
        assertThatThrownBy(() -> MessageBody.allocate(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldShareOneBodyBetweenReaddressedCopiesOfAMessage() {
        MessageBody body = MessageBody.allocate(LARGE);
        Message message = new Message("x", "k", MessageProperties.EMPTY, body);

        assertThat(message.withRoute("dlx", "dead", MessageProperties.EMPTY).messageBody()).isSameAs(body);
        assertThat(message.withOnlyRoute("dlx", "dead", MessageProperties.EMPTY).messageBody()).isSameAs(body);
        assertThat(message.bodySize()).isEqualTo(LARGE);
        body.release();
    }
}
