package dev.ferry.http;

import dev.ferry.front.tls.TlsContextProvider;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * RabbitMQ 3.10's health checks, {@code /api/health/checks/...}, and the deprecated
 * {@code /api/healthchecks/node[/{node}]}. A check that passes answers 200 {@code {"status":"ok"}}
 * (some with a field saying what was checked); one that fails 503
 * {@code {"status":"failed","reason":...}} with what failed, so a load balancer or a probe reads
 * the status code alone. Any management user may run them; they read only what the node
 * already holds (no queue or connection is asked).
 *
 * <p>Ferry is one node: the quorum-critical and mirror-sync-critical checks always pass, as they do
 * on a RabbitMQ node without a cluster, and every virtual host the broker has is running.
 */
final class HealthChecksEndpoint {
    private static final Pattern PORT = Pattern.compile("[+-]?[0-9]+");

    private final BrokerView view;

    HealthChecksEndpoint(BrokerView view) {
        this.view = view;
    }

    /** {@code /api/health/checks/{check}[/...]}. */
    CompletableFuture<ApiResponse> check(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        int depth = request.path().size();
        if (depth < 3 || !request.segment(1).equals("checks")) {
            throw ApiException.notFound();
        }
        String check = request.segment(2);
        ApiResponse answer = switch (check) {
            case "alarms", "local-alarms" -> {
                requireDepth(request, 3);
                yield alarms(check.equals("alarms"));
            }
            case "virtual-hosts" -> {
                requireDepth(request, 3);
                yield ok(Map.of());
            }
            case "node-is-quorum-critical", "node-is-mirror-sync-critical" -> {
                requireDepth(request, 3);
                yield ok(Map.of("reason", "single node cluster"));
            }
            case "port-listener" -> {
                requireDepth(request, 4);
                yield portListener(request.segment(3));
            }
            case "protocol-listener" -> {
                requireDepth(request, 4);
                yield protocolListener(request.segment(3));
            }
            case "certificate-expiration" -> {
                requireDepth(request, 5);
                yield certificateExpiration(request.segment(3), request.segment(4));
            }
            default -> throw ApiException.notFound();
        };
        return ApiResponse.now(answer);
    }

    /** The deprecated {@code /api/healthchecks/node[/{node}]}: this node, failing while a resource alarm is in effect. */
    CompletableFuture<ApiResponse> node(ApiRequest request) {
        QueuesEndpoint.requireGet(request.method());
        int depth = request.path().size();
        if (depth < 2 || !request.segment(1).equals("node") || depth > 3
                || (depth == 3 && !request.segment(2).equals(view.config.nodeName()))) {
            throw ApiException.notFound();
        }
        if (!view.config.resourceAlarm().isRaised()) {
            return ApiResponse.now(ok(Map.of()));
        }
        // RabbitMQ's words, with the alarm as the Erlang term it prints.
        return ApiResponse.now(failed("resource alarm(s) in effect:[{resource_limit," + alarmedResource() + ","
                + view.config.nodeName() + "}]", Map.of()));
    }

    private static void requireDepth(ApiRequest request, int depth) {
        if (request.path().size() != depth) {
            throw ApiException.notFound();
        }
    }

    /** {@code alarms}: the whole cluster's, {@code local-alarms}: this node's; one node, so the same alarm. */
    private ApiResponse alarms(boolean cluster) {
        if (!view.config.resourceAlarm().isRaised()) {
            return ok(Map.of());
        }
        Map<String, Object> alarm = new LinkedHashMap<>();
        alarm.put("node", view.config.nodeName());
        alarm.put("resource", alarmedResource());
        // Ferry's own: the alarm's reason, with the figures that raised it.
        alarm.put("detail", view.config.resourceAlarm().reason());
        return failed(cluster ? "There are alarms in effect in the cluster" : "There are alarms in effect on the node",
                Map.of("alarms", List.of(alarm)));
    }

    /** Ferry keeps one alarm for memory and disk together; its reason names which. */
    private String alarmedResource() {
        return view.config.resourceAlarm().reason().contains("disk") ? "disk" : "memory";
    }

    private ApiResponse portListener(String text) {
        if (!PORT.matcher(text).matches()) {
            throw ApiException.badRequest("Invalid port");
        }
        BigInteger port = new BigInteger(text);
        Set<Integer> ports = new TreeSet<>();
        for (NodeListeners.Listener listener : view.config.listeners().all()) {
            ports.add(listener.port());
            if (BigInteger.valueOf(listener.port()).equals(port)) {
                return ok(Map.of("port", listener.port()));
            }
        }
        Map<String, Object> missing = new LinkedHashMap<>();
        missing.put("missing", port);
        missing.put("ports", List.copyOf(ports));
        return failed("No active listener", missing);
    }

    private ApiResponse protocolListener(String requested) {
        String protocol = ListenerProtocols.canonical(requested);
        Set<String> protocols = new LinkedHashSet<>();
        for (NodeListeners.Listener listener : view.config.listeners().all()) {
            protocols.add(listener.protocol());
        }
        if (protocols.contains(protocol)) {
            return ok(Map.of("protocol", protocol));
        }
        Map<String, Object> missing = new LinkedHashMap<>();
        missing.put("missing", protocol);
        missing.put("protocols", List.copyOf(protocols));
        return failed("No active listener", missing);
    }

    /**
     * Every TLS listener whose certificate (or an intermediate, or a trusted authority) ends
     * inside the window. The files are the ones loaded last ({@code tls-cert}, {@code tls-ca}):
     * what the listeners serve now, not what may lie on disk unread.
     */
    private ApiResponse certificateExpiration(String within, String unit) {
        Instant deadline = CertificateExpiry.deadline(within, unit, Instant.now());
        TlsContextProvider certificates = view.config.serverCertificates();
        List<Map<String, Object>> expiring = new ArrayList<>();
        if (certificates != null) {
            List<String> certificateEnds = CertificateExpiry.endingBefore(certificates.certificateChain(), deadline);
            List<String> authorityEnds = CertificateExpiry.endingBefore(certificates.trustedAuthorities(), deadline);
            if (!certificateEnds.isEmpty() || !authorityEnds.isEmpty()) {
                for (NodeListeners.Listener listener : view.config.listeners().tls()) {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    if (certificates.settings().trustedCaFile() != null) {
                        entry.put("cacertfile", certificates.settings().trustedCaFile().toString());
                        entry.put("cacertfile_expires_on", authorityEnds);
                    }
                    entry.put("certfile", certificates.settings().certificateFile().toString());
                    entry.put("certfile_expires_on", certificateEnds);
                    entry.put("interface", listener.ipAddress());
                    entry.put("node", view.config.nodeName());
                    entry.put("port", listener.port());
                    entry.put("protocol", listener.protocol());
                    expiring.add(entry);
                }
            }
        }
        if (expiring.isEmpty()) {
            return ok(Map.of());
        }
        return failed("Certificates expiring", Map.of("expired", expiring));
    }

    private static ApiResponse ok(Map<String, Object> fields) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", "ok");
        json.putAll(fields);
        return ApiResponse.okValue(json);
    }

    private static ApiResponse failed(String reason, Map<String, Object> fields) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", "failed");
        json.put("reason", reason);
        json.putAll(fields);
        return new ApiResponse(503, body -> body.writeObject(json));
    }
}
