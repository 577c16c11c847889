// Messages as the API's get answers them, shown for a person: routing, properties, the x-death
// history a dead-lettered message carries, and the payload.

import { h, facts, show } from './dom.js';

/** The x-death entries of a message ([] when it was never dead-lettered). */
export function deaths(message) {
  const headers = message.properties && message.properties.headers;
  const entries = headers && headers['x-death'];
  return Array.isArray(entries) ? entries : [];
}

function when(time) {
  if (typeof time !== 'number') {
    return show(time);
  }
  // RabbitMQ's API gives AMQP timestamps in seconds.
  return new Date(time < 1e12 ? time * 1000 : time).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function deathTable(entries) {
  return h('table', { class: 'x-death' },
    h('caption', {}, 'x-death: where this message was dead-lettered from, latest first'),
    h('thead', {}, h('tr', {}, ['Reason', 'Queue', 'Exchange', 'Routing keys', 'Count', 'Time'].map((label) =>
      h('th', { scope: 'col' }, label)))),
    h('tbody', {}, entries.map((entry) => h('tr', {},
      h('td', { class: 'death-reason' }, show(entry.reason)),
      h('td', { class: 'death-queue' }, show(entry.queue)),
      h('td', {}, entry.exchange === '' ? '(AMQP default)' : show(entry.exchange)),
      h('td', {}, Array.isArray(entry['routing-keys']) ? entry['routing-keys'].join(', ') : show(entry['routing-keys'])),
      h('td', { class: 'numeric' }, show(entry.count)),
      h('td', {}, when(entry.time))))));
}

/** One message of a get answer. */
export function messageView(message, index) {
  const properties = { ...(message.properties && !Array.isArray(message.properties) ? message.properties : {}) };
  const headers = { ...(properties.headers || {}) };
  delete headers['x-death'];
  delete properties.headers;
  const entries = deaths(message);
  return h('article', { class: 'message', dataset: { index: String(index) } },
    h('h3', {}, `Message ${index + 1}`, message.redelivered ? h('span', { class: 'tag' }, 'redelivered') : null,
      entries.length ? h('span', { class: 'tag dead' }, `dead-lettered (${entries[0].reason})`) : null),
    facts([
      ['Exchange', message.exchange === '' ? '(AMQP default)' : message.exchange],
      ['Routing key', message.routing_key],
      ['Messages left in queue', message.message_count],
      Object.keys(properties).length ? ['Properties', h('code', {}, JSON.stringify(properties))] : null,
      Object.keys(headers).length ? ['Headers', h('code', {}, JSON.stringify(headers))] : null,
      ['Payload', `${message.payload_bytes} bytes, encoding ${message.payload_encoding}`],
    ]),
    entries.length ? deathTable(entries) : null,
    h('pre', { class: 'payload' }, message.payload));
}
