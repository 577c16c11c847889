package dev.ferry.kafka.connection;

import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;

/**
 * How much of a Kafka connection's outbound buffer an answer takes, for its write water marks.
 * Netty's default counts a {@link FileRegion} as nothing; here a fetched file region counts at the
 * bytes it still has to send. It holds no memory, but it pins its segment's descriptor (and keeps a
 * deleted segment on disk) until it is sent, so a client that fetches and never reads must stop
 * being read after about one high water mark of them, as after that much of any other answer.
 */
final class AnswerSizes implements MessageSizeEstimator {
    static final AnswerSizes INSTANCE = new AnswerSizes();

    private final Handle nettyDefault = DefaultMessageSizeEstimator.DEFAULT.newHandle();
    private final Handle handle = message -> message instanceof FileRegion region
            ? (int) Math.min(Integer.MAX_VALUE, region.count() - region.transferred())
            : nettyDefault.size(message);

    private AnswerSizes() {
    }

    @Override
    public Handle newHandle() {
        return handle;
    }
}
