package dev.ferry.it.ctl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code bin/ferryctl} (or {@code bin/ferry}) as an operator does, as a child process of its own, and collects its
 * exit code, standard output and standard error. Its environment has no FERRY_* settings but those
 * the test gives, and a HOME of the test's own, so no ~/.ferryctl of the machine leaks in.
 */
final class FerryCtlProcess {
    private final Path script;
    private final Map<String, String> environment;

    FerryCtlProcess(Map<String, String> environment) {
        this("ferryctl", environment);
    }

    /** Runs {@code bin/<script>} instead: {@code ferry} for its client commands. */
    FerryCtlProcess(String script, Map<String, String> environment) {
        this.script = Path.of(System.getProperty("basedir", "."), "..", "bin", script).normalize();
        this.environment = Map.copyOf(environment);
    }

    record Result(int exitCode, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    Result run(Map<String, String> extraEnvironment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_"));
        builder.environment().putAll(environment);
        builder.environment().putAll(extraEnvironment);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> out = read(process.getInputStream());
        CompletableFuture<String> err = read(process.getErrorStream());
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(script.getFileName() + " " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    private static CompletableFuture<String> read(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
