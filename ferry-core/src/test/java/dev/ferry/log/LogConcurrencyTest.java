package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.recordsFor;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.AbstractList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thread-safety contract: one writer (asserted), many readers that never see part of a batch. */
class LogConcurrencyTest {
    @TempDir
    Path directory;

    @Test
    void shouldLetReadersRunBesideTheWriterAndSeeOnlyWholeIntactBatches() throws Exception {
        try (Log log = Log.open(directory.resolve("busy"), smallConfig(FsyncPolicy.NEVER))) {
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong recordsChecked = new AtomicLong();
            CompletableFuture<?>[] readers = new CompletableFuture<?>[2];
            for (int i = 0; i < readers.length; i++) {
                readers[i] = CompletableFuture.runAsync(() -> {
                    while (writing.get()) {
                        long next = 0;
                        long end = log.logEndOffset();
                        while (next < end) {
                            List<Record> records = log.read(next, 2000).readRecords();
                            for (Record record : records) {
                                assertThat(record.offset()).isEqualTo(next);
                                assertThat(LogTestSupport.matches(record, 150)).isTrue();
                                next++;
                            }
                            recordsChecked.addAndGet(records.size());
                        }
                    }
                });
            }
            for (int i = 0; i < 1500; i++) {
                log.append(recordsFor(log.logEndOffset(), 1 + i % 5, 150));
            }
            writing.set(false);
            CompletableFuture.allOf(readers).get(30, TimeUnit.SECONDS);

            assertThat(recordsChecked.get()).isPositive();
            assertThat(log.segmentCount()).isGreaterThan(10);
        }
    }

    @Test
    void shouldCatchTwoWritersAtOnce() throws Exception {
        try (Log log = Log.open(directory.resolve("contended"), smallConfig(FsyncPolicy.NEVER))) {
            CountDownLatch firstWriterInside = new CountDownLatch(1);
            CountDownLatch releaseFirstWriter = new CountDownLatch(1);
            // A list whose first read parks the first writer inside append, deterministically.
            List<SimpleRecord> blockingRecords = new AbstractList<>() {
                @Override
                public SimpleRecord get(int index) {
                    firstWriterInside.countDown();
                    try {
                        releaseFirstWriter.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return LogTestSupport.recordFor(index, 10);
                }

                @Override
                public int size() {
                    return 1;
                }
            };
            CompletableFuture<CompletableFuture<AppendResult>> first = CompletableFuture.supplyAsync(() -> log.append(blockingRecords));
            assertThat(firstWriterInside.await(10, TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(() -> log.append(recordsFor(0, 1, 10)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("two writers");

            releaseFirstWriter.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).join()).isEqualTo(new AppendResult(0, 0));
        }
    }
}
