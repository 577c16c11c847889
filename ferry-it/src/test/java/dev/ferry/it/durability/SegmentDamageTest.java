package dev.ferry.it.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;

import dev.ferry.it.support.BrokerProcess;

/**
 * Damaged queue segments end to end: bytes flipped in a stopped broker's queue log, then a real
 * restart. The broker must start, give back every confirmed message that did not lie in the
 * damaged bytes, name every message it lost in an ERROR, keep the bad bytes in a {@code .corrupt}
 * file beside the segment, and keep what is published afterwards across further restarts.
 *
 * <p>One publisher on one queue: message {@code m<i>} is the queue log's offset {@code i}, so the
 * messages that did not come back must be exactly the offsets the ERROR lines report.
 */
class SegmentDamageTest extends BrokerProcessTestBase {
    private static final String QUEUE = "damaged";
    private static final int MESSAGES = 20_000;
    // Small segments, so that 20,000 messages fill several and the first ones are closed.
    private static final String[] SMALL_SEGMENTS = {"--max-message-bytes", "65536", "--queue-segment-bytes", "1048576"};
    private static final Pattern LOST = Pattern.compile("(\\d+) unsettled messages at offsets (\\d+)\\.\\.(\\d+) of .* are lost");
    private static final String[] ONE_SEGMENT = {"--max-message-bytes", "65536", "--queue-segment-bytes", "67108864"};
    private static final int BATCH_LENGTH_POSITION = 8;
    private static final int BATCH_HEADER_BYTES = 12;

    @Test
    void shouldLoseOnlyTheDamagedBatchOfAClosedSegmentAndKeepNewMessagesAcrossRestarts() throws Exception {
        BrokerProcess first = start(SMALL_SEGMENTS);
        publish(channel(first), "m", MESSAGES);
        first.terminate();
        List<Path> segments = segments();
        assertThat(segments).as("several segments, the first closed").hasSizeGreaterThan(2);
        Path closed = segments.get(0);
        flip(closed, Files.size(closed) / 2, 16);

        BrokerProcess second = start(SMALL_SEGMENTS);
        Set<Long> reported = reportedLosses(second);
        assertThat(reported).as("something was lost and said so").isNotEmpty().hasSizeLessThan(MESSAGES / 20);
        assertThat(corruptFiles()).as("the damaged bytes kept aside").isNotEmpty();
        publish(channel(second), "n", 1_000);
        second.terminate();
        start(SMALL_SEGMENTS).kill();

        BrokerProcess last = start(SMALL_SEGMENTS);
        List<String> drained = drain(channel(last));
        assertThat(drained).as("no message twice").doesNotHaveDuplicates();
        assertThat(drained).filteredOn(id -> id.startsWith("n")).hasSize(1_000);
        assertThat(lostOf(drained, "m")).as("exactly the reported offsets").isEqualTo(reported);
    }

    @Test
    void shouldRestoreOrSkipADamagedBatchHeaderInAClosedSegmentAndStillStart() throws Exception {
        BrokerProcess first = start(SMALL_SEGMENTS);
        publish(channel(first), "m", MESSAGES);
        first.kill();
        Path closed = segments().get(1);
        long batch = batchStartNear(closed, Files.size(closed) / 3);
        flip(closed, batch + BATCH_LENGTH_POSITION, 16);

        BrokerProcess second = start(SMALL_SEGMENTS);
        Set<Long> reported = reportedLosses(second);
        List<String> drained = drain(channel(second));
        assertThat(drained).doesNotHaveDuplicates();
        assertThat(lostOf(drained, "m")).isEqualTo(reported);
        assertThat(reported).hasSizeLessThan(MESSAGES / 20);
    }

    @Test
    void shouldKeepTheIntactBatchesAfterDamageInTheActiveSegment() throws Exception {
        // One segment holds all 20,000 messages, so the damaged batch is the active segment's and has
        // many batches after it, whatever sizes the publisher's batches take.
        BrokerProcess first = start(ONE_SEGMENT);
        publish(channel(first), "m", MESSAGES);
        first.kill();
        Path active = onlySegment();
        long batch = batchStartNear(active, Files.size(active) / 2);
        flip(active, batch + BATCH_HEADER_BYTES + batchLength(active, batch) / 2, 16);

        BrokerProcess second = start(ONE_SEGMENT);
        Set<Long> reported = reportedLosses(second);
        assertThat(reported).isNotEmpty().hasSizeLessThan(MESSAGES / 20);
        List<String> drained = drain(channel(second));
        assertThat(drained).doesNotHaveDuplicates();
        assertThat(lostOf(drained, "m")).isEqualTo(reported);
        assertThat(drained).as("the last message, after the damage, is there").contains("m" + (MESSAGES - 1));
    }

    @Test
    void shouldRestoreADamagedBatchLengthInTheActiveSegmentAndKeepWhatFollows() throws Exception {
        BrokerProcess first = start(ONE_SEGMENT);
        publish(channel(first), "m", MESSAGES);
        first.kill();
        Path active = onlySegment();
        flip(active, batchStartNear(active, Files.size(active) / 2) + BATCH_LENGTH_POSITION, 4);

        BrokerProcess second = start(ONE_SEGMENT);
        Set<Long> reported = reportedLosses(second);
        List<String> drained = drain(channel(second));
        assertThat(drained).doesNotHaveDuplicates();
        assertThat(lostOf(drained, "m")).isEqualTo(reported);
        assertThat(reported).as("a length the CRC does not cover is restored, not a torn tail").isEmpty();
    }

    /** Publishes persistent messages {@code prefix0..} with confirms and waits for every ack. */
    private static void publish(Channel channel, String prefix, int count) throws Exception {
        channel.queueDeclare(QUEUE, true, false, false, null);
        channel.confirmSelect();
        AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
        byte[] padding = new byte[150];
        for (int i = 0; i < count; i++) {
            byte[] id = (prefix + i + "|").getBytes(StandardCharsets.US_ASCII);
            byte[] body = new byte[id.length + padding.length];
            System.arraycopy(id, 0, body, 0, id.length);
            channel.basicPublish("", QUEUE, persistent, body);
        }
        channel.waitForConfirmsOrDie(60_000);
    }

    private static List<String> drain(Channel channel) throws IOException {
        List<String> ids = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(QUEUE, true)) != null) {
            String body = new String(response.getBody(), StandardCharsets.US_ASCII);
            ids.add(body.substring(0, body.indexOf('|')));
        }
        return ids;
    }

    /** The numbers of {@code prefix} messages 0..MESSAGES-1 that did not come back. */
    private static Set<Long> lostOf(List<String> drained, String prefix) {
        Set<Long> lost = new TreeSet<>();
        for (long i = 0; i < MESSAGES; i++) {
            lost.add(i);
        }
        for (String id : drained) {
            if (id.startsWith(prefix)) {
                lost.remove(Long.parseLong(id.substring(prefix.length())));
            }
        }
        return lost;
    }

    /** Every offset the broker's ERROR lines say it lost. */
    private static Set<Long> reportedLosses(BrokerProcess broker) {
        Set<Long> offsets = new TreeSet<>();
        for (String line : broker.output()) {
            Matcher matcher = LOST.matcher(line);
            if (line.contains("ERROR") && matcher.find()) {
                long first = Long.parseLong(matcher.group(2));
                long last = Long.parseLong(matcher.group(3));
                assertThat(line).as("names the queue").contains(QUEUE);
                for (long offset = first; offset <= last; offset++) {
                    offsets.add(offset);
                }
            }
        }
        return offsets;
    }

    private Path queueDirectory() throws IOException {
        try (Stream<Path> paths = Files.walk(dataDir.resolve("queues"))) {
            return paths.filter(path -> path.getFileName().toString().equals(QUEUE)).findFirst().orElseThrow();
        }
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(queueDirectory())) {
            return files.filter(path -> path.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private Path onlySegment() throws IOException {
        List<Path> segments = segments();
        assertThat(segments).as("one segment, the active one").hasSize(1);
        return segments.get(0);
    }

    private List<Path> corruptFiles() throws IOException {
        try (Stream<Path> files = Files.list(queueDirectory())) {
            return files.filter(path -> path.getFileName().toString().endsWith(".corrupt")).toList();
        }
    }

    /** The position of the first batch that starts at or after {@code near}, walking the batch lengths. */
    private static long batchStartNear(Path segment, long near) throws IOException {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(12);
            long position = 0;
            while (position < near) {
                header.clear();
                channel.read(header, position);
                position += 12 + header.getInt(BATCH_LENGTH_POSITION);
            }
            return position;
        }
    }

    private static int batchLength(Path segment, long batch) throws IOException {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
            ByteBuffer length = ByteBuffer.allocate(4);
            channel.read(length, batch + BATCH_LENGTH_POSITION);
            return length.getInt(0);
        }
    }

    private static void flip(Path file, long position, int bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer data = ByteBuffer.allocate(bytes);
            channel.read(data, position);
            for (int i = 0; i < bytes; i++) {
                data.put(i, (byte) ~data.get(i));
            }
            data.flip();
            channel.write(data, position);
        }
    }
}
