package dev.ferry.broker;

import java.util.Map;
import java.util.Objects;

import dev.ferry.route.Binding;
import dev.ferry.route.ExchangeSettings;

/**
 * One change to a virtual host's durable metadata: what the metadata log stores, one record per
 * change, and what a restart replays in order. Only durable things are recorded: durable exchanges,
 * durable non-exclusive queues, and bindings whose source and destination are both durable.
 *
 * <p>Deletions cascade on replay exactly as they do live: deleting an exchange removes its bindings
 * in both directions, deleting a queue removes the bindings to it, so those bindings need no
 * records of their own.
 */
public sealed interface MetadataRecord {

    /** The virtual host the change belongs to. */
    String virtualHost();

    record ExchangeDeclared(String virtualHost, ExchangeSettings settings) implements MetadataRecord {
        public ExchangeDeclared {
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(settings, "settings");
        }
    }

    record ExchangeDeleted(String virtualHost, String name) implements MetadataRecord {
        public ExchangeDeleted {
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(name, "name");
        }
    }

    /** A durable, non-exclusive queue, with its declaration arguments as the client sent them. */
    record QueueDeclared(String virtualHost, String name, boolean autoDelete, Map<String, Object> arguments)
            implements MetadataRecord {
        public QueueDeclared {
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(name, "name");
            arguments = arguments == null ? Map.of() : arguments;
        }
    }

    record QueueDeleted(String virtualHost, String name) implements MetadataRecord {
        public QueueDeleted {
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(name, "name");
        }
    }

    record BindingAdded(String virtualHost, Binding binding) implements MetadataRecord {
        public BindingAdded {
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(binding, "binding");
        }
    }

    record BindingRemoved(String virtualHost, Binding binding) implements MetadataRecord {
        public BindingRemoved {
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(binding, "binding");
        }
    }
}
