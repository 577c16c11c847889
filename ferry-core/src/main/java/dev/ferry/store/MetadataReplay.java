package dev.ferry.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.ferry.broker.MetadataRecord;
import dev.ferry.route.Binding;
import dev.ferry.route.Destination;

/**
 * Folds a sequence of metadata records into the declarations still standing at its end, with the
 * same cascades a virtual host applies live: deleting an exchange removes the bindings from and to
 * it, deleting a queue removes the bindings to it. The result is what a restart restores and what
 * a compacted metadata log holds: exchanges first, then queues, then bindings (so every binding's
 * ends exist when it is restored).
 *
 * <p>Thread safety: none; used by one thread during start.
 */
final class MetadataReplay {
    private record Name(String virtualHost, String name) {
    }

    private record VirtualHostBinding(String virtualHost, Binding binding) {
    }

    private final Map<Name, MetadataRecord.ExchangeDeclared> exchanges = new LinkedHashMap<>();
    private final Map<Name, MetadataRecord.QueueDeclared> queues = new LinkedHashMap<>();
    private final Set<VirtualHostBinding> bindings = new LinkedHashSet<>();
    private long applied;

    void apply(MetadataRecord record) {
        applied++;
        String virtualHost = record.virtualHost();
        if (record instanceof MetadataRecord.ExchangeDeclared declared) {
            exchanges.putIfAbsent(new Name(virtualHost, declared.settings().name()), declared);
        } else if (record instanceof MetadataRecord.ExchangeDeleted deleted) {
            exchanges.remove(new Name(virtualHost, deleted.name()));
            bindings.removeIf(b -> b.virtualHost.equals(virtualHost) && (b.binding.source().equals(deleted.name())
                    || b.binding.destination().equals(Destination.exchange(deleted.name()))));
        } else if (record instanceof MetadataRecord.QueueDeclared declared) {
            queues.putIfAbsent(new Name(virtualHost, declared.name()), declared);
        } else if (record instanceof MetadataRecord.QueueDeleted deleted) {
            queues.remove(new Name(virtualHost, deleted.name()));
            bindings.removeIf(b -> b.virtualHost.equals(virtualHost)
                    && b.binding.destination().equals(Destination.queue(deleted.name())));
        } else if (record instanceof MetadataRecord.BindingAdded added) {
            bindings.add(new VirtualHostBinding(virtualHost, added.binding()));
        } else if (record instanceof MetadataRecord.BindingRemoved removed) {
            bindings.remove(new VirtualHostBinding(virtualHost, removed.binding()));
        } else {
            throw new IllegalArgumentException("unknown metadata record " + record);
        }
    }

    /** How many records were applied. */
    long applied() {
        return applied;
    }

    /** The declarations standing now: exchanges, queues, then bindings. */
    List<MetadataRecord> live() {
        List<MetadataRecord> live = new ArrayList<>(exchanges.values());
        live.addAll(queues.values());
        for (VirtualHostBinding binding : bindings) {
            live.add(new MetadataRecord.BindingAdded(binding.virtualHost, binding.binding));
        }
        return live;
    }
}
