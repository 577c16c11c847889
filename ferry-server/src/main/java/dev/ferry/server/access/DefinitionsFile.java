package dev.ferry.server.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.access.AccessControl;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.Permission;
import dev.ferry.access.TopicPermission;
import dev.ferry.access.User;
import dev.ferry.access.UserLimits;
import dev.ferry.access.VirtualHostLimits;
import dev.ferry.server.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access part of a RabbitMQ definitions file ({@code rabbitmqctl export_definitions}, the
 * management UI's export, RabbitMQ's {@code load_definitions}), applied as upserts: what the file
 * names is created or brought in line with it; what it does not name is left alone.
 * <ul>
 *   <li>{@code users}: {@code name}, {@code password_hash} with {@code hashing_algorithm}
 *       {@code rabbit_password_hashing_sha256} (the default when absent), or, a Ferry extension, a plain
 *       {@code password}; {@code tags} as RabbitMQ 3.10 writes them (one comma-separated string) or as a
 *       list; {@code limits} with {@code max-connections} / {@code max-channels}.</li>
 *   <li>{@code vhosts}: {@code name}.</li>
 *   <li>{@code permissions}: {@code user}, {@code vhost}, {@code configure}, {@code write}, {@code read}.</li>
 *   <li>{@code topic_permissions}: {@code user}, {@code vhost}, {@code exchange}, {@code write}, {@code read}.</li>
 *   <li>{@code parameters} of component {@code vhost-limits}: {@code max-connections} / {@code max-queues}.</li>
 * </ul>
 * Queues, exchanges, bindings and policies in the file are not applied (logged once).
 */
public final class DefinitionsFile {
    private static final Logger LOG = LoggerFactory.getLogger(DefinitionsFile.class);
    private static final String SHA256 = "rabbit_password_hashing_sha256";

    private final Path file;
    private final JsonNode root;

    private DefinitionsFile(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** @throws ConfigException if the file cannot be read or is not a JSON object */
    public static DefinitionsFile read(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readString(file));
            if (root == null || !root.isObject()) {
                throw new ConfigException("definitions file " + file + " must hold a JSON object");
            }
            return new DefinitionsFile(file, root);
        } catch (JsonProcessingException e) {
            throw new ConfigException("definitions file " + file + " is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new ConfigException("cannot read definitions file " + file + ": " + e.getMessage());
        }
    }

    /**
     * Applies the file to {@code access} and waits until every change is durable. Checked as a whole
     * first: a wrong entry stops the start with a message naming it, before anything changes.
     */
    public void applyTo(AccessControl access) {
        List<Runnable> changes = new ArrayList<>();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (JsonNode vhost : array("vhosts")) {
            String name = text(vhost, "name", "vhosts");
            if (!access.virtualHostExists(name)) {
                changes.add(() -> pending.add(access.addVirtualHost(name)));
            }
        }
        for (JsonNode user : array("users")) {
            String name = text(user, "name", "users");
            PasswordHash hash = hashOf(user, name);
            Set<String> tags = tagsOf(user.get("tags"));
            JsonNode limits = user.get("limits");
            UserLimits userLimits = limits == null ? null
                    : new UserLimits(number(limits, "max-connections"), number(limits, "max-channels"));
            changes.add(() -> {
                if (!sameUser(access, name, hash, user, tags)) {
                    pending.add(access.putUser(name, hash, tags));
                }
                if (userLimits != null) {
                    pending.add(access.setUserLimits(name, userLimits));
                }
            });
        }
        for (JsonNode p : array("permissions")) {
            Permission permission = permissionOf(p);
            changes.add(() -> {
                if (!permission.equals(access.state().permission(permission.user(), permission.virtualHost()))) {
                    pending.add(access.setPermissions(permission));
                }
            });
        }
        for (JsonNode p : array("topic_permissions")) {
            TopicPermission permission = topicPermissionOf(p);
            changes.add(() -> pending.add(access.setTopicPermissions(permission)));
        }
        for (JsonNode parameter : array("parameters")) {
            if ("vhost-limits".equals(parameter.path("component").asText())) {
                String vhost = text(parameter, "vhost", "parameters");
                JsonNode value = parameter.path("value");
                VirtualHostLimits limits = new VirtualHostLimits(number(value, "max-connections"),
                        number(value, "max-queues"));
                changes.add(() -> pending.add(access.setVirtualHostLimits(vhost, limits)));
            }
        }
        for (String ignored : List.of("queues", "exchanges", "bindings", "policies")) {
            if (root.path(ignored).size() > 0) {
                LOG.info("Definitions file {}: '{}' not applied (Ferry applies users, vhosts, permissions and limits)",
                        file, ignored);
            }
        }
        try {
            changes.forEach(Runnable::run);
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException("definitions file " + file + ": " + cause.getMessage());
        }
        LOG.info("Definitions file {} applied: {} changes", file, pending.size());
    }

    /** Whether the stored user already is what the file says (so restarts do not rewrite it). */
    private static boolean sameUser(AccessControl access, String name, PasswordHash hash, JsonNode entry, Set<String> tags) {
        User stored = access.user(name).orElse(null);
        if (stored == null || !stored.tags().equals(tags)) {
            return false;
        }
        if (entry.hasNonNull("password")) {
            return stored.hash().matches(entry.get("password").asText());
        }
        return stored.hash().rabbitSha256().equals(hash.rabbitSha256());
    }

    private PasswordHash hashOf(JsonNode user, String name) {
        if (user.hasNonNull("password")) {
            return PasswordHash.of(user.get("password").asText());
        }
        String algorithm = user.path("hashing_algorithm").asText(SHA256);
        if (!algorithm.equals(SHA256)) {
            throw new ConfigException("definitions file " + file + ": user '" + name + "' has hashing_algorithm '"
                    + algorithm + "'; Ferry reads " + SHA256 + " (RabbitMQ's default) or a plain \"password\"");
        }
        String hash = user.path("password_hash").asText("");
        if (hash.isEmpty()) {
            return PasswordHash.NONE;
        }
        try {
            return PasswordHash.fromRabbitSha256(hash);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("definitions file " + file + ": user '" + name + "': " + e.getMessage());
        }
    }

    private Set<String> tagsOf(JsonNode tags) {
        Set<String> result = new LinkedHashSet<>();
        if (tags == null || tags.isNull()) {
            return result;
        }
        if (tags.isArray()) {
            tags.forEach(tag -> result.add(tag.asText().strip()));
        } else {
            for (String tag : tags.asText().split(",")) {
                if (!tag.isBlank()) {
                    result.add(tag.strip());
                }
            }
        }
        return result;
    }

    private Permission permissionOf(JsonNode p) {
        try {
            return new Permission(text(p, "user", "permissions"), text(p, "vhost", "permissions"),
                    text(p, "configure", "permissions"), text(p, "write", "permissions"), text(p, "read", "permissions"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("definitions file " + file + ": permissions: " + e.getMessage());
        }
    }

    private TopicPermission topicPermissionOf(JsonNode p) {
        try {
            return new TopicPermission(text(p, "user", "topic_permissions"), text(p, "vhost", "topic_permissions"),
                    text(p, "exchange", "topic_permissions"), text(p, "write", "topic_permissions"),
                    text(p, "read", "topic_permissions"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("definitions file " + file + ": topic_permissions: " + e.getMessage());
        }
    }

    private Iterable<JsonNode> array(String name) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ConfigException("definitions file " + file + ": '" + name + "' must be a list");
        }
        return node;
    }

    private String text(JsonNode entry, String field, String section) {
        JsonNode value = entry.get(field);
        if (value == null || !value.isTextual()) {
            throw new ConfigException("definitions file " + file + ": an entry of '" + section + "' has no text field '"
                    + field + "': " + entry);
        }
        return value.asText();
    }

    /** A limit; absent means no limit (-1). */
    private static int number(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        return value == null || value.isNull() ? -1 : value.asInt(-1);
    }

    @Override
    public String toString() {
        return "DefinitionsFile[" + Objects.toString(file) + "]";
    }
}
