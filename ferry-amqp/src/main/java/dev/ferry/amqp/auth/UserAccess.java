package dev.ferry.amqp.auth;

import dev.ferry.access.AccessControl;
import dev.ferry.access.AccessState;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.User;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.text.LogSafe;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the user of one channel may do in the virtual host its connection opened, checked the way
 * RabbitMQ checks it, refusals thrown as 403 ACCESS_REFUSED with RabbitMQ's texts (and logged with
 * user, address and object). Which permission each method needs is the caller's business (the
 * channel handlers say it where they call); this class knows the resource names: the default
 * exchange is checked, and named, as {@code amq.default}.
 *
 * <p>Without an {@link AccessControl} (null) everything is allowed, but {@code user-id} is still checked.
 *
 * <p>Event loop only (one per channel): the one-entry cache of the last exchange a publish was
 * allowed to write to is not shared. It is valid for one {@link AccessState} snapshot, so a changed
 * permission applies from the next publish on.
 */
public final class UserAccess {
    private static final Logger LOG = LoggerFactory.getLogger(UserAccess.class);
    private static final String DEFAULT_EXCHANGE = "amq.default";

    /** A kind of resource as RabbitMQ's texts name it. */
    public enum Kind {
        QUEUE("queue"), EXCHANGE("exchange");

        private final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    private final AccessControl access;
    private final String username;
    private final String virtualHost;
    private final String remote;
    private AccessState checkedIn;
    private String writableExchange;

    public UserAccess(AccessControl access, String username, String virtualHost, String remote) {
        this.access = access;
        this.username = username;
        this.virtualHost = virtualHost;
        this.remote = remote;
    }

    public String username() {
        return username;
    }

    private User user() {
        // A user deleted while connected keeps the connection (as in RabbitMQ) but no permissions.
        return access.user(username).orElseGet(() -> new User(username, Set.of(), PasswordHash.NONE));
    }

    public void checkConfigure(Kind kind, String name) {
        if (access != null && !access.mayConfigure(user(), virtualHost, resourceName(kind, name))) {
            throw refused("configure", kind, name);
        }
    }

    public void checkWrite(Kind kind, String name) {
        if (access == null) {
            return;
        }
        if (kind == Kind.EXCHANGE && name.equals(writableExchange) && access.state() == checkedIn) {
            return; // the publisher's usual case: the same exchange, permissions unchanged
        }
        AccessState now = access.state();
        if (!access.mayWrite(user(), virtualHost, resourceName(kind, name))) {
            throw refused("write", kind, name);
        }
        if (kind == Kind.EXCHANGE) {
            checkedIn = now;
            writableExchange = name;
        }
    }

    public void checkRead(Kind kind, String name) {
        if (access != null && !access.mayRead(user(), virtualHost, resourceName(kind, name))) {
            throw refused("read", kind, name);
        }
    }

    /** Whether the user has topic permissions in this virtual host at all (publishers skip the exchange lookup when not). */
    public boolean hasTopicPermissions() {
        return access != null && access.state().hasTopicPermissions(username, virtualHost);
    }

    /** A publish to topic exchange {@code exchange} with {@code routingKey} (topic write permission). */
    public void checkTopicWrite(String exchange, String routingKey) {
        if (access != null && !access.mayWriteTopic(user(), virtualHost, exchange, routingKey)) {
            throw topicRefused("write", exchange, routingKey);
        }
    }

    /** A binding from topic exchange {@code exchange} with {@code routingKey} (topic read permission). */
    public void checkTopicRead(String exchange, String routingKey) {
        if (access != null && !access.mayReadTopic(user(), virtualHost, exchange, routingKey)) {
            throw topicRefused("read", exchange, routingKey);
        }
    }

    /**
     * A publisher may not claim to be someone else in {@code user-id}, unless it has the
     * {@code impersonator} tag: 406 with RabbitMQ's text.
     */
    public void checkUserId(String claimed) {
        if (claimed == null || claimed.equals(username)) {
            return;
        }
        if (access != null && user().hasTag(User.IMPERSONATOR)) {
            return;
        }
        throw BrokerException.preconditionFailed("PRECONDITION_FAILED - user_id property set to '" + claimed
                + "' but authenticated user was '" + username + "'");
    }

    /** 406 when the virtual host's queue limit would be passed by one more queue. */
    public void checkQueueLimit(String queue, int queuesNow) {
        if (access == null) {
            return;
        }
        int limit = access.virtualHostLimits(virtualHost).maxQueues();
        if (limit >= 0 && queuesNow >= limit) {
            LOG.warn("Refused: user '{}' from {} declaring queue '{}': queue limit ({}) of vhost '{}' reached",
                    LogSafe.text(username), remote, LogSafe.text(queue), limit, LogSafe.text(virtualHost));
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - cannot declare queue '" + queue
                    + "': queue limit in vhost '" + virtualHost + "' (" + limit + ") is reached");
        }
    }

    private static String resourceName(Kind kind, String name) {
        return kind == Kind.EXCHANGE && name.isEmpty() ? DEFAULT_EXCHANGE : name;
    }

    private BrokerException refused(String permission, Kind kind, String name) {
        String resource = kind.word + " '" + resourceName(kind, name) + "' in vhost '" + virtualHost + "'";
        LOG.warn("Refused: user '{}' from {} has no {} permission on {}", LogSafe.text(username), remote, permission,
                LogSafe.text(resource));
        return new BrokerException(ErrorCode.ACCESS_REFUSED, "ACCESS_REFUSED - access to " + resource
                + " refused for user '" + username + "'");
    }

    private BrokerException topicRefused(String permission, String exchange, String routingKey) {
        String resource = "topic '" + routingKey + "' in exchange '" + exchange + "' in vhost '" + virtualHost + "'";
        LOG.warn("Refused: user '{}' from {} has no topic {} permission on {}", LogSafe.text(username), remote,
                permission, LogSafe.text(resource));
        return new BrokerException(ErrorCode.ACCESS_REFUSED, "ACCESS_REFUSED - access to " + resource
                + " refused for user '" + username + "'");
    }
}
