package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/**
 * The ready messages of a queue held in memory, as the queue and the paging store use them: the
 * highest priority level first, a returned message before the fresh ones of its level, byte and
 * message counts that follow every way in and out.
 */
class InMemoryMessageStoreTest {

    private static QueuedMessage message(long sequence, int priority, String body) {
        MessageProperties properties = new MessageProperties(null, null, null, 1, priority, null, null, null, null,
                null, null, null, null, null);
        return new QueuedMessage(sequence, new Message("", "q", properties, body.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Long> drain(InMemoryMessageStore store) {
        List<Long> sequences = new ArrayList<>();
        QueuedMessage next;
        while ((next = store.peekReady()) != null) {
            assertThat(store.pollReady()).as("poll takes what peek showed").isSameAs(next);
            sequences.add(next.sequence());
        }
        assertThat(store.pollReady()).isNull();
        assertThat(store.readyCount()).isZero();
        assertThat(store.readyBytes()).isZero();
        return sequences;
    }

    @Test
    void shouldOfferPriorityLevelsFromZeroToTheSupportedMaximumOnly() {
        InMemoryMessageStore widest = new InMemoryMessageStore(QueueArguments.MAX_SUPPORTED_PRIORITY);
        widest.append(message(1, 0, "low"), null);
        widest.append(message(2, 255, "top"), null);
        assertThat(widest.highestReadyLevel()).isEqualTo(QueueArguments.MAX_SUPPORTED_PRIORITY);
        assertThat(drain(widest)).containsExactly(2L, 1L);
        assertThatThrownBy(() -> new InMemoryMessageStore(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InMemoryMessageStore(QueueArguments.MAX_SUPPORTED_PRIORITY + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldServeTheHighestLevelFirstAndCountEachLevel() {
        InMemoryMessageStore store = new InMemoryMessageStore(5);
        assertThat(store.highestReadyLevel()).as("nothing ready").isEqualTo(-1);
        store.append(message(1, 0, "a"), null);
        store.append(message(2, 3, "bb"), null);
        store.append(message(3, 9, "ccc"), null); // above the top level: counts as level 5
        store.append(message(4, 3, "d"), null);

        assertThat(store.highestReadyLevel()).isEqualTo(5);
        assertThat(store.readyCount()).isEqualTo(4);
        assertThat(store.readyBytes()).isEqualTo(7);

        assertThat(store.pollReady().sequence()).isEqualTo(3);
        assertThat(store.highestReadyLevel()).isEqualTo(3);
        assertThat(drain(store)).containsExactly(2L, 4L, 1L);
        assertThat(store.highestReadyLevel()).isEqualTo(-1);
    }

    @Test
    void shouldPutAReturnedMessageBeforeTheFreshOnesOfItsLevelOnly() {
        InMemoryMessageStore store = new InMemoryMessageStore(2);
        QueuedMessage low = message(1, 0, "low");
        store.append(low, null);
        store.append(message(2, 2, "high"), null);
        assertThat(store.pollReady().sequence()).isEqualTo(2);
        assertThat(store.pollReady()).isSameAs(low);
        store.append(message(3, 0, "x"), null);
        store.append(message(4, 2, "y"), null);

        store.returnToReady(low);
        assertThat(store.peekReady().sequence()).as("level 2 still comes first").isEqualTo(4);
        assertThat(store.readyBytes()).isEqualTo(5);
        assertThat(drain(store)).containsExactly(4L, 1L, 3L);
    }

    @Test
    void shouldReturnMessagesInSequenceOrderAheadOfFreshOnes() {
        InMemoryMessageStore store = new InMemoryMessageStore();
        for (long sequence = 1; sequence <= 4; sequence++) {
            store.append(message(sequence, 0, "m"), null);
        }
        QueuedMessage first = store.pollReady();
        QueuedMessage second = store.pollReady();
        store.returnToReady(second);
        assertThat(store.peekReady()).as("a returned message comes before the fresh ones").isSameAs(second);
        store.returnToReady(first);
        assertThat(store.peekReady()).as("and returned ones among themselves by sequence").isSameAs(first);
        assertThat(drain(store)).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aMessageBackFromARetryWaitAfterARestartKeepsTheOrderBySequence() {
        // After a restart the fresh messages recovered may include some that came after one still
        // waiting: when it is due, it goes back among them in sequence order.
        InMemoryMessageStore store = new InMemoryMessageStore();
        store.append(message(1, 0, "m"), null);
        store.append(message(3, 0, "m"), null);
        store.append(message(4, 0, "m"), null);
        store.returnToReady(message(2, 0, "w"));
        assertThat(drain(store)).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void shouldInsertAPagedInMessageAfterTheFreshOnesOrAmongThemBySequence() {
        InMemoryMessageStore store = new InMemoryMessageStore();
        store.insert(message(5, 0, "m"));
        store.insert(message(7, 0, "m"));
        store.insert(message(6, 0, "m"));
        store.insert(message(2, 0, "m"));
        assertThat(store.readyCount()).isEqualTo(4);
        assertThat(store.readyBytes()).isEqualTo(4);
        assertThat(drain(store)).containsExactly(2L, 5L, 6L, 7L);
    }

    @Test
    void shouldRemoveARecentOrReturnedMessageAndSayWhetherItWasThere() {
        InMemoryMessageStore store = new InMemoryMessageStore(1);
        QueuedMessage first = message(1, 1, "aa");
        QueuedMessage recent = message(2, 1, "bbb");
        QueuedMessage other = message(3, 0, "c");
        store.append(first, null);
        store.append(recent, null);
        store.append(other, null);

        assertThat(store.removeRecent(recent)).isTrue();
        assertThat(store.removeRecent(recent)).as("already gone").isFalse();
        assertThat(store.removeRecent(message(9, 0, "never"))).isFalse();
        assertThat(store.readyCount()).isEqualTo(2);
        assertThat(store.readyBytes()).isEqualTo(3);

        assertThat(store.pollReady()).isSameAs(first);
        store.returnToReady(first);
        assertThat(store.removeRecent(first)).as("a returned message").isTrue();
        assertThat(store.readyBytes()).isEqualTo(1);
        assertThat(drain(store)).containsExactly(3L);

        assertThat(new InMemoryMessageStore(3).removeRecent(message(1, 2, "x"))).as("a level never used").isFalse();
    }

    @Test
    void aPurgeForgetsReturnedMessagesToo() {
        InMemoryMessageStore store = new InMemoryMessageStore(1);
        store.append(message(1, 1, "a"), null);
        store.append(message(2, 0, "b"), null);
        store.returnToReady(store.pollReady());

        assertThat(store.purgeReady()).isEqualTo(2);
        assertThat(store.readyCount()).isZero();
        assertThat(store.readyBytes()).isZero();
        assertThat(store.highestReadyLevel()).isEqualTo(-1);
        store.append(message(3, 0, "c"), null);
        store.append(message(4, 1, "d"), null);
        assertThat(drain(store)).as("nothing purged comes back, at any level").containsExactly(4L, 3L);
    }
}
