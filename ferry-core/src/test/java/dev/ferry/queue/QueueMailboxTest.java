package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/**
 * The bound on publishes waiting for a queue's owner: when a publisher is told to wait, that the
 * owner releases it at half the bound and not before, and that no publisher is left waiting when
 * publishers and the owner race.
 */
class QueueMailboxTest {
    private final List<ExecutorService> threads = new ArrayList<>();

    @AfterEach
    void stopThreads() {
        threads.forEach(ExecutorService::shutdownNow);
    }

    private static QueueCommand.Enqueue enqueue(int bodyBytes) {
        return new QueueCommand.Enqueue(new Message("", "q", MessageProperties.EMPTY, new byte[bodyBytes]), null);
    }

    @Test
    void shouldAcceptBoundsFromTwoUpToTheCeilingsOnly() {
        new MailboxLimits(2, 2);
        new MailboxLimits(MailboxLimits.MESSAGES_CEILING, MailboxLimits.BYTES_CEILING / 2);
        assertThatThrownBy(() -> new MailboxLimits(1, 1000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("message bound");
        assertThatThrownBy(() -> new MailboxLimits(MailboxLimits.MESSAGES_CEILING + 1, 1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("message bound");
        assertThatThrownBy(() -> new MailboxLimits(1000, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("byte bound");
        assertThatThrownBy(() -> new MailboxLimits(1000, MailboxLimits.BYTES_CEILING / 2 + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("byte bound");
    }

    @Test
    void shouldHoldBackOnlyPastABoundAndReleaseAtHalfOfBoth() {
        MailboxLimits limits = new MailboxLimits(8, 100);
        assertThat(limits.exceeded(8, 100)).as("at both bounds").isFalse();
        assertThat(limits.exceeded(9, 0)).isTrue();
        assertThat(limits.exceeded(0, 101)).isTrue();
        assertThat(limits.caughtUp(4, 50)).as("at half of both").isTrue();
        assertThat(limits.caughtUp(5, 0)).isFalse();
        assertThat(limits.caughtUp(0, 51)).isFalse();
    }

    @Test
    void shouldHoldPublishersBackPastTheMessageBoundAndReleaseThemAtHalf() {
        QueueMailbox mailbox = new QueueMailbox(new MailboxLimits(8, 1 << 20));
        for (int i = 0; i < 8; i++) {
            assertThat(mailbox.addEnqueue(enqueue(10))).as("enqueue %d is within the bound", i).isNull();
        }
        assertThat(mailbox.peakMessages()).as("the peak counts publishes within the bound too").isEqualTo(8);
        assertThat(mailbox.peakBytes()).isEqualTo(80);
        assertThat(mailbox.backPressure()).isNull();
        CompletableFuture<Void> held = mailbox.addEnqueue(enqueue(10));
        assertThat(held).as("the ninth waiting publish passes the bound of 8").isNotNull().isNotDone();
        assertThat(mailbox.backPressure()).as("what a publisher of another connection waits for").isSameAs(held);
        assertThat(mailbox.addEnqueue(enqueue(10))).as("every publisher past the bound shares one future").isSameAs(held);
        assertThat(mailbox.waitingMessages()).isEqualTo(10);
        assertThat(mailbox.waitingBytes()).isEqualTo(100);

        // The owner takes them one by one: still held at 5 waiting, released at 4 (half of 8).
        for (int waiting = 9; waiting > 4; waiting--) {
            assertThat(mailbox.poll()).isNotNull();
            assertThat(held).as("%d waiting", waiting).isNotDone();
        }
        assertThat(mailbox.poll()).isNotNull();
        assertThat(held).as("4 waiting: caught up").isDone();
        assertThat(mailbox.backPressure()).isNull();
        assertThat(mailbox.peakMessages()).isEqualTo(10);
    }

    @Test
    void shouldCountBodyBytesAndLetABodyLargerThanTheBoundThroughAlone() {
        QueueMailbox mailbox = new QueueMailbox(new MailboxLimits(1000, 1000));
        assertThat(mailbox.addEnqueue(enqueue(600))).isNull();
        CompletableFuture<Void> held = mailbox.addEnqueue(enqueue(600));
        assertThat(held).as("1200 body bytes waiting, bound 1000").isNotNull();
        mailbox.poll();
        assertThat(held).as("600 bytes still waiting, above half the bound").isNotDone();
        mailbox.poll();
        assertThat(held).isDone();

        CompletableFuture<Void> huge = mailbox.addEnqueue(enqueue(5000));
        assertThat(huge).as("a body above the bound is queued and holds its publisher").isNotNull();
        assertThat(mailbox.poll()).isInstanceOf(QueueCommand.Enqueue.class);
        assertThat(huge).isDone();
        assertThat(mailbox.peakBytes()).isEqualTo(5000);
    }

    @Test
    void shouldNotCountCommandsThatAreNotPublishes() {
        QueueMailbox mailbox = new QueueMailbox(new MailboxLimits(2, 1000));
        for (int i = 0; i < 100; i++) {
            mailbox.add(QueueCommand.Wake.INSTANCE);
        }
        assertThat(mailbox.addEnqueue(enqueue(1))).isNull();
        assertThat(mailbox.waitingMessages()).isEqualTo(1);
        for (int i = 0; i < 101; i++) {
            assertThat(mailbox.poll()).isNotNull();
        }
        assertThat(mailbox.poll()).isNull();
        assertThat(mailbox.isEmpty()).isTrue();
        assertThat(mailbox.waitingMessages()).isZero();
    }

    @Test
    void shouldCountCorrectlyAcrossTheWrapAroundOfItsCounters() {
        // Both sums start just below the top of the long range, so every add below wraps.
        QueueMailbox mailbox = new QueueMailbox(new MailboxLimits(4, 1 << 20), Long.MAX_VALUE - 3);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 4; i++) {
                assertThat(mailbox.addEnqueue(enqueue(7))).isNull();
            }
            assertThat(mailbox.waitingMessages()).isEqualTo(4);
            assertThat(mailbox.waitingBytes()).isEqualTo(28);
            CompletableFuture<Void> held = mailbox.addEnqueue(enqueue(7));
            assertThat(held).isNotNull();
            for (int i = 0; i < 5; i++) {
                mailbox.poll();
            }
            assertThat(held).isDone();
            assertThat(mailbox.waitingMessages()).isZero();
            assertThat(mailbox.waitingBytes()).isZero();
        }
    }

    /**
     * Publishers that wait whenever told to, against an owner taking commands as fast as it can: no
     * publisher is ever left waiting for a future nobody completes, and what waits never exceeds
     * the bound by more than one publish per publisher (each may post one before it learns).
     */
    @Test
    void shouldLeaveNoPublisherWaitingWhenPublishersRaceTheOwner() throws Exception {
        int publishers = 4;
        int perPublisher = 50_000;
        MailboxLimits limits = new MailboxLimits(64, 1 << 20);
        QueueMailbox mailbox = new QueueMailbox(limits);
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger taken = new AtomicInteger();
        // Counted by a publisher before it posts and by the owner after it takes: never less than
        // what truly waits, and more only by the publishes in progress (one per publisher).
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        ExecutorService ownerThread = Executors.newSingleThreadExecutor();
        threads.add(ownerThread);
        Future<?> owner = ownerThread.submit(() -> {
            while (publishing.get() || !mailbox.isEmpty()) {
                if (mailbox.poll() != null) {
                    taken.incrementAndGet();
                    mostInFlight.accumulateAndGet(inFlight.getAndDecrement(), Math::max);
                } else {
                    Thread.onSpinWait();
                }
            }
        });
        ExecutorService publisherThreads = Executors.newFixedThreadPool(publishers);
        threads.add(publisherThreads);
        List<Future<?>> running = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            running.add(publisherThreads.submit(() -> {
                for (int i = 0; i < perPublisher; i++) {
                    inFlight.incrementAndGet();
                    CompletableFuture<Void> held = mailbox.addEnqueue(enqueue(1));
                    if (held != null) {
                        held.get(10, TimeUnit.SECONDS); // a lost wake-up fails here
                    }
                }
                return null;
            }));
        }
        for (Future<?> publisher : running) {
            publisher.get(Duration.ofSeconds(60).toMillis(), TimeUnit.MILLISECONDS);
        }
        publishing.set(false);
        owner.get(10, TimeUnit.SECONDS);
        assertThat(taken.get()).isEqualTo(publishers * perPublisher);
        assertThat(mailbox.waitingMessages()).isZero();
        // Each publisher may post one publish past the bound before it learns, and one more may be
        // in progress when the owner looks.
        assertThat(mostInFlight.get()).isLessThanOrEqualTo(limits.messages() + 2 * publishers);
        assertThat(mailbox.peakMessages()).isLessThanOrEqualTo(mostInFlight.get());
        assertThat(mailbox.backPressure()).isNull();
    }

    @Test
    void shouldHoldPublishersBackWhenAllMailboxesTogetherPassTheBrokerWideBound() {
        EnqueueBacklog backlog = new EnqueueBacklog(6);
        MailboxLimits roomy = new MailboxLimits(1000, 1 << 20);
        QueueMailbox first = new QueueMailbox(roomy, backlog);
        QueueMailbox second = new QueueMailbox(roomy, backlog);
        for (int i = 0; i < 3; i++) {
            assertThat(first.addEnqueue(enqueue(1))).as("copy %d to the first queue", i).isNull();
            assertThat(second.addEnqueue(enqueue(1))).as("copy %d to the second queue", i).isNull();
        }
        CompletableFuture<Void> held = first.addEnqueue(enqueue(1));
        assertThat(held).as("the seventh copy passes the bound of 6, though each mailbox has room").isNotNull()
                .isNotDone();
        assertThat(second.addEnqueue(enqueue(1))).as("shared by every mailbox").isSameAs(held);
        assertThat(backlog.waiting()).isEqualTo(8);

        // Owners give back what they took at the end of a drain, not before.
        for (int i = 0; i < 4; i++) {
            assertThat(first.poll()).isNotNull();
        }
        assertThat(first.poll()).isNull();
        assertThat(held).as("taken, but not yet reported").isNotDone();
        first.endOfDrain();
        assertThat(backlog.waiting()).isEqualTo(4);
        assertThat(held).as("4 waiting is still above half of 6").isNotDone();
        second.poll();
        second.endOfDrain();
        assertThat(held).as("3 waiting: caught up").isDone();
        assertThat(backlog.peak()).isEqualTo(8);
        second.endOfDrain();
        assertThat(backlog.waiting()).as("a drain that took nothing gives nothing back").isEqualTo(3);
    }

    @Test
    void shouldReportTheMailboxsOwnFutureFirstAndTheBrokerWideOneOtherwise() {
        EnqueueBacklog backlog = new EnqueueBacklog(2);
        QueueMailbox mailbox = new QueueMailbox(new MailboxLimits(4, 1 << 20), backlog);
        assertThat(mailbox.addEnqueue(enqueue(1))).isNull();
        assertThat(mailbox.addEnqueue(enqueue(1))).isNull();
        CompletableFuture<Void> brokerWide = mailbox.addEnqueue(enqueue(1));
        assertThat(brokerWide).isNotNull();
        assertThat(mailbox.backPressure()).as("the mailbox itself is within its bound").isNull();
        mailbox.addEnqueue(enqueue(1));
        CompletableFuture<Void> own = mailbox.addEnqueue(enqueue(1));
        assertThat(own).as("past both: the mailbox's own").isSameAs(mailbox.backPressure()).isNotSameAs(brokerWide);
    }

    @Test
    void shouldRefuseABrokerWideBoundBelowTwo() {
        assertThatThrownBy(() -> new EnqueueBacklog(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2");
        assertThat(EnqueueBacklog.unbounded().bound()).isEqualTo(Long.MAX_VALUE);
    }

    /**
     * Publishers on four threads post to two mailboxes that share a backlog bound of 32, while two
     * owner threads drain them and report what they took per drain, as queue threads do. No
     * publisher may be left waiting for a future nobody completes (the owners' reports racing the
     * publishers' installing it), and every copy is given back in the end.
     */
    @Test
    void shouldLeaveNoPublisherWaitingWhenPublishersRaceTheOwnersOfASharedBacklog() throws Exception {
        EnqueueBacklog backlog = new EnqueueBacklog(32);
        MailboxLimits roomy = new MailboxLimits(1 << 20, 1L << 30);
        List<QueueMailbox> mailboxes = List.of(new QueueMailbox(roomy, backlog), new QueueMailbox(roomy, backlog));
        AtomicBoolean publishing = new AtomicBoolean(true);
        ExecutorService owners = Executors.newFixedThreadPool(2);
        threads.add(owners);
        List<Future<?>> draining = new ArrayList<>();
        for (QueueMailbox mailbox : mailboxes) {
            draining.add(owners.submit(() -> {
                while (publishing.get() || !mailbox.isEmpty()) {
                    for (int taken = 0; taken < 8 && mailbox.poll() != null; taken++) {
                        Thread.onSpinWait();
                    }
                    mailbox.endOfDrain();
                }
            }));
        }
        int publishers = 4;
        int perPublisher = 20_000;
        ExecutorService publisherThreads = Executors.newFixedThreadPool(publishers);
        threads.add(publisherThreads);
        List<Future<?>> running = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            running.add(publisherThreads.submit(() -> {
                for (int i = 0; i < perPublisher; i++) {
                    CompletableFuture<Void> held = mailboxes.get(i % 2).addEnqueue(enqueue(1));
                    if (held != null) {
                        held.get(10, TimeUnit.SECONDS); // a lost wake-up fails here
                    }
                }
                return null;
            }));
        }
        for (Future<?> publisher : running) {
            publisher.get(60, TimeUnit.SECONDS);
        }
        publishing.set(false);
        for (Future<?> owner : draining) {
            owner.get(10, TimeUnit.SECONDS);
        }
        assertThat(backlog.waiting()).isZero();
        assertThat(backlog.peak()).as("past the bound by at most one copy per publisher")
                .isLessThanOrEqualTo(32 + publishers);
    }
}
