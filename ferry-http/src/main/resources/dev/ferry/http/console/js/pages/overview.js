// Overview: message rates and queued messages as live charts, object totals, alarms and the node's
// resources. Polled every 5 s, as RabbitMQ's statistics interval.

import { get, getOptional, hasTag } from '../api.js';
import { h, replace, number, rate, bytes, duration, every, section, facts } from '../dom.js';
import { LineChart } from '../chart.js';
import { CounterRates, GaugeChange, messageRates } from '../rates.js';

const POLL_MS = 5000;

export function render(main) {
  const rates = new LineChart({
    title: 'Message rates', unit: 'messages/s', id: 'overview-rates', format: rate,
    series: [
      { key: 'publish', label: 'Publish' }, { key: 'deliver', label: 'Deliver' },
      { key: 'ack', label: 'Ack' }, { key: 'dead_letter', label: 'Dead-lettered' }],
  });
  const ratesNote = h('p', { class: 'muted', id: 'overview-rates-note', hidden: true },
    'This broker does not report per-message rates yet; the chart shows the change in queued messages per second.');
  const queued = new LineChart({
    title: 'Queued messages', id: 'overview-queued',
    series: [{ key: 'messages', label: 'Total' }, { key: 'ready', label: 'Ready' }, { key: 'unacked', label: 'Unacked' }],
  });
  const totals = h('div', { class: 'tiles', id: 'overview-totals' });
  const alarms = h('div', { id: 'overview-alarms' }, 'Checking…');
  const node = h('div', { id: 'overview-node' });
  const about = h('p', { class: 'muted', id: 'overview-about' });
  replace(main,
    h('h1', {}, 'Overview'), about,
    totals,
    h('div', { class: 'charts' }, h('div', {}, rates.element, ratesNote), queued.element),
    h('div', { class: 'columns' }, section('Alarms', alarms), section('Node', node)));

  const counterRates = new CounterRates();
  const queuedChange = new GaugeChange();
  let derived = false;

  const poll = async () => {
    const overview = await get('overview');
    const time = Date.now();
    const queueTotals = overview.queue_totals || {};
    const objects = overview.object_totals || {};
    about.textContent = `${overview.product_name || 'Broker'} ${overview.product_version || ''} on node `
      + `${overview.node || '?'} (management API level ${overview.rabbitmq_version || '?'})`;
    const measured = messageRates(overview.message_stats, counterRates, time);
    const change = queuedChange.update(time, queueTotals.messages);
    if (measured) {
      rates.push(time, measured);
    } else {
      if (!derived) {
        derived = true;
        rates.series[0].label = 'Queued change';
        rates.legend.querySelector('li span:nth-child(2)').textContent = 'Change in queued';
      }
      rates.push(time, { publish: change, deliver: null, ack: null, dead_letter: null });
    }
    ratesNote.hidden = Boolean(measured);
    queued.push(time, { messages: queueTotals.messages ?? 0, ready: queueTotals.messages_ready ?? 0,
      unacked: queueTotals.messages_unacknowledged ?? 0 });

    let channels = objects.channels;
    if (channels === undefined) {
      const page = await getOptional('channels?page=1&page_size=1&columns=name');
      channels = page ? page.total_count : undefined;
    }
    const tile = (label, value, id, link) => h('div', { class: 'tile' },
      h('span', { class: 'tile-value', id }, link ? h('a', { href: link }, number(value)) : number(value)),
      h('span', { class: 'tile-label' }, label));
    replace(totals,
      tile('Messages', queueTotals.messages, 'total-messages'),
      tile('Ready', queueTotals.messages_ready, 'total-ready'),
      tile('Unacked', queueTotals.messages_unacknowledged, 'total-unacked'),
      tile('Queues', objects.queues, 'total-queues', '#/queues'),
      tile('Exchanges', objects.exchanges, 'total-exchanges', '#/exchanges'),
      tile('Connections', objects.connections, 'total-connections', '#/connections'),
      tile('Channels', channels, 'total-channels', '#/connections'),
      tile('Consumers', objects.consumers, 'total-consumers'));

    await showAlarms(alarms);
    if (hasTag('administrator', 'monitoring')) {
      const nodes = await getOptional('nodes');
      showNode(node, nodes && nodes[0]);
    } else {
      replace(node, h('p', { class: 'muted' }, 'Node resources need the monitoring or administrator tag.'));
    }
  };
  const stop = every(POLL_MS, poll);
  return () => {
    stop();
    rates.dispose();
    queued.dispose();
  };
}

async function showAlarms(target) {
  try {
    await get('health/checks/alarms');
    replace(target, h('p', { class: 'ok', id: 'alarms-none' }, 'No alarms: publishers are not blocked.'));
  } catch (e) {
    if (e.status === 503 && e.document && Array.isArray(e.document.alarms)) {
      replace(target, h('ul', { class: 'alarms' }, e.document.alarms.map((alarm) =>
        h('li', { class: 'alarm' }, h('strong', {}, `${alarm.resource} alarm`), ` on ${alarm.node}: ${alarm.detail || ''}`))));
    } else {
      replace(target, h('p', { class: 'muted' }, `Alarm check unavailable: ${e.message}`));
    }
  }
}

/** Shows what the node reports; fields a broker does not report are left out, not shown as zero. */
function showNode(target, node) {
  if (!node) {
    replace(target, h('p', { class: 'muted' }, 'Not reported.'));
    return;
  }
  const meter = (label, used, limit, format) => {
    if (typeof used !== 'number') {
      return null;
    }
    const text = typeof limit === 'number' ? `${format(used)} of ${format(limit)}` : format(used);
    const value = typeof limit === 'number' && limit > 0
      ? h('span', {}, h('meter', { min: 0, max: limit, value: used, high: limit * 0.8, optimum: 0 }), ' ', text)
      : text;
    return [label, value];
  };
  const fsync = node.fsync_latency_ms ?? node.fsync_latency ?? node.io_sync_avg_time;
  replace(target, facts([
    ['Name', node.name],
    ['Uptime', duration(node.uptime)],
    ['Processors', node.processors],
    meter('Heap', node.mem_used, node.mem_limit, bytes),
    meter('Resident memory (RSS)', node.rss ?? node.mem_rss ?? node.memory?.rss, undefined, bytes),
    meter('Disk free', node.disk_free, undefined, bytes),
    typeof node.disk_free_limit === 'number' ? ['Disk free limit', bytes(node.disk_free_limit)] : null,
    typeof fsync === 'number' ? ['Fsync latency', `${fsync.toFixed(2)} ms`] : null,
    meter('File descriptors', node.fd_used, node.fd_total, number),
    ['Memory alarm', node.mem_alarm ? 'raised' : 'no'],
    ['Disk alarm', node.disk_free_alarm ? 'raised' : 'no'],
  ]));
}
