// One queue: depth and rate charts polled every 2 s, consumers, bindings, arguments and policy;
// get (peek), publish and purge; and moving dead-lettered messages back where they came from.

import { get, post, del, segment } from '../api.js';
import { h, replace, number, rate, notify, field, section, facts, every, show, actionButton } from '../dom.js';
import { LineChart } from '../chart.js';
import { CounterRates, GaugeChange, messageRates } from '../rates.js';
import { messageView, deaths } from '../messages.js';

const POLL_MS = 2000;
/** Messages per move call: small enough that progress moves and a call stays short. */
const MOVE_CHUNK = 100;
const DEATH_REASONS = ['rejected', 'expired', 'maxlen', 'delivery_limit'];

export function render(main, [vhost, name]) {
  const path = `queues/${segment(vhost)}/${segment(name)}`;
  const depth = new LineChart({
    title: 'Queued messages', id: 'queue-depth-chart',
    series: [{ key: 'messages', label: 'Total' }, { key: 'ready', label: 'Ready' }, { key: 'unacked', label: 'Unacked' }],
  });
  const rates = new LineChart({
    title: 'Message rates', unit: 'messages/s', id: 'queue-rates-chart', format: rate,
    series: [{ key: 'publish', label: 'Incoming' }, { key: 'deliver', label: 'Deliver' }, { key: 'ack', label: 'Ack' },
      { key: 'change', label: 'Change in depth' }],
  });
  const header = h('div', { id: 'queue-facts' });
  const tiles = h('div', { class: 'tiles', id: 'queue-tiles' });
  const consumers = h('div', { id: 'queue-consumers-list' }, 'Loading…');
  const bindings = h('div', { id: 'queue-bindings' }, 'Loading…');
  const settings = h('div', { id: 'queue-settings' });
  const gone = h('p', { class: 'status error', hidden: true, id: 'queue-gone' }, 'This queue no longer exists.');

  replace(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/queues' }, 'Queues'), ` › ${vhost} › `),
    h('h1', {}, 'Queue ', h('span', { id: 'queue-name' }, name)), gone, header, tiles,
    h('div', { class: 'charts' }, depth.element, rates.element),
    h('div', { class: 'columns' }, section('Consumers', consumers), section('Arguments and policy', settings)),
    section('Bindings', bindings, bindForm(vhost, name, () => loadBindings())),
    section('Get messages', getMessages(path)),
    section('Move messages', moveMessages(path, name)),
    section('Publish a message', publishForm(vhost, name)),
    section('Purge or delete', dangerZone(path, name)));

  const counterRates = new CounterRates();
  const depthChange = new GaugeChange();
  let ticks = 0;

  const loadBindings = async () => {
    const list = await get(`${path}/bindings`);
    replace(bindings, bindingTable(vhost, list, () => loadBindings()));
  };

  const poll = async () => {
    let queue;
    try {
      queue = await get(path);
    } catch (e) {
      if (e.status === 404) {
        gone.hidden = false;
        return;
      }
      throw e;
    }
    gone.hidden = true;
    const time = Date.now();
    depth.push(time, { messages: queue.messages, ready: queue.messages_ready, unacked: queue.messages_unacknowledged });
    const measured = messageRates(queue.message_stats, counterRates, time) || {};
    rates.push(time, { publish: measured.publish ?? null, deliver: measured.deliver ?? null, ack: measured.ack ?? null,
      change: depthChange.update(time, queue.messages) });
    replace(tiles,
      tile('Ready', queue.messages_ready, 'queue-ready'),
      tile('Unacked', queue.messages_unacknowledged, 'queue-unacked'),
      tile('Total', queue.messages, 'queue-messages'),
      tile('Consumers', queue.consumers, 'queue-consumers'));
    replace(header, facts([
      ['Virtual host', queue.vhost], ['Type', queue.type], ['State', queue.state],
      ['Durable', queue.durable ? 'yes' : 'no'], ['Auto-delete', queue.auto_delete ? 'yes' : 'no'],
      ['Exclusive', queue.exclusive ? 'yes' : 'no'], ['Node', queue.node]]));
    showSettings(settings, queue);
    if (ticks++ % 3 === 0) {
      const all = await get(`consumers/${segment(vhost)}`);
      replace(consumers, consumerTable(all.filter((consumer) => consumer.queue && consumer.queue.name === name)));
      await loadBindings();
    }
  };
  const stop = every(POLL_MS, poll);
  return () => {
    stop();
    depth.dispose();
    rates.dispose();
  };
}

function tile(label, value, id) {
  return h('div', { class: 'tile' }, h('span', { class: 'tile-value', id }, number(value)),
    h('span', { class: 'tile-label' }, label));
}

function showSettings(target, queue) {
  const args = Object.entries(queue.arguments || {});
  const effective = Object.entries(queue.effective_policy_definition || {});
  // Rebuilt only when something changed, so a reader's place on the page is kept.
  const key = JSON.stringify([queue.arguments, queue.policy, queue.operator_policy, queue.effective_policy_definition]);
  if (target.dataset.key === key) {
    return;
  }
  target.dataset.key = key;
  replace(target,
    args.length ? h('table', { class: 'arguments' }, h('caption', {}, 'Arguments'),
      h('tbody', {}, args.map(([name, value]) => h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, show(value))))))
      : h('p', { class: 'muted' }, 'No arguments.'),
    facts([
      ['Policy', queue.policy || 'none'],
      queue.operator_policy ? ['Operator policy', queue.operator_policy] : null,
      ['Effective policy', effective.length ? h('code', {}, JSON.stringify(queue.effective_policy_definition)) : 'none']]));
}

function consumerTable(list) {
  if (list.length === 0) {
    return h('p', { class: 'muted' }, 'No consumers.');
  }
  return h('table', {}, h('thead', {}, h('tr', {}, ['Consumer tag', 'Channel', 'Ack required', 'Prefetch', 'Active']
    .map((label) => h('th', { scope: 'col' }, label)))),
  h('tbody', {}, list.map((consumer) => h('tr', {},
    h('td', {}, consumer.consumer_tag),
    h('td', {}, consumer.channel_details ? consumer.channel_details.name : ''),
    h('td', {}, consumer.ack_required ? 'yes' : 'no'),
    h('td', { class: 'numeric' }, number(consumer.prefetch_count)),
    h('td', {}, consumer.active === false ? 'no' : 'yes')))));
}

function bindingTable(vhost, list, changed) {
  if (list.length === 0) {
    return h('p', { class: 'muted' }, 'No bindings.');
  }
  return h('table', {}, h('thead', {}, h('tr', {}, ['From exchange', 'Routing key', 'Arguments', ''].map((label) =>
    h('th', { scope: 'col' }, label)))),
  h('tbody', {}, list.map((binding) => h('tr', {},
    h('td', {}, binding.source === '' ? '(AMQP default)'
      : h('a', { href: `#/exchanges/${segment(vhost)}/${segment(binding.source)}` }, binding.source)),
    h('td', {}, binding.routing_key),
    h('td', {}, show(binding.arguments && Object.keys(binding.arguments).length ? binding.arguments : '')),
    h('td', {}, binding.source === '' ? '' : actionButton('Unbind', async () => {
      await del(`bindings/${segment(vhost)}/e/${segment(binding.source)}/q/${segment(binding.destination)}/`
        + `${segment(binding.properties_key)}`);
      notify('Binding removed.');
      changed();
    }))))));
}

function bindForm(vhost, name, changed) {
  const exchange = h('input', { id: 'bind-exchange', required: true, spellcheck: 'false' });
  const key = h('input', { id: 'bind-key', spellcheck: 'false' });
  const submit = h('button', { type: 'submit' }, 'Bind');
  const form = h('form', { class: 'inline-form' }, field('From exchange', exchange), field('Routing key', key), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await post(`bindings/${segment(vhost)}/e/${segment(exchange.value)}/q/${segment(name)}`,
        { routing_key: key.value, arguments: {} });
      notify('Bound.');
      changed();
    } catch (e) {
      notify(`Binding failed: ${e.message}`, 'error');
    }
  });
  return form;
}

function getMessages(path) {
  const count = h('input', { id: 'get-count', type: 'number', min: 1, max: 1000, value: '5' });
  const mode = h('select', { id: 'get-ackmode' },
    h('option', { value: 'ack_requeue_true' }, 'Peek: requeue them (redelivered flag set)'),
    h('option', { value: 'reject_requeue_false' }, 'Take: reject without requeue (dead-letters them)'),
    h('option', { value: 'ack_requeue_false' }, 'Take: ack (removes them)'));
  const out = h('div', { id: 'get-result', class: 'messages' });
  const submit = h('button', { type: 'submit', id: 'get-messages' }, 'Get messages');
  const form = h('form', { class: 'inline-form' }, field('How many', count), field('Then', mode), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const messages = await post(`${path}/get`, { count: Number(count.value), ackmode: mode.value, encoding: 'auto',
        truncate: 50000 });
      const dead = messages.filter((message) => deaths(message).length > 0).length;
      replace(out, h('p', { class: 'counts' }, messages.length === 0 ? 'The queue is empty.'
        : `${messages.length} message${messages.length === 1 ? '' : 's'}${dead ? `, ${dead} dead-lettered` : ''}.`),
      messages.map(messageView));
    } catch (e) {
      notify(`Get failed: ${e.message}`, 'error');
    } finally {
      submit.disabled = false;
    }
  });
  return [form, out];
}

/**
 * Moves messages to another queue, by default each back to the queue its latest x-death entry
 * (the first of the list) names. The API moves at most `count` per call; calling it in chunks shows progress and lets the
 * user stop between two chunks.
 */
function moveMessages(path, name) {
  const destination = h('input', { id: 'move-destination', spellcheck: 'false', placeholder: 'where each came from' });
  const scope = h('select', { id: 'move-scope' }, h('option', { value: 'all' }, 'All messages'),
    h('option', { value: 'some' }, 'At most…'));
  const count = h('input', { id: 'move-count', type: 'number', min: 1, value: '100', disabled: true });
  scope.addEventListener('change', () => { count.disabled = scope.value === 'all'; });
  const reason = h('select', { id: 'move-reason' }, h('option', { value: '' }, 'any reason'),
    DEATH_REASONS.map((one) => h('option', { value: one }, one)));
  const progress = h('progress', { id: 'move-progress', max: 1, value: 0, hidden: true });
  const status = h('p', { id: 'move-status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', id: 'move-start', class: 'primary' }, 'Move messages');
  const cancel = h('button', { type: 'button', id: 'move-cancel', hidden: true }, 'Stop');
  let cancelled = false;
  cancel.addEventListener('click', () => { cancelled = true; });
  const form = h('form', { class: 'inline-form' },
    field('Destination queue', destination, 'Empty: each message goes back to the queue its latest x-death entry names.'),
    field('Which', scope), field('Count', count), field('Dead-lettered because', reason),
    h('div', { class: 'actions' }, submit, cancel));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const limit = scope.value === 'all' ? Infinity : Number(count.value);
    if (!(limit > 0)) {
      notify('Count must be a positive number.', 'error');
      return;
    }
    cancelled = false;
    submit.disabled = true;
    cancel.hidden = false;
    progress.hidden = false;
    progress.value = 0;
    let moved = 0;
    let skipped = 0;
    let remaining = null;
    const target = destination.value.trim() || 'where they came from';
    status.textContent = `Moving messages from ${name} to ${target}…`;
    try {
      while (!cancelled && moved < limit) {
        const body = { count: Math.min(MOVE_CHUNK, limit - moved) };
        if (destination.value.trim()) {
          body.destination = destination.value.trim();
        }
        if (reason.value) {
          body.reason = reason.value;
        }
        const answer = await post(`${path}/move`, body);
        moved += answer.moved;
        skipped = answer.skipped ?? skipped;
        remaining = answer.remaining;
        // Skipped messages stay in the queue: they are not part of what is left to move.
        const total = limit === Infinity ? moved + Math.max(0, (remaining ?? 0) - skipped) : limit;
        progress.max = Math.max(1, total);
        progress.value = Math.min(moved, progress.max);
        status.textContent = `Moved ${number(moved)} of ${number(total)} to ${target}; ${number(remaining)} left in ${name}`
          + `${skipped ? `, ${number(skipped)} skipped (no matching x-death)` : ''}…`;
        if (answer.moved === 0 || remaining === 0) {
          break;
        }
      }
      status.textContent = `${cancelled ? 'Stopped' : 'Done'}: moved ${number(moved)} message${moved === 1 ? '' : 's'} `
        + `to ${target}${skipped ? `, ${number(skipped)} skipped` : ''}; ${number(remaining)} left in ${name}.`;
      if (!cancelled) {
        progress.max = Math.max(1, moved);
        progress.value = progress.max;
      }
      status.dataset.moved = String(moved);
      status.dataset.done = 'true';
    } catch (e) {
      status.textContent = e.status === 404 && e.error === 'Object Not Found' && moved === 0
        ? 'Moving failed: this broker has no move endpoint, or the destination queue does not exist.'
        : `Moving failed after ${number(moved)} messages: ${e.message}`;
      status.dataset.done = 'failed';
    } finally {
      submit.disabled = false;
      cancel.hidden = true;
    }
  });
  return [h('p', { class: 'muted' }, 'For a dead-letter queue: replay its messages to the queue each was dead-lettered from, '
    + 'or to a queue you name. Use Get messages above to see their x-death history first.'), form, progress, status];
}

function publishForm(vhost, name) {
  const key = h('input', { id: 'publish-key', value: name, spellcheck: 'false' });
  const persistent = h('select', { id: 'publish-mode' }, h('option', { value: '2' }, 'Persistent'),
    h('option', { value: '1' }, 'Transient'));
  const headers = h('textarea', { id: 'publish-headers', rows: 2, spellcheck: 'false', placeholder: '{"origin": "console"}' });
  const contentType = h('input', { id: 'publish-content-type', placeholder: 'text/plain', spellcheck: 'false' });
  const payload = h('textarea', { id: 'publish-payload', rows: 4, spellcheck: 'false' });
  const submit = h('button', { type: 'submit', id: 'publish-send' }, 'Publish');
  const form = h('form', { class: 'grid-form' },
    field('Routing key (default exchange)', key), field('Delivery mode', persistent),
    field('Content type', contentType), field('Headers (JSON object)', headers), field('Payload', payload),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const properties = { delivery_mode: Number(persistent.value) };
    try {
      if (headers.value.trim()) {
        properties.headers = JSON.parse(headers.value);
      }
    } catch (e) {
      notify(`Headers are not JSON: ${e.message}`, 'error');
      return;
    }
    if (contentType.value.trim()) {
      properties.content_type = contentType.value.trim();
    }
    try {
      const answer = await post(`exchanges/${segment(vhost)}/amq.default/publish`,
        { properties, routing_key: key.value, payload: payload.value, payload_encoding: 'string' });
      notify(answer.routed ? 'Message published.' : 'Message published but not routed to any queue.',
        answer.routed ? 'info' : 'error');
    } catch (e) {
      notify(`Publish failed: ${e.message}`, 'error');
    }
  });
  return form;
}

function dangerZone(path, name) {
  return h('div', { class: 'actions' },
    actionButton('Purge messages', async () => {
      if (!window.confirm(`Remove every ready message from ${name}?`)) {
        return;
      }
      await del(`${path}/contents`);
      notify(`Queue ${name} purged.`);
    }, { id: 'queue-purge', class: 'danger' }),
    actionButton('Delete queue', async () => {
      if (!window.confirm(`Delete queue ${name} and its messages?`)) {
        return;
      }
      await del(path);
      notify(`Queue ${name} deleted.`);
      location.hash = '#/queues';
    }, { id: 'queue-delete', class: 'danger' }));
}
