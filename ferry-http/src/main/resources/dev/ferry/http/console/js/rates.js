// Message rates from the API's message_stats, RabbitMQ's shape: a counter ("publish") and its
// "publish_details": {"rate": per second}. When a broker reports counters without rates, the rate
// is the counter's change between two polls; when it reports no message_stats at all, the caller
// falls back to the change in queued messages, which still shows traffic moving.

/** Where each charted rate comes from, first field found wins (brokers differ in names). */
export const RATE_FIELDS = {
  publish: ['publish'],
  deliver: ['deliver_get', 'deliver'],
  ack: ['ack'],
  dead_letter: ['dead_lettered', 'dead_letter', 'dead_lettered_total'],
};

/** Turns counters that only grow into per-second rates between two polls. */
export class CounterRates {
  constructor() {
    this.previous = null;
  }

  /** Rates for each key of counters (null the first time, and after a counter went backwards). */
  update(time, counters) {
    const rates = {};
    for (const [key, value] of Object.entries(counters)) {
      const before = this.previous && this.previous.counters[key];
      const seconds = this.previous ? (time - this.previous.time) / 1000 : 0;
      rates[key] = typeof value === 'number' && typeof before === 'number' && seconds > 0 && value >= before
        ? (value - before) / seconds : null;
    }
    this.previous = { time, counters };
    return rates;
  }
}

/**
 * The charted rates out of a message_stats object: {publish, deliver, ack, dead_letter}, each a
 * number per second or null when not reported; null altogether when there are no message_stats.
 */
export function messageRates(stats, counterRates, time) {
  if (!stats || typeof stats !== 'object' || Object.keys(stats).length === 0) {
    return null;
  }
  const reported = {};
  const counters = {};
  for (const [key, names] of Object.entries(RATE_FIELDS)) {
    const name = names.find((candidate) => stats[candidate] !== undefined || stats[`${candidate}_details`] !== undefined);
    if (name === undefined) {
      reported[key] = null;
      continue;
    }
    const details = stats[`${name}_details`];
    if (details && typeof details.rate === 'number') {
      reported[key] = details.rate;
    } else {
      counters[key] = stats[name];
    }
  }
  const derived = counterRates.update(time, counters);
  return { ...reported, ...derived };
}

/** The change of a gauge per second between polls (queued messages when rates are not reported). */
export class GaugeChange {
  constructor() {
    this.previous = null;
  }

  update(time, value) {
    const previous = this.previous;
    this.previous = { time, value };
    if (!previous || typeof value !== 'number' || time <= previous.time) {
      return null;
    }
    return (value - previous.value) / ((time - previous.time) / 1000);
  }
}
