package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import dev.ferry.server.ctl.ManagementClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry users list|add|delete|passwd|tags}: the broker's users through {@code /api/users}
 * (the administrator tag is needed). A password not given with {@code --new-password} is read from
 * the terminal without echo, or from the first line of standard input, so that it need not appear
 * in a command line other users can see.
 */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Lists, adds, deletes users; sets passwords and tags",
        subcommands = {UsersCommand.ListUsers.class, UsersCommand.Add.class, UsersCommand.Delete.class,
            UsersCommand.Passwd.class, UsersCommand.Tags.class})
final class UsersCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists users and their tags")
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() throws CtlException {
            client.print(client.table(List.of(Table.Column.of("name"), Table.Column.of("tags"))),
                    client.client().get("users").orFail().json());
            return ExitCodes.OK;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Adds a user (with no permissions yet; see ferryctl set_permissions)")
    static final class Add implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--new-password", paramLabel = "PASSWORD",
                description = "The user's password. Default: asked for (or read from stdin)")
        String newPassword;

        @Option(names = "--tags", paramLabel = "TAG", split = ",", description = "administrator, monitoring, management, ...")
        List<String> tags;

        @Override
        public Integer call() throws CtlException {
            if (client.client().get(userPath(name)).ok()) {
                throw new CtlException(ExitCodes.DATA_ERROR, "user '" + name + "' already exists");
            }
            ObjectNode body = client.object().put("password", password(client, newPassword));
            tagList(body, tags);
            client.client().put(userPath(name), body).orFail();
            client.err().println("added user " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a user")
    static final class Delete implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws CtlException {
            ManagementClient.Answer answer = client.client().delete(userPath(name));
            if (answer.status() == 404) {
                throw new CtlException(ExitCodes.NO_USER, "user '" + name + "' does not exist");
            }
            answer.orFail();
            client.err().println("deleted user " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Changes a user's password")
    static final class Passwd implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--new-password", paramLabel = "PASSWORD", description = "Default: asked for (or read from stdin)")
        String newPassword;

        @Override
        public Integer call() throws CtlException {
            JsonNode user = existing(client, name);
            ObjectNode body = client.object().put("password", password(client, newPassword));
            body.set("tags", user.path("tags"));
            client.client().put(userPath(name), body).orFail();
            client.err().println("changed the password of " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "tags", mixinStandardHelpOptions = true, description = "Sets a user's tags (none: no tags)")
    static final class Tags implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1..*", arity = "0..*", paramLabel = "TAG")
        List<String> tags;

        @Override
        public Integer call() throws CtlException {
            existing(client, name);
            ObjectNode body = client.object();
            tagList(body, tags);
            client.client().put(userPath(name), body).orFail();
            client.err().println("set the tags of " + name + " to [" + String.join(", ", tags == null ? List.of() : tags) + "]");
            return ExitCodes.OK;
        }
    }

    private static String userPath(String name) {
        return "users/" + ManagementClient.segment(name);
    }

    private static JsonNode existing(ClientOptions client, String name) throws CtlException {
        ManagementClient.Answer answer = client.client().get(userPath(name));
        if (answer.status() == 404) {
            throw new CtlException(ExitCodes.NO_USER, "user '" + name + "' does not exist");
        }
        return answer.orFail().json();
    }

    private static void tagList(ObjectNode body, List<String> tags) {
        ArrayNode list = body.putArray("tags");
        if (tags != null) {
            tags.stream().map(String::strip).filter(tag -> !tag.isEmpty()).forEach(list::add);
        }
    }

    private static String password(ClientOptions client, String given) throws CtlException {
        if (given != null) {
            return given;
        }
        String read;
        if (System.console() != null) {
            char[] typed = System.console().readPassword("Password: ");
            read = typed == null ? null : new String(typed);
        } else {
            try {
                read = new BufferedReader(new InputStreamReader(client.in(), StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                read = null;
            }
        }
        if (read == null || read.isEmpty()) {
            throw new CtlException(ExitCodes.USAGE, "no password given (--new-password, the terminal, or standard input)");
        }
        return read;
    }
}
