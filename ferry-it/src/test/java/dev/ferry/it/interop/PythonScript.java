package dev.ferry.it.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One of the pika scripts under {@code src/test/python}, run by Debian's {@code /usr/bin/python3}
 * as a child process (never a virtualenv or pip: the point is the client users install from the
 * distribution). Output (stdout and stderr together) is collected line by line as it comes, so a
 * test can wait for a line and show everything the script said when it fails.
 */
final class PythonScript implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    private static final Path SCRIPTS = Path.of(System.getProperty("basedir", "."), "src", "test", "python");

    private final String commandLine;
    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();

    private PythonScript(String commandLine, Process process) {
        this.commandLine = commandLine;
        this.process = process;
        Thread reader = new Thread(this::readOutput, "python-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code script} (a file name under src/test/python) with {@code arguments}. */
    static PythonScript start(String script, String... arguments) throws IOException {
        Path path = SCRIPTS.resolve(script);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("no such script: " + path.toAbsolutePath());
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, path.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // Keep the source tree free of __pycache__ directories.
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        return new PythonScript(String.join(" ", command), builder.start());
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.add(line);
            }
        } catch (IOException e) {
            output.add("(output unreadable: " + e + ")");
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits at most {@code timeout} for the script to exit and returns its exit code, or -1 if it was still running (it is then killed). */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            output.add("(killed after " + timeout.toSeconds() + " s)");
            return -1;
        }
        return process.exitValue();
    }

    /** The exit code of a script known to have ended. */
    int exitCode() {
        return process.exitValue();
    }

    List<String> output() {
        return List.copyOf(output);
    }

    /** Everything the script printed, for a failure message. */
    String transcript() {
        return "output of " + commandLine + ":\n  "
                + String.join("\n  ", output);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
