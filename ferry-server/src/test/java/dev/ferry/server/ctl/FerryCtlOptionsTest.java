package dev.ferry.server.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ferryctl's pieces that need no broker: rabbitmqctl's options anywhere on the line, where the
 * credentials come from, values printed as rabbitmqctl prints them, and usage errors.
 */
class FerryCtlOptionsTest {
    @TempDir
    Path temp;

    @Test
    void shouldTakeRabbitmqctlsOptionsFromAnywhereAndIgnoreTheNodeName() {
        GlobalOptions options = GlobalOptions.parse(new String[] {
                "-n", "rabbit@host", "list_queues", "-p", "orders", "name", "--silent", "--formatter=json", "messages"});
        assertThat(options.rest).containsExactly("list_queues", "name", "messages");
        assertThat(options.vhost).isEqualTo("orders");
        assertThat(options.quiet).isTrue();
        assertThat(options.headers()).isFalse();
        assertThat(options.json).isTrue();
        // delete_queue's -u (--if-unused) and -e are the command's, not global.
        assertThat(GlobalOptions.parse(new String[] {"delete_queue", "-u", "-e", "q"}).rest)
                .containsExactly("delete_queue", "-u", "-e", "q");
        assertThatThrownBy(() -> GlobalOptions.parse(new String[] {"list_queues", "--formatter", "xml"}))
                .isInstanceOf(UsageException.class);
    }

    @Test
    void shouldPreferTheCommandLineThenTheEnvironmentThenThePrivateCredentialFile() throws Exception {
        Path file = temp.resolve("credentials");
        Files.writeString(file, "url=http://broker:15672\nusername=ops\npassword=from-file\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> environment = Map.of("FERRY_CTL_CREDENTIALS", file.toString());

        assertThat(CtlCredentials.resolve(GlobalOptions.parse(new String[0]), environment, temp))
                .isEqualTo(new CtlCredentials("http://broker:15672", "ops", "from-file"));
        assertThat(CtlCredentials.resolve(GlobalOptions.parse(new String[] {"--url", "http://other:1"}),
                Map.of("FERRY_URL", "http://env:2", "FERRY_CTL_CREDENTIALS", file.toString()), temp).url())
                .isEqualTo("http://other:1");
        // Another user on the command line does not borrow the file's password.
        assertThatThrownBy(() -> CtlCredentials.resolve(GlobalOptions.parse(new String[] {"--username", "else"}),
                environment, temp)).isInstanceOf(CtlException.class).hasMessageContaining("no password for user 'else'");
        // Nothing anywhere: RabbitMQ's defaults, guest on loopback.
        assertThat(CtlCredentials.resolve(GlobalOptions.parse(new String[0]), Map.of(), temp))
                .isEqualTo(new CtlCredentials("http://127.0.0.1:15672", "guest", "guest"));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> CtlCredentials.resolve(GlobalOptions.parse(new String[0]), environment, temp))
                .isInstanceOfSatisfying(CtlException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG));
    }

    @Test
    void shouldPrintValuesAsRabbitmqctlDoes() throws IOException, CtlException {
        JsonNode row = ManagementClient.JSON.readTree("""
                {"name": "q", "durable": true, "messages": 3, "policy": null,
                 "arguments": {"x-max-length": 10, "x-queue-type": "classic", "x-list": ["a", 1]},
                 "tags": ["administrator", "monitoring"]}""");
        assertThat(InfoTable.text(row.get("arguments")))
                .isEqualTo("[{\"x-max-length\",10},{\"x-queue-type\",\"classic\"},{\"x-list\",[\"a\",1]}]");
        assertThat(InfoTable.text(row.get("tags"))).isEqualTo("[administrator, monitoring]");
        assertThat(InfoTable.text(row.get("policy"))).isEmpty();
        assertThat(InfoTable.text(row.get("durable"))).isEqualTo("true");

        List<InfoTable.Column> known = List.of(InfoTable.Column.same("name"), InfoTable.Column.same("messages"),
                InfoTable.Column.same("durable"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        InfoTable.select(known, List.of("name,messages", "durable"), List.of())
                .write(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(row), true, false);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("name\tmessages\tdurable\nq\t3\ttrue\n");

        bytes.reset();
        InfoTable.select(known, List.of(), List.of("name"))
                .write(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(), true, false);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).as("no rows, no header").isEmpty();
        assertThatThrownBy(() -> InfoTable.select(known, List.of("name", "pid"), List.of()))
                .isInstanceOf(UsageException.class).hasMessage("Info key(s) pid are not supported");
    }

    @Test
    void shouldAnswerAnUnknownCommandAndAMissingArgumentWithUsageAndCode64() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(FerryCtl.run(new String[] {"frobnicate"}, Map.of(), outStream, errStream)).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Command 'frobnicate' not found.");
        err.reset();
        assertThat(FerryCtl.run(new String[] {"set_permissions", "u", ".*"}, Map.of(), outStream, errStream))
                .isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("Error (argument validation): not enough arguments.\nArguments given:\n\tset_permissions u .*\n")
                .contains("set_permissions <username> <conf> <write> <read>");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
