// Queues: the API's paged list (so a broker with 100k queues answers one page at a time) and a
// form to declare one.

import { get, put, segment } from '../api.js';
import { h, replace, rate, notify, field, section, vhostSelect } from '../dom.js';
import { PagedTable } from '../table.js';

export function queueLink(queue) {
  return h('a', { href: `#/queues/${segment(queue.vhost)}/${segment(queue.name)}`, class: 'queue-link',
    dataset: { queue: queue.name } }, queue.name);
}

function features(queue) {
  const marks = [];
  if (queue.durable) marks.push(h('abbr', { title: 'durable', class: 'tag' }, 'D'));
  if (queue.auto_delete) marks.push(h('abbr', { title: 'auto-delete', class: 'tag' }, 'AD'));
  if (queue.exclusive) marks.push(h('abbr', { title: 'exclusive', class: 'tag' }, 'Excl'));
  for (const [key, value] of Object.entries(queue.arguments || {})) {
    const short = { 'x-dead-letter-exchange': 'DLX', 'x-dead-letter-routing-key': 'DLK', 'x-message-ttl': 'TTL',
      'x-max-length': 'Lim', 'x-max-length-bytes': 'Lim B', 'x-queue-type': null, 'x-expires': 'Exp',
      'x-max-priority': 'Pri', 'x-single-active-consumer': 'SAC', 'x-overflow': 'Ovfl' }[key];
    if (short !== null) {
      marks.push(h('abbr', { title: `${key}: ${JSON.stringify(value)}`, class: 'tag' }, short || 'Args'));
    }
  }
  if (queue.policy) marks.push(h('span', { class: 'tag policy', title: 'policy' }, queue.policy));
  return h('span', { class: 'features' }, marks);
}

export function render(main) {
  const table = new PagedTable({
    path: 'queues', noun: 'queues', id: 'queues-table', sort: 'name', pageSize: 50,
    apiColumns: 'name,vhost,type,durable,auto_delete,exclusive,arguments,policy,state,consumers,messages,'
      + 'messages_ready,messages_unacknowledged,message_stats',
    empty: 'No queues yet. Declare one below, or let a client declare it.',
    columns: [
      { key: 'vhost', label: 'Virtual host', sort: 'vhost' },
      { key: 'name', label: 'Name', sort: 'name', render: queueLink },
      { key: 'type', label: 'Type', sort: 'type' },
      { key: 'features', label: 'Features', render: features },
      { key: 'state', label: 'State', sort: 'state' },
      { key: 'messages_ready', label: 'Ready', sort: 'messages_ready', numeric: true },
      { key: 'messages_unacknowledged', label: 'Unacked', sort: 'messages_unacknowledged', numeric: true },
      { key: 'messages', label: 'Total', sort: 'messages', numeric: true },
      { key: 'consumers', label: 'Consumers', sort: 'consumers', numeric: true },
      { key: 'publish', label: 'Incoming', sort: 'message_stats.publish_details.rate', numeric: true,
        render: (queue) => rate(queue.message_stats?.publish_details?.rate) },
      { key: 'deliver', label: 'Deliver', sort: 'message_stats.deliver_get_details.rate', numeric: true,
        render: (queue) => rate(queue.message_stats?.deliver_get_details?.rate) },
    ],
  });
  const form = h('div', { id: 'add-queue' }, 'Loading…');
  replace(main, h('h1', {}, 'Queues'), table.element, section('Add a queue', form));
  const stop = table.start();
  get('vhosts?columns=name').then((vhosts) => replace(form, addQueueForm(vhosts, () => table.load())));
  return stop;
}

function addQueueForm(vhosts, added) {
  const vhost = vhostSelect(vhosts, '/', { id: 'add-queue-vhost' });
  const name = h('input', { id: 'add-queue-name', required: true, spellcheck: 'false' });
  const type = h('select', { id: 'add-queue-type' }, ['classic', 'quorum'].map((one) => h('option', { value: one }, one)));
  const durable = h('select', { id: 'add-queue-durable' }, h('option', { value: 'true' }, 'Durable'),
    h('option', { value: 'false' }, 'Transient'));
  const argumentsText = h('textarea', { id: 'add-queue-arguments', rows: 3, spellcheck: 'false',
    placeholder: '{"x-dead-letter-exchange": "dlx", "x-message-ttl": 60000}' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add queue');
  const form = h('form', { class: 'grid-form' },
    field('Virtual host', vhost), field('Name', name), field('Type', type), field('Durability', durable),
    field('Arguments (JSON object)', argumentsText), h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let args = {};
    try {
      args = argumentsText.value.trim() ? JSON.parse(argumentsText.value) : {};
    } catch (e) {
      notify(`Arguments are not JSON: ${e.message}`, 'error');
      argumentsText.focus();
      return;
    }
    if (type.value !== 'classic') {
      args['x-queue-type'] = type.value;
    }
    submit.disabled = true;
    try {
      await put(`queues/${segment(vhost.value)}/${segment(name.value)}`,
        { durable: durable.value === 'true', auto_delete: false, arguments: args });
      notify(`Queue ${name.value} declared.`);
      name.value = '';
      added();
    } catch (e) {
      notify(`Declaring the queue failed: ${e.message}`, 'error');
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
