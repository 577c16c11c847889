package dev.ferry.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of everything a client's bytes go through before the connection sees
 * them: {@link FrameDecoder} with the protocol header, framing, and the method and content-header
 * decoders behind it. Any input must come out as frames, or as an {@link InboundFrame.Error}
 * carrying a {@link ProtocolException}; nothing may escape as an exception, and the heap used stays
 * in proportion to the bytes given. The input's first byte chooses how the rest is used: whether a
 * valid protocol header goes first (so most runs reach the frames), whether the rest is the raw
 * stream or a description of frames with mostly valid framing, whether frame_max is 4096 or 1 GiB,
 * and in what chunk sizes it is fed, since a frame split across reads takes other paths through
 * the decoder.
 *
 * <p>{@code mvn test} runs the committed inputs in {@code FrameDecoderFuzzTestInputs}; {@code mvn
 * verify} fuzzes for {@code maxDuration}; README has the command for a long run.
 */
public class FrameDecoderFuzzTest {
    private static final byte[] PROTOCOL_HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
    private static final int FRAME_MAX = 4096;
    private static final int LARGE_FRAME_MAX = 1 << 30;

    // Jazzer turns @Timeout into libFuzzer's per-input limit, so a hang fails; JUnit applies it to
    // the whole 12 s fuzzing run as well, hence the margin.
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    @FuzzTest(maxDuration = "12s")
    void shouldTurnAnyStreamIntoFramesOrAProtocolError(byte[] input) {
        fuzzerTestOneInput(input);
    }

    /** The target for Jazzer's own command line (long runs), the same as the test above. */
    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int control = input[0] & 0xFF;
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        // Bit 1: the rest describes frames whose sizes and frame ends are mostly right (see
        // framed()), so that mutations reach method and content decoding instead of dying at
        // the framing checks; otherwise it is the raw stream.
        byte[] stream = (control & 2) != 0 ? framed(rest) : rest;
        if ((control & 1) == 0) {
            byte[] withHeader = new byte[PROTOCOL_HEADER.length + stream.length];
            System.arraycopy(PROTOCOL_HEADER, 0, withHeader, 0, PROTOCOL_HEADER.length);
            System.arraycopy(stream, 0, withHeader, PROTOCOL_HEADER.length, stream.length);
            stream = withHeader;
        }
        // Bit 2: frame_max of 1 GiB, so that a decoder allocating for a frame size it was only
        // told about would blow the heap budget (with 4096 the budget would hide it).
        int frameMax = (control & 4) != 0 ? LARGE_FRAME_MAX : FRAME_MAX;
        int chunk = 1 + (control >>> 3) * 32;
        byte[] fed = stream;
        int writes = (fed.length + chunk - 1) / chunk;
        DecodeInvariants.check(fed.length, writes, false, () -> decode(fed, chunk, frameMax));
    }

    /**
     * Frames built from a description: per frame a type octet, a channel octet, a length octet
     * L, then L payload bytes; the frame gets the right size field and frame-end octet unless the
     * type octet's top bit asks for a wrong one (size off by the channel octet, end 0x00).
     */
    static byte[] framed(byte[] description) {
        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (at + 3 <= description.length) {
            int type = description[at] & 0xFF;
            int channel = description[at + 1] & 0xFF;
            int length = Math.min(description[at + 2] & 0xFF, description.length - at - 3);
            boolean broken = (type & 0x80) != 0;
            int size = broken ? length + channel : length;
            frames.write(type & 0x7F);
            frames.write(0);
            frames.write(channel & 0x03);
            frames.write(size >>> 24);
            frames.write(size >>> 16);
            frames.write(size >>> 8);
            frames.write(size);
            frames.write(description, at + 3, length);
            frames.write(broken ? 0x00 : 0xCE);
            at += 3 + length;
        }
        return frames.toByteArray();
    }

    /** Feeds {@code stream} to a new decoder {@code chunk} bytes at a time and checks what comes out. */
    private static void decode(byte[] stream, int chunk, int frameMax) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(UnpooledByteBufAllocator.DEFAULT);
        channel.pipeline().addLast(new FrameDecoder(frameMax));
        try {
            // A bad protocol header is answered and the channel closed: nothing more can be fed.
            for (int at = 0; at < stream.length && channel.isOpen(); at += chunk) {
                channel.writeInbound(Unpooled.wrappedBuffer(stream, at, Math.min(chunk, stream.length - at)));
                drain(channel);
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static void drain(EmbeddedChannel channel) {
        Object frame;
        while ((frame = channel.readInbound()) != null) {
            assertThat(frame).isInstanceOf(InboundFrame.class);
            if (frame instanceof InboundFrame.Body body) {
                body.payload().release();
            } else if (frame instanceof InboundFrame.Error error) {
                assertThat(error.error()).isNotNull();
            }
        }
    }
}
