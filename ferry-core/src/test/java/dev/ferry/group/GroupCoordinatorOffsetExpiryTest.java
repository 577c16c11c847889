package dev.ferry.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The coordinator runs the offsets clean-up by itself every check interval, on its own thread:
 * offsets past the retention of the clock it was given go, those within it stay.
 */
class GroupCoordinatorOffsetExpiryTest {
    private static final PartitionRef ORDERS = new PartitionRef("orders", 0);

    @Test
    void shouldExpireOffsetsOnItsOwnEveryCheckInterval() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000);
        GroupConfig config = GroupConfig.defaults().withOffsetsRetention(60_000, 20);
        try (GroupCoordinator coordinator = GroupCoordinator.inMemory(config, clock::get)) {
            List<GroupCommand.OffsetToCommit> commit = List.of(new GroupCommand.OffsetToCommit(ORDERS, 42, -1, ""));
            coordinator.commitOffsets("old", -1, "", null, commit).get(10, TimeUnit.SECONDS);
            clock.addAndGet(30_000);
            coordinator.commitOffsets("young", -1, "", null, commit).get(10, TimeUnit.SECONDS);
            assertThat(coordinator.list().get(10, TimeUnit.SECONDS)).hasSize(2);

            clock.addAndGet(30_000);

            await().atMost(Duration.ofSeconds(10)).until(() -> coordinator.list().get().size() == 1);
            assertThat(coordinator.describe("old").get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(coordinator.fetchOffsets("young", null).get(10, TimeUnit.SECONDS)).containsKey(ORDERS);
        }
    }
}
