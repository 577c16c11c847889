package dev.ferry.amqp.channel;

import java.util.ArrayList;
import java.util.List;

/**
 * What a transactional channel has published and settled since its last commit or rollback, in
 * order. Commit applies it; rollback forgets the publishes and hands back the settled deliveries,
 * which go back to the channel's unacknowledged set (as RabbitMQ does: they stay unacked, nothing
 * is redelivered). Event-loop confined.
 */
final class TransactionBuffer {
    private final List<Runnable> actions = new ArrayList<>();
    private final List<TakenDeliveries> settled = new ArrayList<>();
    private final List<Runnable> onDiscard = new ArrayList<>();

    /** A publish: {@code apply} routes it at commit; {@code drop} gives back what it holds if it never is. */
    void addPublish(Runnable apply, Runnable drop) {
        actions.add(apply);
        onDiscard.add(drop);
    }

    /** A settlement: {@code apply} runs at commit; at rollback {@code taken} goes back to the unacked set. */
    void addSettlement(TakenDeliveries taken, Runnable apply) {
        settled.add(taken);
        actions.add(apply);
    }

    /** Applies everything in order and empties the buffer. */
    void applyAll() {
        List<Runnable> pending = List.copyOf(actions);
        actions.clear();
        settled.clear();
        onDiscard.clear();
        for (Runnable action : pending) {
            action.run();
        }
    }

    /** Forgets everything; returns the deliveries settled in the transaction, to be made unacked again. */
    List<TakenDeliveries> discard() {
        List<TakenDeliveries> unsettled = List.copyOf(settled);
        actions.clear();
        settled.clear();
        List<Runnable> drops = List.copyOf(onDiscard);
        onDiscard.clear();
        drops.forEach(Runnable::run);
        return unsettled;
    }
}
