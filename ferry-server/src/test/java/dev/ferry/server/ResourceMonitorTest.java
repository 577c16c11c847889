package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.broker.ResourceAlarm;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

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
}
