package dev.ferry.server.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.access.AccessControl;
import dev.ferry.http.Definitions;
import dev.ferry.server.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
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
 * Queues, exchanges, bindings and policies in the file are not applied at start (logged once);
 * {@code POST /api/definitions} applies them. The reading is {@link Definitions}'.
 */
public final class DefinitionsFile {
    private static final Logger LOG = LoggerFactory.getLogger(DefinitionsFile.class);

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
     * Applies the file to {@code access} and waits until every change is durable. Parsed as a whole
     * first ({@link Definitions}, shared with {@code POST /api/definitions}), so a malformed entry
     * stops the start before anything changes; a permission naming a user or vhost that exists
     * neither in the file nor in the broker stops it when reached.
     */
    public void applyTo(AccessControl access) {
        Definitions definitions;
        try {
            definitions = Definitions.parse(root, null);
        } catch (Definitions.InvalidDefinitionsException e) {
            throw new ConfigException("definitions file " + file + ": " + e.getMessage());
        }
        for (String ignored : List.of("queues", "exchanges", "bindings", "policies")) {
            if (root.path(ignored).size() > 0) {
                LOG.info("Definitions file {}: '{}' not applied (Ferry applies users, vhosts, permissions and limits "
                        + "at start; POST /api/definitions applies the topology too)", file, ignored);
            }
        }
        int changes;
        try {
            changes = definitions.applyAccess(access, Runnable::run).join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException("definitions file " + file + ": " + cause.getMessage());
        }
        LOG.info("Definitions file {} applied: {} changes", file, changes);
    }

    @Override
    public String toString() {
        return "DefinitionsFile[" + Objects.toString(file) + "]";
    }
}
