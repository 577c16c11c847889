package dev.ferry.queue;

/** How a consumer finished with a delivery. */
public enum SettleOutcome {
    /** Processed (basic.ack): the message is gone for good. */
    ACK,
    /** Give it back (basic.nack / basic.reject with requeue): ready again at its original position, redelivered. */
    REQUEUE,
    /** Refused without requeue (basic.nack / basic.reject, requeue=false): dropped now, dead-lettered later. */
    DISCARD
}
