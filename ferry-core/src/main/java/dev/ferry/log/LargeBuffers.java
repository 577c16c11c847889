package dev.ferry.log;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Buffers for batches too large to keep a per-thread buffer for: off the Java heap, and given back
 * at once when the caller is done with them.
 *
 * <p>Why off the heap: a 16 MiB message body written to its log and read back used to cost a
 * 16 MiB heap array for the encoded batch and another for the batch read back, besides the body,
 * and the JDK copied each into a temporary native buffer of the same size (a {@code FileChannel}
 * does I/O from native memory only). With the serial collector each array lands in the old
 * generation and brings the next full collection nearer. A direct buffer is written and read by
 * the channel as it is: no heap array, no temporary copy.
 *
 * <p>Why given back explicitly: a direct buffer's native memory otherwise goes only when a
 * collection finds the small {@code ByteBuffer} object unreachable, which may take long enough
 * for hundreds of megabytes to pile up (and {@code -XX:MaxDirectMemorySize} then forces a full
 * collection). {@link #free} releases it through the JDK's own cleaner
 * ({@code sun.misc.Unsafe.invokeCleaner}, in the {@code jdk.unsupported} module); where that is
 * not available it does nothing and the collector frees the memory later.
 *
 * <p>Thread safety: stateless. A freed buffer must never be touched again, by anyone: the caller
 * frees only a buffer no slice, view or record still refers to.
 */
final class LargeBuffers {
    /** Batches up to this size are built and read on the heap (small, and reused or short-lived). */
    static final int DIRECT_FROM_BYTES = 1024 * 1024;

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invokeCleaner = null;
        try {
            Class<?> type = Class.forName("sun.misc.Unsafe");
            Field field = type.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            invokeCleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            invokeCleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invokeCleaner;
    }

    private LargeBuffers() {
    }

    /** Whether a buffer of {@code bytes} should be a direct one from {@link #allocate}. */
    static boolean isLarge(int bytes) {
        return bytes >= DIRECT_FROM_BYTES;
    }

    /** A direct buffer of {@code bytes}, position 0, limit = capacity. */
    static ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes);
    }

    /** Releases a buffer from {@link #allocate} now. Heap buffers and views are left to the collector. */
    static void free(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A view (slice, duplicate) has no cleaner of its own: the collector frees its memory.
        }
    }
}
