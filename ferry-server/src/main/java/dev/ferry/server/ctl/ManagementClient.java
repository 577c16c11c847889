package dev.ferry.server.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * ferryctl's connection to a running broker: its management HTTP API (ferry-http), with basic auth.
 * Failures to reach the broker become {@link CtlException}s with rabbitmqctl's exit codes; an
 * answer with a status is returned as it is, for the command to judge (a 404 means "no such user"
 * to one command and "no such queue" to another).
 */
public final class ManagementClient {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String username;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient http;

    public ManagementClient(URI base, String username, String password, Duration timeout) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.username = username;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (username + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        // HTTP/1.1: RabbitMQ's server drops an h2c upgrade on a request with a body, and Ferry
        // speaks 1.1 only; the same client works against both.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .build();
    }

    public URI base() {
        return base;
    }

    /** One path segment, percent-encoded as the API expects ({@code /} is {@code %2F}). */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public Answer get(String path) throws CtlException {
        return send("GET", path, null, null);
    }

    /** The user the requests are made as. */
    public String username() {
        return username;
    }

    public Answer put(String path, JsonNode body) throws CtlException {
        return send("PUT", path, body, null);
    }

    public Answer delete(String path) throws CtlException {
        return send("DELETE", path, null, null);
    }

    public Answer delete(String path, String reason) throws CtlException {
        return send("DELETE", path, null, reason);
    }

    public Answer post(String path, JsonNode body) throws CtlException {
        return send("POST", path, body, null);
    }

    private Answer send(String method, String path, JsonNode body, String reason) throws CtlException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("api/" + path))
                .timeout(timeout)
                .header("Authorization", authorization)
                .header("Accept", "application/json");
        if (reason != null) {
            request.header("X-Reason", reason);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
            request.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw unreachable("connection timed out");
        } catch (HttpTimeoutException e) {
            throw new CtlException(ExitCodes.TEMPORARY_FAILURE,
                    "operation " + method + " /api/" + path + " on node " + base + " timed out after "
                            + timeout.toSeconds() + " seconds");
        } catch (ConnectException e) {
            throw unreachable("connection refused");
        } catch (IOException e) {
            throw unreachable(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlException(ExitCodes.SOFTWARE, "interrupted");
        }
        JsonNode json = MissingNode.getInstance();
        String text = response.body();
        if (text != null && !text.isBlank()) {
            try {
                json = JSON.readTree(text);
            } catch (IOException e) {
                if (response.statusCode() < 300) {
                    throw new CtlException(ExitCodes.SOFTWARE, "node " + base + " answered something that is not JSON: "
                            + abbreviate(text));
                }
            }
        }
        Answer answer = new Answer(response.statusCode(), json);
        if (answer.status() == 401 && !answer.reason().equals("Login failed")) {
            // Logged in, but without the tag the request needs (RabbitMQ answers that with 401 too).
            throw new CtlException(ExitCodes.NO_PERMISSION, "access refused: " + answer.reason());
        }
        if (answer.status() == 401) {
            throw new CtlException(ExitCodes.UNAVAILABLE, "unable to perform an operation on node " + base
                    + ": it refused the credentials (" + answer.reason() + "). Check --username / --password,"
                    + " FERRY_CTL_CREDENTIALS or ~/.ferryctl");
        }
        if (answer.status() == 403) {
            throw new CtlException(ExitCodes.NO_PERMISSION, "access refused: " + answer.reason());
        }
        return answer;
    }

    private CtlException unreachable(String why) {
        return new BrokerUnreachableException( "unable to perform an operation on node " + base + ": " + why
                + ".\nIs the broker running, and is --url (or FERRY_URL) its management HTTP API?");
    }

    private static String abbreviate(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    /** A status and the JSON the broker answered (a missing node when there was no body). */
    public record Answer(int status, JsonNode json) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The broker's error text: the {@code reason} of RabbitMQ's error document. */
        public String reason() {
            String reason = json.path("reason").asText("");
            return reason.isEmpty() ? json.path("error").asText("HTTP " + status) : reason;
        }

        /** Fails with the broker's reason unless the request succeeded. */
        public Answer orFail() throws CtlException {
            if (ok()) {
                return this;
            }
            if (status == 400) {
                throw new CtlException(ExitCodes.DATA_ERROR, reason());
            }
            if (status == 404) {
                throw new CtlException(ExitCodes.DATA_ERROR, "not found: " + reason());
            }
            if (status == 503) {
                throw new CtlException(ExitCodes.UNAVAILABLE, reason());
            }
            throw new CtlException(ExitCodes.SOFTWARE, "HTTP " + status + ": " + reason());
        }
    }
}
