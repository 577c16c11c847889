package dev.ferry.amqp.codec;

import java.lang.management.ManagementFactory;

/**
 * What every decoder must do with any input, checked by the fuzz tests: give a result or a
 * {@link ProtocolException} (or, for the readers that run over a bounded slice, the
 * {@link IndexOutOfBoundsException} the frame decoder turns into 502), never another exception;
 * and allocate in proportion to the bytes it was given, never to a length the input only claims.
 */
public final class DecodeInvariants {
    /** Heap a decode may use per input byte: objects for the smallest entries (a 2-byte table entry). */
    static final long BYTES_PER_INPUT_BYTE = 256;
    /** What the fuzz harness itself costs per write into a decoder (a buffer, a pipeline event: about 180). */
    static final long BYTES_PER_WRITE = 256;
    /**
     * Plus this much whatever the input: the decoder's own objects, one error with its stack trace
     * (about 15 KiB in all), and what Jazzer's instrumentation allocates on the fuzzed thread (up to
     * 120 KiB seen). Tight enough that the committed input short-content-headers-after-an-error
     * fails against a decoder that builds an exception per broken frame (1.7 MB for 2 KB).
     */
    static final long FIXED_BYTES = 512 * 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private DecodeInvariants() {
    }

    /**
     * Runs {@code decode} twice, failing if it throws anything but the allowed exceptions, and if
     * the second run allocates too much: the first loads whatever classes its path needs, which
     * would otherwise count against the input. {@code decode} must start afresh each time.
     */
    public static void check(int inputBytes, boolean indexErrorsAllowed, Runnable decode) {
        check(inputBytes, 1, indexErrorsAllowed, decode);
    }

    /** As {@link #check(int, boolean, Runnable)}, for a decode fed in {@code writes} pieces. */
    public static void check(int inputBytes, int writes, boolean indexErrorsAllowed, Runnable decode) {
        runAllowing(indexErrorsAllowed, decode);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        runAllowing(indexErrorsAllowed, decode);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        long allowed = FIXED_BYTES + BYTES_PER_INPUT_BYTE * inputBytes + BYTES_PER_WRITE * writes;
        if (allocated > allowed) {
            throw new AssertionError("decoding " + inputBytes + " bytes allocated " + allocated + " bytes (allowed "
                    + allowed + ")");
        }
    }

    private static void runAllowing(boolean indexErrorsAllowed, Runnable decode) {
        try {
            decode.run();
        } catch (ProtocolException expected) {
            // The input broke a rule and the decoder said which: fine.
        } catch (IndexOutOfBoundsException e) {
            if (!indexErrorsAllowed) {
                throw e;
            }
        }
    }
}
