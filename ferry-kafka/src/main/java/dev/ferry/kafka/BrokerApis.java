package dev.ferry.kafka;

import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.api.ApiHandlers;
import dev.ferry.kafka.api.ApiVersionsHandler;
import dev.ferry.kafka.api.DescribeClusterHandler;
import dev.ferry.kafka.api.MetadataHandler;
import dev.ferry.kafka.group.GroupApis;

/**
 * The API handlers of a broker, wired to the core: the one place that says which Kafka APIs Ferry
 * serves. ApiVersions advertises exactly what is registered here.
 */
public final class BrokerApis {
    private BrokerApis() {
    }

    public static ApiHandlers create(LocalNode node, GroupCoordinator groups) {
        ApiHandlers handlers = new ApiHandlers();
        handlers.register(new ApiVersionsHandler(handlers));
        handlers.register(new MetadataHandler(node));
        handlers.register(new DescribeClusterHandler(node));
        GroupApis.register(handlers, node, groups);
        return handlers;
    }
}
