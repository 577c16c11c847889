package dev.ferry.it.security;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Users, virtual hosts, permissions and limits described once and put in place on the broker under
 * test: on Ferry as a RabbitMQ definitions file given to a new broker process with
 * {@code --definitions}; on RabbitMQ ({@code -Dferry.it.amqp=URI} with {@code -Dferry.it.rabbitmq.dir=DIR},
 * the directory {@code ferry-bench/rabbitmq-node.sh start} was given) with {@code rabbitmqctl} through
 * {@code rabbitmq-node.sh ctl}. Names are prefixed per test run so that a reused RabbitMQ node holds no
 * leftovers that matter.
 */
final class AccessSetup implements AutoCloseable {
    private final List<String> users = new ArrayList<>();
    private final List<String> vhosts = new ArrayList<>();
    private final List<String> permissions = new ArrayList<>();
    private final List<String> topicPermissions = new ArrayList<>();
    private final List<String> parameters = new ArrayList<>();
    private final List<List<String>> ctlCommands = new ArrayList<>();
    private BrokerProcess ferry;
    private String host;
    private int port;

    static boolean againstRabbitMq() {
        String external = System.getProperty("ferry.it.amqp");
        return external != null && !external.isBlank();
    }

    /** A user whose password_hash is written in RabbitMQ's sha256 form (as a RabbitMQ export has it). */
    AccessSetup user(String name, String password, String tags) {
        users.add("{\"name\":" + json(name) + ",\"password_hash\":" + json(rabbitSha256(password))
                + ",\"hashing_algorithm\":\"rabbit_password_hashing_sha256\",\"tags\":" + json(tags) + "}");
        ctlCommands.add(List.of("delete_user", name));
        ctlCommands.add(List.of("add_user", name, password));
        ctlCommands.add(List.of("set_user_tags", name, tags));
        return this;
    }

    /** A user given with a plain password (Ferry's extension of the file; rabbitmqctl on RabbitMQ). */
    AccessSetup userWithPlainPassword(String name, String password, String tags) {
        users.add("{\"name\":" + json(name) + ",\"password\":" + json(password) + ",\"tags\":[" + json(tags) + "]}");
        ctlCommands.add(List.of("delete_user", name));
        ctlCommands.add(List.of("add_user", name, password));
        ctlCommands.add(List.of("set_user_tags", name, tags));
        return this;
    }

    AccessSetup userLimits(String name, int maxConnections, int maxChannels) {
        // Replaces the entry user() wrote, adding limits to it.
        String entry = users.remove(users.size() - 1);
        users.add(entry.substring(0, entry.length() - 1) + ",\"limits\":{\"max-connections\":" + maxConnections
                + ",\"max-channels\":" + maxChannels + "}}");
        ctlCommands.add(List.of("set_user_limits", name, "{\"max-connections\":" + maxConnections
                + ",\"max-channels\":" + maxChannels + "}"));
        return this;
    }

    AccessSetup vhost(String name) {
        vhosts.add("{\"name\":" + json(name) + "}");
        ctlCommands.add(List.of("delete_vhost", name));
        ctlCommands.add(List.of("add_vhost", name));
        return this;
    }

    AccessSetup vhostLimits(String vhost, int maxConnections, int maxQueues) {
        String value = "{\"max-connections\":" + maxConnections + ",\"max-queues\":" + maxQueues + "}";
        parameters.add("{\"vhost\":" + json(vhost) + ",\"component\":\"vhost-limits\",\"name\":\"limits\",\"value\":"
                + value + "}");
        ctlCommands.add(List.of("set_vhost_limits", "-p", vhost, value));
        return this;
    }

    AccessSetup permissions(String user, String vhost, String configure, String write, String read) {
        permissions.add("{\"user\":" + json(user) + ",\"vhost\":" + json(vhost) + ",\"configure\":" + json(configure)
                + ",\"write\":" + json(write) + ",\"read\":" + json(read) + "}");
        ctlCommands.add(List.of("set_permissions", "-p", vhost, user, configure, write, read));
        return this;
    }

    AccessSetup topicPermissions(String user, String vhost, String exchange, String write, String read) {
        topicPermissions.add("{\"user\":" + json(user) + ",\"vhost\":" + json(vhost) + ",\"exchange\":"
                + json(exchange) + ",\"write\":" + json(write) + ",\"read\":" + json(read) + "}");
        ctlCommands.add(List.of("set_topic_permissions", "-p", vhost, user, exchange, write, read));
        return this;
    }

    String definitionsJson() {
        return "{\"users\":[" + String.join(",", users) + "],\"vhosts\":[" + String.join(",", vhosts)
                + "],\"permissions\":[" + String.join(",", permissions) + "],\"topic_permissions\":["
                + String.join(",", topicPermissions) + "],\"parameters\":[" + String.join(",", parameters) + "]}";
    }

    /** Puts everything in place: starts Ferry with the definitions file, or runs rabbitmqctl. */
    AccessSetup apply(Path workDir, String... extraArgs) throws IOException, InterruptedException {
        if (againstRabbitMq()) {
            URI uri = URI.create(System.getProperty("ferry.it.amqp"));
            host = uri.getHost();
            port = uri.getPort();
            for (List<String> command : ctlCommands) {
                ctl(command, command.get(0).startsWith("delete_"));
            }
            return this;
        }
        Path definitions = workDir.resolve("definitions.json");
        Files.writeString(definitions, definitionsJson());
        List<String> args = new ArrayList<>(List.of("--definitions", definitions.toString()));
        args.addAll(List.of(extraArgs));
        Path dataDir = workDir.resolve("data");
        Files.createDirectories(dataDir);
        ferry = BrokerProcess.start(dataDir, args.toArray(String[]::new));
        host = "127.0.0.1";
        port = ferry.amqpPort();
        return this;
    }

    private static void ctl(List<String> arguments, boolean mayFail) throws IOException, InterruptedException {
        String dir = System.getProperty("ferry.it.rabbitmq.dir");
        if (dir == null) {
            throw new IllegalStateException("-Dferry.it.rabbitmq.dir=DIR (the rabbitmq-node.sh directory) is needed "
                    + "to create users on RabbitMQ");
        }
        Path script = Path.of(System.getProperty("basedir", "."), "..", "ferry-bench", "rabbitmq-node.sh").normalize();
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), "ctl", dir));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("rabbitmqctl " + arguments + " did not finish");
        }
        if (process.exitValue() != 0 && !mayFail) {
            throw new IllegalStateException("rabbitmqctl " + arguments + " failed: " + output);
        }
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    BrokerProcess ferry() {
        return ferry;
    }

    ConnectionFactory factory(String user, String password, String vhost) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername(user);
        factory.setPassword(password);
        factory.setVirtualHost(vhost);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        factory.setConnectionTimeout(15_000);
        return factory;
    }

    Connection connect(String user, String password, String vhost) throws IOException {
        try {
            return factory(user, password, vhost).newConnection();
        } catch (TimeoutException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        if (ferry != null) {
            ferry.close();
        }
    }

    /** RabbitMQ's rabbit_password_hashing_sha256: base64(salt[4] ++ SHA-256(salt ++ password)). */
    static String rabbitSha256(String password) {
        try {
            byte[] salt = new byte[4];
            new SecureRandom().nextBytes(salt);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            byte[] digest = sha.digest(password.getBytes(StandardCharsets.UTF_8));
            byte[] form = new byte[36];
            System.arraycopy(salt, 0, form, 0, 4);
            System.arraycopy(digest, 0, form, 4, 32);
            return Base64.getEncoder().encodeToString(form);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
