package dev.ferry.it.ctl;

import dev.ferry.server.cli.FerryCli;
import dev.ferry.server.ctl.FerryCtl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ferryctl} (or {@code ferry}'s client commands) as an operator does and collects its
 * exit code, standard output and standard error. {@link #run} calls the command's entry point in
 * the test's JVM with captured streams and an environment of the test's own (a JVM per command
 * cost CI more than a minute and a half); {@link #runScript} starts {@code bin/<script>} as a child
 * process, so the scripts themselves stay tested. Either way the environment has no FERRY_*
 * settings but those the test gives, a HOME of the test's own, so no ~/.ferryctl of the machine
 * leaks in, and an empty standard input.
 */
final class FerryCtlProcess {
    private final String script;
    private final Map<String, String> environment;

    FerryCtlProcess(Map<String, String> environment) {
        this("ferryctl", environment);
    }

    /** Runs {@code ferry} instead: its client commands. */
    FerryCtlProcess(String script, Map<String, String> environment) {
        this.script = script;
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

    /** In this JVM, with {@code extraEnvironment} over the test's; the broker start ({@code ferry server}) as a process. */
    Result run(Map<String, String> extraEnvironment, String... args) throws IOException, InterruptedException {
        boolean ferry = script.equals("ferry");
        if (ferry && (args.length == 0 || !FerryCli.isClientCommand(args[0]))) {
            return runScript(extraEnvironment, args);
        }
        Map<String, String> merged = new HashMap<>(environment);
        merged.putAll(extraEnvironment);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            // Standard input closed at once, as runScript gives it (the test JVM's own is Surefire's channel).
            InputStream nothing = InputStream.nullInputStream();
            exitCode = ferry ? FerryCli.run(args, merged, nothing, outStream, errStream)
                    : FerryCtl.run(args, merged, nothing, outStream, errStream);
        }
        return new Result(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Result runScript(String... args) throws IOException, InterruptedException {
        return runScript(Map.of(), args);
    }

    /** {@code bin/<script>} as a child process. */
    Result runScript(Map<String, String> extraEnvironment, String... args) throws IOException, InterruptedException {
        Path path = Path.of(System.getProperty("basedir", "."), "..", "bin", script).normalize();
        List<String> command = new ArrayList<>(List.of("bash", path.toString()));
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
            throw new IllegalStateException(script + " " + String.join(" ", args) + " did not finish in 120 s");
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
