// Streams (Kafka topics) and consumer groups, with each group's lag per partition as bars. The
// endpoints are Ferry's own (/api/streams, /api/groups); a broker without them is told apart
// from an error.

import { getOptional } from '../api.js';
import { h, replace, number, bytes, section, show, every } from '../dom.js';
import { BarChart } from '../chart.js';
import { PagedTable } from '../table.js';

const POLL_MS = 5000;

function count(value) {
  if (Array.isArray(value)) {
    return value.length;
  }
  if (value && typeof value === 'object') {
    return Object.keys(value).length;
  }
  return value;
}

/** A group's lag as bars: [{label, value}] from a number, a list of partitions or a map. */
export function lagBars(lag) {
  if (Array.isArray(lag)) {
    return lag.map((entry, index) => ({
      label: `${entry.topic ? `${entry.topic}-` : ''}${entry.partition ?? index}`,
      value: Number(entry.lag ?? entry.value ?? 0),
    }));
  }
  if (lag && typeof lag === 'object') {
    const bars = [];
    for (const [key, value] of Object.entries(lag)) {
      if (value && typeof value === 'object') {
        for (const [partition, partitionLag] of Object.entries(value)) {
          bars.push({ label: `${key}-${partition}`, value: Number(partitionLag) });
        }
      } else {
        bars.push({ label: key, value: Number(value) });
      }
    }
    return bars;
  }
  return typeof lag === 'number' ? [{ label: 'total', value: lag }] : [];
}

/** Bars per partition: Ferry's groups list partitions with their lag; a bare lag is one bar. */
function groupBars(group) {
  return Array.isArray(group.partitions) ? lagBars(group.partitions.filter((entry) => entry.lag !== null))
    : lagBars(group.lag);
}

function totalLag(group) {
  if (typeof group.lag === 'number') {
    return group.lag;
  }
  return groupBars(group).reduce((sum, bar) => sum + (Number.isFinite(bar.value) ? bar.value : 0), 0);
}

export function render(main) {
  const streams = h('div', { id: 'streams' }, 'Loading…');
  const groups = h('div', { id: 'groups' }, 'Loading…');
  const charts = h('div', { class: 'charts', id: 'group-lag-charts' });
  replace(main, h('h1', {}, 'Streams and consumer groups'), section('Streams', streams),
    section('Consumer groups', groups, charts));
  const barCharts = new Map();
  let streamTable = null;

  const poll = async () => {
    if (!streamTable) {
      const probe = await getOptional('streams');
      if (probe === null) {
        replace(streams, h('p', { class: 'muted', id: 'streams-unavailable' },
          'Not available: this broker does not report streams through its API.'));
      } else {
        streamTable = new PagedTable({
          path: 'streams', noun: 'streams', refreshMs: 0, apiColumns: 'name,vhost,partition_count,messages,size_bytes', sort: 'name', empty: 'No streams yet.',
          columns: [
            { key: 'vhost', label: 'Virtual host', sort: 'vhost' },
            { key: 'name', label: 'Name', sort: 'name' },
            { key: 'partitions', label: 'Partitions', numeric: true, sort: 'partition_count',
              render: (stream) => number(stream.partition_count ?? count(stream.partitions)) },
            { key: 'messages', label: 'Messages', numeric: true, sort: 'messages' },
            { key: 'size_bytes', label: 'Size', numeric: true, sort: 'size_bytes', render: (stream) => bytes(stream.size_bytes) },
          ],
        });
        replace(streams, streamTable.element);
      }
    }
    if (streamTable) {
      await streamTable.load();
    }
    const list = await getOptional('groups');
    if (list === null) {
      replace(groups, h('p', { class: 'muted', id: 'groups-unavailable' },
        'Not available: this broker does not report consumer groups through its API.'));
      return;
    }
    const items = Array.isArray(list) ? list : list.items || [];
    replace(groups, items.length === 0 ? h('p', { class: 'muted' }, 'No consumer groups.')
      : h('table', { id: 'groups-table' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Group'), h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col', class: 'numeric' }, 'Members'), h('th', { scope: 'col', class: 'numeric' }, 'Total lag'))),
      h('tbody', {}, items.map((group) => h('tr', {}, h('td', {}, group.name), h('td', {}, show(group.state)),
        h('td', { class: 'numeric' }, number(group.member_count ?? count(group.members))),
        h('td', { class: 'numeric' }, number(totalLag(group))))))));
    const seen = new Set();
    for (const group of items) {
      seen.add(group.name);
      let chart = barCharts.get(group.name);
      if (!chart) {
        chart = new BarChart({ title: `Lag of ${group.name} per partition`, unit: 'messages' });
        chart.element.dataset.group = group.name;
        barCharts.set(group.name, chart);
        charts.appendChild(chart.element);
      }
      chart.set(groupBars(group));
    }
    for (const [name, chart] of barCharts) {
      if (!seen.has(name)) {
        chart.dispose();
        chart.element.remove();
        barCharts.delete(name);
      }
    }
  };
  const stop = every(POLL_MS, poll);
  return () => {
    stop();
    barCharts.forEach((chart) => chart.dispose());
  };
}
