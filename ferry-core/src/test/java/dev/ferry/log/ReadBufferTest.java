package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.memory.DirectMemory;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** {@link ReadBuffer} reuses its memory while it is large enough and gives it back when it grows. */
class ReadBufferTest {
    private static final int MIB = 1024 * 1024;

    private static long directBytesInUse() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }

    @Test
    void shouldHandOutABufferOnTheFirstTake() {
        try (ReadBuffer readBuffer = new ReadBuffer()) {
            ByteBuffer buffer = readBuffer.take(100);

            assertThat(buffer.position()).isZero();
            assertThat(buffer.limit()).isEqualTo(100);
            assertThat(buffer.capacity()).isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void shouldReuseTheSameBufferForATakeOfExactlyItsCapacity() {
        try (ReadBuffer readBuffer = new ReadBuffer()) {
            ByteBuffer first = readBuffer.take(4096);
            int capacity = first.capacity();

            ByteBuffer second = readBuffer.take(capacity);

            assertThat(second).isSameAs(first);
            assertThat(second.limit()).isEqualTo(capacity);
        }
    }

    @Test
    void shouldFreeTheSmallerBufferWhenATakeNeedsALargerOne() {
        assumeTrue(DirectMemory.freesExplicitly());
        try (ReadBuffer readBuffer = new ReadBuffer()) {
            long before = directBytesInUse();
            readBuffer.take(16 * MIB);

            readBuffer.take(32 * MIB);

            // the 16 MiB buffer is gone: 32 MiB in use, not 48
            assertThat(directBytesInUse() - before).isLessThan(40L * MIB);
        }
    }
}
