package dev.ferry.kafka.group;

import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.api.ApiHandlers;

/** The consumer-group APIs (classic protocol) and the offset APIs, all served by one {@link GroupCoordinator}. */
public final class GroupApis {
    private GroupApis() {
    }

    public static void register(ApiHandlers handlers, LocalNode node, GroupCoordinator coordinator) {
        handlers.register(new FindCoordinatorHandler(node));
        handlers.register(new JoinGroupHandler(coordinator));
        handlers.register(new SyncGroupHandler(coordinator));
        handlers.register(new HeartbeatHandler(coordinator));
        handlers.register(new LeaveGroupHandler(coordinator));
        handlers.register(new OffsetCommitHandler(coordinator));
        handlers.register(new OffsetFetchHandler(coordinator));
        handlers.register(new OffsetDeleteHandler(coordinator));
        handlers.register(new ListGroupsHandler(coordinator));
        handlers.register(new DescribeGroupsHandler(coordinator));
        handlers.register(new DeleteGroupsHandler(coordinator));
    }
}
