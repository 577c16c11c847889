package dev.ferry.kafka.group;

import java.util.List;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupListing;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;

/** ListGroups, with v4's state filter and v5's type filter ("classic" or "consumer", KIP-848's groups). */
public final class ListGroupsHandler implements ApiHandler {

    private final GroupCoordinator coordinator;
    private final KafkaAcls acls;

    public ListGroupsHandler(GroupCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs, as Kafka: DESCRIBE on the cluster lists every group, otherwise only the groups the user may DESCRIBE. */
    public ListGroupsHandler(GroupCoordinator coordinator, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_GROUPS;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 5;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        ListGroupsRequestData request = (ListGroupsRequestData) message;
        List<String> states = request.statesFilter();
        List<String> types = request.typesFilter();
        boolean everyGroup = acls.allowedOnClusterQuietly(context, Operation.DESCRIBE);
        return coordinator.list().thenApply(listings -> {
            ListGroupsResponseData response = new ListGroupsResponseData();
            for (GroupListing listing : listings) {
                String state = listing.state().displayName();
                if (!types.isEmpty() && types.stream().noneMatch(listing.type()::equalsIgnoreCase)) {
                    continue;
                }
                if (!states.isEmpty() && states.stream().noneMatch(state::equalsIgnoreCase)) {
                    continue;
                }
                if (!everyGroup && !acls.allowedQuietly(context, Operation.DESCRIBE, ResourceType.GROUP,
                        listing.groupId())) {
                    continue;
                }
                response.groups().add(new ListedGroup().setGroupId(listing.groupId())
                        .setProtocolType(listing.protocolType()).setGroupState(state).setGroupType(listing.type()));
            }
            return response;
        });
    }
}
