/**
 * Message counters for the management API and Prometheus: counted where the work happens (a
 * queue's owner thread, a channel's event loop) without a lock per message; rates are computed
 * from samples by whoever reads them, never here.
 */
package dev.ferry.stats;
