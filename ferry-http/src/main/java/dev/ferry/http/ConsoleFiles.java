package dev.ferry.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web console's files, served on the management port beside the API and without a login (the
 * page logs in against the API itself): {@code /} is the console's page, {@code /console/...} its
 * scripts, styles and images, read from this package's resources under {@code console/}.
 *
 * <p>Design note: a path is never joined onto a directory. Each decoded segment must be a plain
 * file name ({@code [A-Za-z0-9][A-Za-z0-9._-]*}, no {@code ..}), the name must end in an extension
 * of {@link #CONTENT_TYPES}, and what is read is a class path resource below {@code console/}; so
 * {@code ..}, {@code %2e%2e}, backslashes and absolute paths are 404 before anything is looked up.
 * Files are small and read once; each answer carries an ETag of its content and
 * {@code Cache-Control: no-cache}, so a browser revalidates (304, no body) and never runs a stale
 * script after an upgrade.
 */
final class ConsoleFiles {
    static final String PREFIX = "/console/";
    private static final String INDEX = "index.html";
    private static final int MAX_SEGMENTS = 4;
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json");
    /**
     * Scripts and styles only from this origin, no inline script, nothing framed: the console works
     * offline and an injected name in a table cannot run.
     */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data: blob:; "
            + "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            + "form-action 'self'";

    /** A file as served: its bytes, type and validator. */
    record ConsoleFile(byte[] content, String contentType, String etag) {
    }

    /** Files found so far; misses are not kept, so unknown names cannot grow it. */
    private final Map<String, ConsoleFile> loaded = new ConcurrentHashMap<>();

    /** Whether a request path is the console's rather than the API's. */
    static boolean isConsolePath(String rawPath) {
        return rawPath.equals("/") || rawPath.equals("/console") || rawPath.startsWith(PREFIX)
                || rawPath.equals("/favicon.ico");
    }

    /** The answer to a GET or HEAD of a console path (404, 405 and 304 included). */
    FullHttpResponse respond(String method, String rawPath, String ifNoneMatch, boolean keepAlive) {
        FullHttpResponse response;
        if (!method.equals("GET") && !method.equals("HEAD")) {
            response = empty(HttpResponseStatus.METHOD_NOT_ALLOWED);
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        } else if (rawPath.equals("/console")) {
            response = empty(HttpResponseStatus.MOVED_PERMANENTLY);
            response.headers().set(HttpHeaderNames.LOCATION, PREFIX);
        } else {
            Optional<ConsoleFile> file = resourceName(rawPath).flatMap(this::file);
            if (file.isEmpty()) {
                response = text(HttpResponseStatus.NOT_FOUND, "Not Found");
            } else if (file.get().etag().equals(ifNoneMatch)) {
                response = empty(HttpResponseStatus.NOT_MODIFIED);
                response.headers().set(HttpHeaderNames.ETAG, file.get().etag());
                response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            } else {
                response = content(file.get(), method.equals("HEAD"));
            }
        }
        response.headers().set("X-Content-Type-Options", "nosniff");
        HttpUtil.setKeepAlive(response, keepAlive);
        return response;
    }

    /** The resource below {@code console/} a path names, or empty when it names none that may be served. */
    static Optional<String> resourceName(String rawPath) {
        if (rawPath.equals("/") || rawPath.equals(PREFIX)) {
            return Optional.of(INDEX);
        }
        if (rawPath.equals("/favicon.ico")) {
            return Optional.of("favicon.svg");
        }
        if (!rawPath.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] segments = rawPath.substring(PREFIX.length()).split("/", -1);
        if (segments.length > MAX_SEGMENTS) {
            return Optional.empty();
        }
        StringBuilder name = new StringBuilder();
        for (String raw : segments) {
            String segment;
            try {
                segment = QueryStringDecoder.decodeComponent(raw, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            if (!FILE_NAME.matcher(segment).matches() || segment.contains("..")) {
                return Optional.empty();
            }
            if (name.length() > 0) {
                name.append('/');
            }
            name.append(segment);
        }
        String last = segments[segments.length - 1];
        int dot = last.lastIndexOf('.');
        if (dot < 0 || !CONTENT_TYPES.containsKey(last.substring(dot + 1))) {
            return Optional.empty();
        }
        return Optional.of(name.toString());
    }

    private Optional<ConsoleFile> file(String name) {
        ConsoleFile known = loaded.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        try (InputStream in = ConsoleFiles.class.getResourceAsStream("console/" + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] content = in.readAllBytes();
            String type = CONTENT_TYPES.get(name.substring(name.lastIndexOf('.') + 1));
            ConsoleFile file = new ConsoleFile(content, type, etagOf(content));
            loaded.put(name, file);
            return Optional.of(file);
        } catch (IOException e) {
            throw new UncheckedIOException("reading console file " + name, e);
        }
    }

    private static String etagOf(byte[] content) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static FullHttpResponse content(ConsoleFile file, boolean headOnly) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                headOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(file.content()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, file.contentType());
        response.headers().set(HttpHeaderNames.ETAG, file.etag());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        if (file.contentType().startsWith("text/html")) {
            response.headers().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            response.headers().set("Referrer-Policy", "no-referrer");
        }
        HttpUtil.setContentLength(response, file.content().length);
        return response;
    }

    private static FullHttpResponse empty(HttpResponseStatus status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        HttpUtil.setContentLength(response, 0);
        return response;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(response, body.length);
        return response;
    }
}
