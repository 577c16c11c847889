package dev.ferry.amqp.channel;

import java.util.ArrayList;
import java.util.List;

/**
 * What a transactional channel has published and settled since its last commit or rollback, in
 * order. Commit applies it; rollback forgets it (settled deliveries stay unacked, as AMQP says).
 * Event-loop confined.
 */
final class TransactionBuffer {
    private final List<Runnable> actions = new ArrayList<>();

    void add(Runnable action) {
        actions.add(action);
    }

    /** Applies everything in order and empties the buffer. */
    void applyAll() {
        List<Runnable> pending = List.copyOf(actions);
        actions.clear();
        for (Runnable action : pending) {
            action.run();
        }
    }

    void discard() {
        actions.clear();
    }
}
