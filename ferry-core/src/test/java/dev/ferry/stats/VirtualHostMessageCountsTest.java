package dev.ferry.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A virtual host's totals derived from its channels' own counters: summed while channels are open,
 * kept when they close, counts after a close still counted, and reads that never go down or count
 * a closing channel twice while channels open and close on other threads.
 */
class VirtualHostMessageCountsTest {

    private static long publishes(VirtualHostMessageCounts host) {
        return host.snapshot()[MessageCounter.PUBLISH.ordinal()];
    }

    @Test
    void shouldSumOpenChannelsAndKeepWhatClosedOnesCounted() {
        VirtualHostMessageCounts host = new VirtualHostMessageCounts();
        ChannelMessageCounts first = host.openChannel();
        ChannelMessageCounts second = host.openChannel();
        first.increment(MessageCounter.PUBLISH);
        first.add(MessageCounter.ACK, 3);
        second.increment(MessageCounter.PUBLISH);
        assertThat(publishes(host)).isEqualTo(2);

        first.retire();
        first.retire();
        assertThat(host.openChannels()).isEqualTo(1);
        assertThat(host.snapshot()[MessageCounter.ACK.ordinal()]).isEqualTo(3);
        // A confirm that completes after its channel closed.
        first.increment(MessageCounter.CONFIRM);
        host.increment(MessageCounter.DEAD_LETTERED);
        long[] totals = host.snapshot();
        assertThat(totals[MessageCounter.PUBLISH.ordinal()]).isEqualTo(2);
        assertThat(totals[MessageCounter.CONFIRM.ordinal()]).isEqualTo(1);
        assertThat(totals[MessageCounter.DEAD_LETTERED.ordinal()]).isEqualTo(1);
        assertThat(first.get(MessageCounter.PUBLISH)).isEqualTo(1);
    }

    @Test
    void shouldNeverGoDownNorCountAClosingChannelTwiceWhileChannelsComeAndGo() throws InterruptedException {
        VirtualHostMessageCounts host = new VirtualHostMessageCounts();
        int threads = 4;
        int channelsPerThread = 2_000;
        int publishesPerChannel = 5;
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            writers.add(new Thread(() -> {
                for (int c = 0; c < channelsPerThread; c++) {
                    ChannelMessageCounts channel = host.openChannel();
                    for (int i = 0; i < publishesPerChannel; i++) {
                        channel.increment(MessageCounter.PUBLISH);
                    }
                    channel.retire();
                }
            }));
        }
        AtomicBoolean done = new AtomicBoolean();
        List<Long> reads = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                reads.add(publishes(host));
            }
        });
        reader.start();
        writers.forEach(Thread::start);
        for (Thread writer : writers) {
            writer.join();
        }
        done.set(true);
        reader.join();

        long total = (long) threads * channelsPerThread * publishesPerChannel;
        assertThat(reads).isSorted();
        assertThat(reads).allSatisfy(read -> assertThat(read).isLessThanOrEqualTo(total));
        assertThat(publishes(host)).isEqualTo(total);
        assertThat(host.openChannels()).isZero();
    }
}
