package dev.ferry.server.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.access.AccessControl;
import dev.ferry.broker.Broker;
import dev.ferry.http.Definitions;
import dev.ferry.server.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
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
 * plus {@code policies} and {@code operator_policies}, which live with the access state. Then,
 * once the broker's own metadata is back ({@link #applyTopology}), {@code exchanges},
 * {@code queues} and {@code bindings}, declared as {@code POST /api/definitions} declares them: as
 * RabbitMQ's {@code load_definitions} does at boot, before any listener opens. The reading is
 * {@link Definitions}'.
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
        int changes;
        try {
            changes = definitions.applyAccess(access, Runnable::run).join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException("definitions file " + file + ": " + cause.getMessage());
        }
        LOG.info("Definitions file {} applied: {} changes", file, changes);
    }

    /**
     * Declares the file's exchanges, queues and bindings on {@code broker} (whose metadata is
     * recovered) and waits until they are durable; what exists already as the file says is left
     * as it is. A declaration the broker refuses (a queue that exists with other arguments) stops
     * the start, naming it.
     */
    public void applyTopology(Broker broker) {
        Definitions definitions;
        try {
            definitions = Definitions.parse(root, null);
        } catch (Definitions.InvalidDefinitionsException e) {
            throw new ConfigException("definitions file " + file + ": " + e.getMessage());
        }
        int declarations = root.path("exchanges").size() + root.path("queues").size() + root.path("bindings").size();
        if (declarations == 0) {
            return;
        }
        try {
            // Each step on a pool thread, not on the queue or metadata thread that finished the last one.
            definitions.applyTopology(broker, ForkJoinPool.commonPool()).join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException("definitions file " + file + ": " + cause.getMessage());
        }
        LOG.info("Definitions file {}: {} exchanges, {} queues and {} bindings declared", file,
                root.path("exchanges").size(), root.path("queues").size(), root.path("bindings").size());
    }

    @Override
    public String toString() {
        return "DefinitionsFile[" + Objects.toString(file) + "]";
    }
}
