package dev.ferry.kafka.api;

import dev.ferry.kafka.security.KafkaSession;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * What a handler knows about the request besides its body.
 *
 * @param apiVersion     the request's version (the response is written in the same one)
 * @param correlationId  the client's id for the request
 * @param clientId       the client's self-chosen name, possibly null; escape it before logging
 * @param connection     how the connection is named in log lines
 * @param receivedAtMs   wall-clock time the request was read: handlers take time from here, not the clock
 * @param eventLoop      the connection's event loop, for timers (a long poll's max.wait.ms)
 * @param securityProtocol the listener the connection came in on: PLAINTEXT or SSL; brokers are
 *                       advertised with that listener's port, as Kafka answers on the client's listener
 * @param principal      who the client is: from a verified SSL client certificate "User:" + its
 *                       distinguished name, as Kafka's default principal builder says; otherwise
 *                       User:ANONYMOUS. Kept for ACLs.
 * @param session        who the connection logged in as (the user it acts as) and how far its SASL
 *                       login got; null where no connection stands behind the request (handler unit tests)
 */
public record RequestContext(short apiVersion, int correlationId, String clientId, String connection,
                             long receivedAtMs, ScheduledExecutorService eventLoop,
                             SecurityProtocol securityProtocol, KafkaPrincipal principal, KafkaSession session) {
    /** A request on a plain-text connection, from an anonymous client, with no session behind it. */
    public RequestContext(short apiVersion, int correlationId, String clientId, String connection, long receivedAtMs,
                          ScheduledExecutorService eventLoop) {
        this(apiVersion, correlationId, clientId, connection, receivedAtMs, eventLoop, SecurityProtocol.PLAINTEXT,
                KafkaPrincipal.ANONYMOUS, null);
    }
}
