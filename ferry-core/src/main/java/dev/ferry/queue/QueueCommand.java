package dev.ferry.queue;

import java.util.concurrent.CompletableFuture;

import dev.ferry.message.Message;

/**
 * A state change requested of a queue, applied on the queue's owner thread in arrival order. The
 * queue's state is a function of the commands applied to it, which is what later allows replay
 * from a log and replication.
 *
 * <p>Commands that answer carry a future, completed on the owner thread. A command whose
 * {@link #applyTo} throws is {@link #failed}: whoever waits for its answer gets the error instead
 * of waiting for ever.
 */
interface QueueCommand {

    void applyTo(QueueState state);

    /**
     * {@link #applyTo} threw {@code cause}: complete the command's answer exceptionally (a
     * publisher is nacked). Commands nobody waits for have nothing to do.
     */
    default void failed(Throwable cause) {
    }

    record Enqueue(Message message, PublishConfirm confirm) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.enqueue(message, confirm);
        }

        public void failed(Throwable cause) {
            if (confirm != null) {
                confirm.failed(cause);
            }
        }
    }

    record Consume(ConsumerSpec spec, CompletableFuture<Void> done) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.consume(spec, done);
        }

        public void failed(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    record Cancel(ChannelRef channel, String consumerTag, CompletableFuture<Boolean> done) implements QueueCommand {
        public void applyTo(QueueState state) {
            done.complete(state.cancel(channel, consumerTag));
        }

        public void failed(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    record Settle(ChannelRef channel, long[] deliveryIds, SettleOutcome outcome) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.settle(channel, deliveryIds, outcome);
        }
    }

    record RequeueUnacked(ChannelRef channel) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.requeueUnacked(channel);
        }
    }

    record CloseChannel(ChannelRef channel) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.closeChannel(channel);
        }
    }

    record Get(ChannelRef channel, boolean noAck, boolean heldNoAck, CompletableFuture<GetResult> done)
            implements QueueCommand {
        public void applyTo(QueueState state) {
            state.get(channel, noAck, heldNoAck, done);
        }

        public void failed(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    record Purge(CompletableFuture<Integer> done) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.purge(done);
        }

        public void failed(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    record Delete(boolean ifUnused, boolean ifEmpty, CompletableFuture<Integer> done) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.delete(ifUnused, ifEmpty, done);
        }

        public void failed(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    record Count(CompletableFuture<QueueCounts> done) implements QueueCommand {
        public void applyTo(QueueState state) {
            done.complete(new QueueCounts(state.readyCount(), state.consumerCount()));
        }

        public void failed(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    /** The queue's alarm fired: a TTL, a retry delay or x-expires is due. */
    enum TimersDue implements QueueCommand {
        INSTANCE;

        public void applyTo(QueueState state) {
            state.timersDue();
        }
    }

    /** Redeclared: x-expires counts from now. */
    enum Touch implements QueueCommand {
        INSTANCE;

        public void applyTo(QueueState state) {
            state.touch();
        }
    }

    /**
     * Nothing to change, but look for deliveries again: credit came back, or the previous batch
     * stopped at its delivery budget.
     */
    enum Wake implements QueueCommand {
        INSTANCE;

        public void applyTo(QueueState state) {
            // Every drain ends with a delivery pass; arriving here is enough.
        }
    }

    /** The arguments in effect changed (a policy was set or cleared). */
    record ApplyArguments(QueueArguments arguments) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.applyArguments(arguments);
        }
    }

    /** A channel handed this queue a unit of its credit, which the queue waited for. */
    record CreditGranted(ChannelCredit credit) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.creditGranted(credit);
        }
    }

    /**
     * Every queue an at-least-once dead letter of this queue reached has stored it ({@code stored}),
     * or one refused or failed it. Data only: the sequence names the pending dead letter.
     */
    record DeadLetterHandedOver(long sequence, boolean stored) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.deadLetterHandedOver(sequence, stored);
        }
    }

    /** Periodic store housekeeping (checkpoints, segment deletion). */
    enum MaintainStore implements QueueCommand {
        INSTANCE;

        public void applyTo(QueueState state) {
            state.maintainStore();
        }
    }

    /** Clean shutdown of the queue's store. */
    record CloseStore(CompletableFuture<Void> done) implements QueueCommand {
        public void applyTo(QueueState state) {
            state.closeStore();
            done.complete(null);
        }

        public void failed(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }
}
