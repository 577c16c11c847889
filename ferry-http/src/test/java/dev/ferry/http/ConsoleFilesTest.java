package dev.ferry.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Which paths name a console file, what is served for them, and that the page's modules all load. */
class ConsoleFilesTest {
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*(?:import|export)\\s[^;]*?from\\s+'([^']+)'");
    private final ConsoleFiles files = new ConsoleFiles();

    @Test
    void shouldNameOnlyPlainFilesBelowTheConsoleDirectory() {
        assertThat(ConsoleFiles.resourceName("/")).contains("index.html");
        assertThat(ConsoleFiles.resourceName("/console/")).contains("index.html");
        assertThat(ConsoleFiles.resourceName("/console/js/pages/queue.js")).contains("js/pages/queue.js");
        assertThat(ConsoleFiles.resourceName("/console/console.css")).contains("console.css");
        for (String refused : new String[] {"/console/../ApiRouter.class", "/console/%2e%2e/x.js", "/console/js/..%2Fx.js",
                "/console/a\\b.js", "/console//x.js", "/console/.x.js", "/console/js/", "/console/x.class", "/console/x",
                "/console/a/b/c/d/e.js", "/console/%zz.js", "/api/overview", "/console/x..js"}) {
            assertThat(ConsoleFiles.resourceName(refused)).as(refused).isEmpty();
        }
    }

    @Test
    void shouldServeTypesValidatorsAndNoBodyForHeadOrNotModified() {
        FullHttpResponse page = files.respond("GET", "/", null, true);
        assertThat(page.status().code()).isEqualTo(200);
        assertThat(page.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/html; charset=utf-8");
        assertThat(page.headers().get("Content-Security-Policy")).startsWith("default-src 'self'");
        String etag = page.headers().get(HttpHeaderNames.ETAG);
        assertThat(etag).matches("\"[0-9a-f]{24}\"");

        FullHttpResponse again = files.respond("GET", "/", etag, true);
        assertThat(again.status().code()).isEqualTo(304);
        assertThat(again.content().readableBytes()).isZero();

        FullHttpResponse head = files.respond("HEAD", "/console/js/main.js", null, true);
        assertThat(head.status().code()).isEqualTo(200);
        assertThat(head.content().readableBytes()).isZero();
        assertThat(head.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isPositive();
        assertThat(head.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/javascript; charset=utf-8");

        assertThat(files.respond("POST", "/", null, true).status().code()).isEqualTo(405);
        assertThat(files.respond("GET", "/console", null, true).headers().get(HttpHeaderNames.LOCATION)).isEqualTo("/console/");
        assertThat(files.respond("GET", "/console/missing.js", null, true).status().code()).isEqualTo(404);
        page.release();
        again.release();
        head.release();
    }

    /** A module whose import names a file that is not there breaks the whole page; walk them all from main.js. */
    @Test
    void shouldServeEveryModuleThePageImports() {
        Deque<String> toVisit = new ArrayDeque<>();
        Set<String> visited = new HashSet<>();
        toVisit.add("/console/js/main.js");
        while (!toVisit.isEmpty()) {
            String path = toVisit.poll();
            if (!visited.add(path)) {
                continue;
            }
            FullHttpResponse response = files.respond("GET", path, null, true);
            assertThat(response.status().code()).as(path).isEqualTo(200);
            String source = response.content().toString(StandardCharsets.UTF_8);
            response.release();
            Matcher imports = IMPORT.matcher(source);
            while (imports.find()) {
                toVisit.add(URI.create(path).resolve(imports.group(1)).getPath());
            }
        }
        assertThat(visited).contains("/console/js/pages/queue.js", "/console/js/chart.js", "/console/js/table.js");
        Optional<String> stylesheet = ConsoleFiles.resourceName("/console/console.css");
        assertThat(stylesheet).isPresent();
    }
}
