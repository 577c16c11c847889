package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The owner threads queues are pinned to: how queues are spread, what the threads are, and close. */
class QueueExecutorPoolTest {

    @Test
    void shouldSpreadQueuesRoundRobinOverItsThreads() {
        try (QueueExecutorPool pool = new QueueExecutorPool(3)) {
            List<ExecutorService> assigned = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                assigned.add(pool.assign());
            }
            assertThat(pool.threadCount()).isEqualTo(3);
            assertThat(assigned.subList(0, 3)).doesNotHaveDuplicates();
            assertThat(assigned.subList(3, 6)).containsExactlyElementsOf(assigned.subList(0, 3));
            assertThat(assigned.get(6)).isSameAs(assigned.get(0));
        }
    }

    @Test
    void shouldRunQueuesOnNamedDaemonThreads() {
        try (QueueExecutorPool pool = new QueueExecutorPool(2)) {
            Thread first = CompletableFuture.supplyAsync(Thread::currentThread, pool.assign()).join();
            Thread second = CompletableFuture.supplyAsync(Thread::currentThread, pool.assign()).join();
            assertThat(List.of(first.getName(), second.getName()))
                    .containsExactlyInAnyOrder("ferry-queue-0", "ferry-queue-1");
            assertThat(first.isDaemon()).as("owner threads must not keep the JVM alive").isTrue();
            assertThat(second.isDaemon()).isTrue();
        }
    }

    @Test
    void shouldFinishTheWorkAlreadyQueuedWhenClosed() throws InterruptedException {
        QueueExecutorPool pool = new QueueExecutorPool(1);
        ExecutorService owner = pool.assign();
        CountDownLatch release = new CountDownLatch(1);
        List<String> done = new ArrayList<>();
        owner.execute(() -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        owner.execute(() -> done.add("queued before close"));
        CompletableFuture<Void> closed = CompletableFuture.runAsync(pool::close);
        release.countDown();
        closed.join();

        assertThat(owner.isTerminated()).as("close waits for the owner threads").isTrue();
        assertThat(done).containsExactly("queued before close");
    }

    @Test
    void shouldRefuseAPoolWithoutThreads() {
        assertThatThrownBy(() -> new QueueExecutorPool(0)).isInstanceOf(IllegalArgumentException.class);
        new QueueExecutorPool(1).close(); // one thread is enough
    }
}
