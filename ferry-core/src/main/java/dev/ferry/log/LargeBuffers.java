package dev.ferry.log;

import dev.ferry.memory.DirectMemory;
import java.nio.ByteBuffer;

/**
 * Buffers for batches too large to keep a per-thread buffer for: off the Java heap
 * ({@link DirectMemory}), and given back at once when the caller is done with them.
 *
 * <p>Why off the heap: a 16 MiB message body written to its log and read back used to cost a
 * 16 MiB heap array for the encoded batch and another for the batch read back, besides the body,
 * and the JDK copied each into a temporary native buffer of the same size (a {@code FileChannel}
 * does I/O from native memory only). With the serial collector each array lands in the old
 * generation and brings the next full collection nearer. A direct buffer is written and read by
 * the channel as it is: no heap array, no temporary copy.
 *
 * <p>Thread safety: stateless. A freed buffer must never be touched again, by anyone: the caller
 * frees only a buffer no slice, view or record still refers to.
 */
final class LargeBuffers {
    /** Batches up to this size are built and read on the heap (small, and reused or short-lived). */
    static final int DIRECT_FROM_BYTES = 1024 * 1024;

    private LargeBuffers() {
    }

    /** Whether a buffer of {@code bytes} should be a direct one from {@link #allocate}. */
    static boolean isLarge(int bytes) {
        return bytes >= DIRECT_FROM_BYTES;
    }

    /** A direct buffer of {@code bytes}, position 0, limit = capacity. */
    static ByteBuffer allocate(int bytes) {
        return DirectMemory.allocate(bytes);
    }

    /** Releases a buffer from {@link #allocate} now. Heap buffers and views are left to the collector. */
    static void free(ByteBuffer buffer) {
        DirectMemory.free(buffer);
    }
}
