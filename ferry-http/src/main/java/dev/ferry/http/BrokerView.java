package dev.ferry.http;

import dev.ferry.broker.VirtualHost;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every endpoint needs: the configuration and the rules of who sees which virtual host.
 * Stateless apart from the counter that gives each API operation on queues its own session id.
 */
final class BrokerView {
    // Negative, so they never meet an AMQP connection's id (those count up from 1).
    private static final AtomicLong NEXT_SESSION_ID = new AtomicLong();

    final HttpApiConfig config;
    final MessageRates rates;

    BrokerView(HttpApiConfig config) {
        this.config = config;
        this.rates = new MessageRates(config.broker(), config.connections(), config.statisticsIntervalMs());
    }

    /**
     * The cluster name shown to clients: the one set through {@code PUT /api/cluster-name}, else the
     * node name (what the AMQP front sends in connection.start then, as RabbitMQ's default).
     */
    String clusterName() {
        return config.accessControl() == null ? config.nodeName()
                : config.accessControl().clusterName().orElse(config.nodeName());
    }

    /** A connection id of its own for one API operation (get, declare) on queues. */
    static long sessionId() {
        return -1 - NEXT_SESSION_ID.getAndIncrement();
    }

    boolean maySee(ApiUser user, String virtualHost) {
        return user.isMonitor() || config.users().mayAccess(user, virtualHost);
    }

    /** Whether {@code user} sees the streams and consumer groups: the virtual host they belong to. */
    boolean seesStreams(ApiUser user) {
        return maySee(user, config.streamVirtualHost());
    }

    /** The virtual hosts {@code user} may see, by name. */
    List<VirtualHost> visibleVirtualHosts(ApiUser user) {
        List<VirtualHost> visible = new ArrayList<>();
        for (VirtualHost host : config.broker().virtualHosts()) {
            if (maySee(user, host.name())) {
                visible.add(host);
            }
        }
        visible.sort(Comparator.comparing(VirtualHost::name));
        return visible;
    }

    /** The virtual host named in a path: 404 when it does not exist, 401 when the user may not see it. */
    VirtualHost virtualHost(ApiUser user, String name) {
        VirtualHost host = config.broker().virtualHost(name).orElseThrow(ApiException::notFound);
        if (!maySee(user, name)) {
            throw ApiException.notAuthorised("User not authorised to access virtual host");
        }
        return host;
    }

    boolean virtualHostExists(String name) {
        return config.broker().virtualHost(name).isPresent();
    }

    /**
     * The virtual host named in the path of a listing that RabbitMQ answers with an empty list
     * rather than 404 when the host does not exist (an exchange's or a queue's bindings); 401 as
     * {@link #virtualHost} when it exists and the user may not see it.
     */
    Optional<VirtualHost> virtualHostIfAny(ApiUser user, String name) {
        Optional<VirtualHost> host = config.broker().virtualHost(name);
        if (host.isPresent() && !maySee(user, name)) {
            throw ApiException.notAuthorised("User not authorised to access virtual host");
        }
        return host;
    }

    /**
     * The virtual host of a change (declare, delete, publish, get, purge): as in RabbitMQ, every
     * user, administrators too, needs a permission entry there; the monitoring tag is not enough.
     */
    VirtualHost virtualHostToChange(ApiUser user, String name) {
        VirtualHost host = config.broker().virtualHost(name).orElseThrow(ApiException::notFound);
        if (!config.users().mayAccess(user, name)) {
            throw ApiException.notAuthorised("User not authorised to access virtual host");
        }
        return host;
    }

    /** Configure permission on a queue or exchange (declare, delete): 401 "Access refused." as RabbitMQ. */
    void requireConfigure(ApiUser user, String virtualHost, String resource) {
        if (!config.users().mayConfigure(user, virtualHost, resource)) {
            throw ApiException.notAuthorised("Access refused.");
        }
    }

    /** Read permission on a queue (get, purge): 401 with the AMQP refusal text, as RabbitMQ. */
    void requireRead(ApiUser user, String virtualHost, String kind, String resource) {
        if (!config.users().mayRead(user, virtualHost, resource)) {
            throw ApiException.notAuthorised(refusal(user, virtualHost, kind, resource));
        }
    }

    void requireWrite(ApiUser user, String virtualHost, String kind, String resource) {
        if (!config.users().mayWrite(user, virtualHost, resource)) {
            throw ApiException.notAuthorised(refusal(user, virtualHost, kind, resource));
        }
    }

    static String refusal(ApiUser user, String virtualHost, String kind, String resource) {
        return "ACCESS_REFUSED - access to " + kind + " '" + resource + "' in vhost '" + virtualHost
                + "' refused for user '" + user.name() + "'";
    }

    /** The users, permissions and virtual hosts endpoints: administrators only. */
    static void requireAdministrator(ApiUser user) {
        if (!user.isAdministrator()) {
            throw ApiException.notAuthorised("Not administrator user");
        }
    }
}
