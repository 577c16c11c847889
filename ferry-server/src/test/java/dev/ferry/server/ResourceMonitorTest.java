package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.broker.ResourceAlarm;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ResourceMonitorTest {
    private final ResourceAlarm alarm = new ResourceAlarm();
    private final List<String> changes = new ArrayList<>();
    private final AtomicLong heapUsed = new AtomicLong();
    private final AtomicLong diskFree = new AtomicLong(10_000);
    private final ResourceMonitor monitor = new ResourceMonitor(alarm, 1_000, 1_000, heapUsed::get, diskFree::get);

    ResourceMonitorTest() {
        alarm.addListener(changes::add);
    }

    @Test
    void shouldRaiseTheMemoryAlarmAboveTheLimitAndClearItOnlyWellBelow() {
        heapUsed.set(1_001);
        monitor.sample();
        assertThat(alarm.isRaised()).isTrue();
        assertThat(alarm.reason()).contains("memory alarm");

        heapUsed.set(960);
        monitor.sample();
        assertThat(alarm.isRaised()).as("960 is under the limit but above the 95% clearing line").isTrue();

        heapUsed.set(900);
        monitor.sample();
        assertThat(alarm.isRaised()).isFalse();
        assertThat(changes).hasSize(2).last().isNull();
    }

    @Test
    void shouldJudgeAReadingOverTheLineByWhatAFullCollectionLeaves() {
        AtomicLong clock = new AtomicLong(1_000_000);
        AtomicLong garbage = new AtomicLong();
        List<Long> collections = new ArrayList<>();
        // The old generation reads live data plus garbage until a collection reclaims the garbage.
        ResourceMonitor collecting = new ResourceMonitor(alarm, 1_000, 1_000, () -> heapUsed.get() + garbage.get(),
                diskFree::get, () -> {
                    collections.add(clock.get());
                    garbage.set(0);
                }, clock::get);
        heapUsed.set(300);
        garbage.set(900);
        collecting.sample();
        assertThat(alarm.isRaised()).as("1,200 read, but only 300 live").isFalse();
        assertThat(collections).containsExactly(1_000_000L);

        // Within the interval another reading over the line is taken as it is: no collection storm.
        garbage.set(900);
        clock.addAndGet(ResourceMonitor.MIN_COLLECTION_INTERVAL_MS - 1);
        collecting.sample();
        assertThat(alarm.isRaised()).isTrue();
        assertThat(collections).hasSize(1);

        // Raised on garbage, and the broker went idle: the next due collection clears the alarm.
        clock.addAndGet(1);
        collecting.sample();
        assertThat(alarm.isRaised()).isFalse();
        assertThat(collections).hasSize(2);

        // Live data over the line keeps it raised after a collection.
        heapUsed.set(1_100);
        clock.addAndGet(ResourceMonitor.MIN_COLLECTION_INTERVAL_MS);
        collecting.sample();
        assertThat(alarm.isRaised()).isTrue();
    }

    @Test
    void shouldRaiseTheDiskAlarmWhenFreeSpaceFallsBelowTheLimit() {
        diskFree.set(999);
        monitor.sample();
        assertThat(alarm.reason()).contains("disk alarm");

        diskFree.set(1_020);
        monitor.sample();
        assertThat(alarm.isRaised()).as("just above the limit is not yet clear").isTrue();

        diskFree.set(2_000);
        monitor.sample();
        assertThat(alarm.isRaised()).isFalse();
    }

    @Test
    void shouldStayRaisedWhileEitherResourceIsShort() {
        heapUsed.set(5_000);
        diskFree.set(10);
        monitor.sample();
        assertThat(alarm.reason()).contains("memory alarm").contains("disk alarm");

        heapUsed.set(0);
        monitor.sample();
        assertThat(alarm.isRaised()).isTrue();
        assertThat(alarm.reason()).doesNotContain("memory").contains("disk alarm");
    }

    @Test
    void shouldNotTellListenersWhenNothingChanged() {
        monitor.sample();
        monitor.sample();
        assertThat(changes).isEmpty();
    }

    @Test
    void shouldKeepTheDiskAlarmAsItWasWhenTheProbeFailsAndSaySoOnce() {
        AtomicLong failures = new AtomicLong();
        ResourceMonitor probing = new ResourceMonitor(alarm, 1_000, 1_000, heapUsed::get, () -> {
            if (failures.get() > 0) {
                failures.decrementAndGet();
                throw new IOException("Too many open files");
            }
            return diskFree.get();
        });
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        Logger logger = (Logger) LoggerFactory.getLogger(ResourceMonitor.class);
        logger.addAppender(lines);
        try {
            failures.set(3);
            probing.sample();
            probing.sample();
            probing.sample();
            assertThat(alarm.isRaised()).as("a failed probe is not zero free").isFalse();
            assertThat(lines.list).filteredOn(line -> line.getLevel() == Level.ERROR).singleElement()
                    .satisfies(line -> assertThat(line.getFormattedMessage()).contains("Too many open files")
                            .contains("stays clear"));

            diskFree.set(10);
            probing.sample();
            assertThat(alarm.isRaised()).as("a real reading still counts").isTrue();
            failures.set(5);
            for (int i = 0; i < 5; i++) {
                probing.sample();
            }
            assertThat(alarm.isRaised()).as("raised stays raised while the probe fails").isTrue();
            assertThat(lines.list).filteredOn(line -> line.getLevel() == Level.ERROR).hasSize(2)
                    .last().satisfies(line -> assertThat(line.getFormattedMessage()).contains("stays raised"));
            diskFree.set(5_000);
            probing.sample();
            assertThat(alarm.isRaised()).isFalse();
        } finally {
            logger.detachAppender(lines);
        }
    }
}
