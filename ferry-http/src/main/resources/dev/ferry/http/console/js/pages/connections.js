// Connections (close one, with a reason the client receives) and channels.

import { del, segment } from '../api.js';
import { h, replace, number, notify, section, actionButton } from '../dom.js';
import { PagedTable } from '../table.js';

export function render(main) {
  let table;
  const connections = new PagedTable({
    path: 'connections', noun: 'connections', id: 'connections-table', sort: 'name',
    empty: 'No client is connected.',
    columns: [
      { key: 'name', label: 'Name', sort: 'name' },
      { key: 'user', label: 'User', sort: 'user' },
      { key: 'vhost', label: 'Virtual host', sort: 'vhost' },
      { key: 'protocol', label: 'Protocol', sort: 'protocol' },
      { key: 'client', label: 'Client', render: (connection) => clientName(connection) },
      { key: 'state', label: 'State', sort: 'state' },
      { key: 'channels', label: 'Channels', sort: 'channels', numeric: true },
      { key: 'connected_at', label: 'Connected', sort: 'connected_at',
        render: (connection) => connection.connected_at ? new Date(connection.connected_at).toLocaleTimeString() : '' },
      { key: 'close', label: 'Close', render: (connection) => actionButton('Close', async () => {
        if (!window.confirm(`Close connection ${connection.name}?`)) {
          return;
        }
        await del(`connections/${segment(connection.name)}`, { 'X-Reason': 'Closed from the Ferry console' });
        notify(`Connection ${connection.name} closed.`);
        table.load();
      }, { 'aria-label': `Close connection ${connection.name}` }) },
    ],
  });
  table = connections;
  const channels = new PagedTable({
    path: 'channels', noun: 'channels', id: 'channels-table', sort: 'name',
    empty: 'No channels open.',
    columns: [
      { key: 'name', label: 'Channel', sort: 'name' },
      { key: 'user', label: 'User', sort: 'user' },
      { key: 'vhost', label: 'Virtual host', sort: 'vhost' },
      { key: 'mode', label: 'Mode', render: (channel) => [channel.confirm ? 'confirm' : '', channel.transactional ? 'tx' : '']
        .filter(Boolean).join(', ') },
      { key: 'consumer_count', label: 'Consumers', sort: 'consumer_count', numeric: true },
      { key: 'prefetch_count', label: 'Prefetch', sort: 'prefetch_count', numeric: true },
      { key: 'messages_unacknowledged', label: 'Unacked', sort: 'messages_unacknowledged', numeric: true,
        render: (channel) => number(channel.messages_unacknowledged) },
    ],
  });
  replace(main, h('h1', {}, 'Connections'), connections.element, section('Channels', channels.element));
  const stopConnections = connections.start();
  const stopChannels = channels.start();
  return () => {
    stopConnections();
    stopChannels();
  };
}

function clientName(connection) {
  const properties = connection.client_properties || {};
  return [properties.product, properties.version, properties.connection_name ? `(${properties.connection_name})` : '']
    .filter(Boolean).join(' ');
}
