package dev.ferry.it.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management API over TLS ({@code --https-port}): an HTTPS client trusting the test authority
 * logs in and reads the overview; TLS 1.1 is refused there as on the other TLS ports; plain HTTP
 * sent to it gets no answer, and the plain HTTP port keeps serving beside it.
 */
class HttpsTest {
    @TempDir
    static Path directory;
    static TestCertificates authority;
    static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws IOException {
        authority = TestCertificates.authority(directory.resolve("ca"), "Ferry test CA");
        TestCertificates.Issued server = authority.server("server");
        broker = BrokerProcess.start(directory.resolve("data"), "--tls-cert", server.certificate().toString(),
                "--tls-key", server.key().toString(), "--amqps-port", "-1", "--kafka-ssl-port", "-1",
                "--https-port", "0");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static HttpRequest overview(String scheme, int port) {
        String credentials = Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(scheme + "://localhost:" + port + "/api/overview"))
                .header("Authorization", "Basic " + credentials).timeout(Duration.ofSeconds(15)).GET().build();
    }

    @Test
    void shouldServeTheApiOverTls() throws Exception {
        assertThat(broker.httpsPort()).isPositive();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(authority.clientContext()).build();

        HttpResponse<String> answer = client.send(overview("https", broker.httpsPort()), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("\"management_version\"");
        assertThat(broker.output()).anyMatch(line -> line.contains("HTTPS listening on"));
    }

    @Test
    void shouldRefuseTls11AndPlainHttpOnTheTlsPortWhileThePlainPortServes() throws Exception {
        OpenSslClient.Result old = OpenSslClient.connect(broker.httpsPort(), authority.caCertificate.toString(), "-tls1_1");
        assertThat(old.handshook()).as(old.output()).isFalse();

        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> plain.send(overview("http", broker.httpsPort()), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);

        HttpResponse<String> served = plain.send(overview("http", broker.httpPort()), HttpResponse.BodyHandlers.ofString());
        assertThat(served.statusCode()).isEqualTo(200);
    }
}
