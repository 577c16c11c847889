package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.broker.MetadataRecord;
import dev.ferry.route.Binding;
import dev.ferry.route.Destination;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.route.ExchangeType;

/** Folding the metadata log's records into the declarations that still stand. */
class MetadataReplayTest {
    private static MetadataRecord.ExchangeDeclared exchange(String vhost, String name) {
        return new MetadataRecord.ExchangeDeclared(vhost, new ExchangeSettings(name, ExchangeType.DIRECT, true, false,
                false, Map.of()));
    }

    private static MetadataRecord.BindingAdded bind(String vhost, String source, Destination destination) {
        return new MetadataRecord.BindingAdded(vhost, new Binding(source, destination, "k"));
    }

    @Test
    void theFirstDeclarationStandsUntilItsDeletion() {
        MetadataReplay replay = new MetadataReplay();
        MetadataRecord.QueueDeclared first = new MetadataRecord.QueueDeclared("/", "q", false, Map.of("x-max-length", 1));
        replay.apply(first);
        replay.apply(new MetadataRecord.QueueDeclared("/", "q", false, Map.of())); // a redeclaration changes nothing
        replay.apply(exchange("/", "e"));
        replay.apply(new MetadataRecord.ExchangeDeclared("/", new ExchangeSettings("e", ExchangeType.FANOUT, true,
                false, false, Map.of())));
        replay.apply(new MetadataRecord.QueueDeclared("other", "q", true, Map.of()));
        assertThat(replay.live()).containsExactly(exchange("/", "e"), first,
                new MetadataRecord.QueueDeclared("other", "q", true, Map.of()));
        assertThat(replay.applied()).isEqualTo(5);

        replay.apply(new MetadataRecord.QueueDeleted("/", "q"));
        replay.apply(new MetadataRecord.ExchangeDeleted("/", "e"));
        assertThat(replay.live()).containsExactly(new MetadataRecord.QueueDeclared("other", "q", true, Map.of()));
        replay.apply(new MetadataRecord.QueueDeclared("/", "q", false, Map.of()));
        assertThat(replay.live()).contains(new MetadataRecord.QueueDeclared("/", "q", false, Map.of()));
    }

    @Test
    void deletingAQueueOrAnExchangeTakesItsBindingsInItsVirtualHostOnly() {
        MetadataReplay replay = new MetadataReplay();
        MetadataRecord.BindingAdded toQueue = bind("/", "e", Destination.queue("q"));
        MetadataRecord.BindingAdded toExchangeNamedQ = bind("/", "e", Destination.exchange("q"));
        MetadataRecord.BindingAdded fromE = bind("/", "e", Destination.queue("r"));
        MetadataRecord.BindingAdded toE = bind("/", "f", Destination.exchange("e"));
        MetadataRecord.BindingAdded otherHost = bind("v", "e", Destination.queue("q"));
        MetadataRecord.BindingAdded unrelated = bind("/", "f", Destination.queue("r"));
        for (MetadataRecord record : List.of(toQueue, toExchangeNamedQ, fromE, toE, otherHost, unrelated)) {
            replay.apply(record);
        }
        replay.apply(toQueue); // a binding added twice stands once
        replay.apply(new MetadataRecord.QueueDeleted("/", "q"));
        assertThat(replay.live()).containsExactly(toExchangeNamedQ, fromE, toE, otherHost, unrelated);
        replay.apply(new MetadataRecord.ExchangeDeleted("/", "e"));
        assertThat(replay.live()).containsExactly(otherHost, unrelated);
        replay.apply(new MetadataRecord.BindingRemoved("/", unrelated.binding()));
        replay.apply(new MetadataRecord.BindingRemoved("/", otherHost.binding())); // another vhost's: stays
        assertThat(replay.live()).containsExactly(otherHost);
        assertThat(replay.applied()).isEqualTo(11);
    }
}
