package dev.ferry.it.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code openssl s_client} against a broker port: one handshake, then end of input, so it reports
 * what was negotiated (with {@code -brief}) and exits. An outside TLS implementation, so the
 * checks of protocols and cipher suites do not rest on the JDK's view of the JDK.
 */
final class OpenSslClient {
    record Result(int exitCode, String output) {
        boolean handshook() {
            return exitCode == 0 && output.contains("Verification: OK");
        }
    }

    private OpenSslClient() {
    }

    static Result connect(int port, String caFile, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-verify_return_error", "-brief", "-CAfile", caFile));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl s_client did not finish: " + command + "\n" + output);
        }
        return new Result(process.exitValue(), String.join(" ", command) + "\n" + output);
    }
}
