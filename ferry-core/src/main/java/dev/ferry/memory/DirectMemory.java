package dev.ferry.memory;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Direct (off-heap) buffers that their owner gives back at once instead of waiting for the
 * collector: for large message bodies and large log batches, which as heap arrays land in the
 * old generation and bring the next full collection nearer.
 *
 * <p>Why explicit: a direct buffer's native memory otherwise goes only when a collection finds the
 * small {@code ByteBuffer} object unreachable, which may take long enough for hundreds of
 * megabytes to pile up (and {@code -XX:MaxDirectMemorySize} then forces a full collection).
 * {@link #free} releases it through the JDK's own cleaner ({@code sun.misc.Unsafe.invokeCleaner},
 * in the {@code jdk.unsupported} module); where that is not available it does nothing and the
 * collector frees the memory later.
 *
 * <p>Thread safety: stateless. A freed buffer must never be touched again, by anyone: the caller
 * frees only a buffer no slice, view or record still refers to.
 */
public final class DirectMemory {
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

    private DirectMemory() {
    }

    /** A direct buffer of {@code bytes}, position 0, limit = capacity. */
    public static ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes);
    }

    /** Whether {@link #free} gives memory back at once on this JVM (else the collector does, later). */
    public static boolean freesExplicitly() {
        return INVOKE_CLEANER != null;
    }

    /** Releases a buffer from {@link #allocate} now. Heap buffers and views are left to the collector. */
    public static void free(ByteBuffer buffer) {
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
