// Exchanges: the paged list, a form to declare one, and an exchange's bindings (to queues and
// exchanges, and from other exchanges).

import { get, put, del, segment } from '../api.js';
import { h, replace, notify, field, section, facts, show, vhostSelect, actionButton } from '../dom.js';
import { PagedTable } from '../table.js';

const DEFAULT_LABEL = '(AMQP default)';

function exchangeLink(exchange) {
  return h('a', { href: `#/exchanges/${segment(exchange.vhost)}/${segment(exchange.name || 'amq.default')}` },
    exchange.name === '' ? DEFAULT_LABEL : exchange.name);
}

export function render(main, params) {
  if (params.length === 2) {
    return renderOne(main, params[0], params[1]);
  }
  const table = new PagedTable({
    path: 'exchanges', noun: 'exchanges', id: 'exchanges-table', sort: 'name',
    apiColumns: 'name,vhost,type,durable,auto_delete,internal,arguments,policy,message_stats',
    columns: [
      { key: 'vhost', label: 'Virtual host', sort: 'vhost' },
      { key: 'name', label: 'Name', sort: 'name', render: exchangeLink },
      { key: 'type', label: 'Type', sort: 'type' },
      { key: 'features', label: 'Features', render: (exchange) => [exchange.durable ? 'durable' : 'transient',
        exchange.auto_delete ? ', auto-delete' : '', exchange.internal ? ', internal' : ''].join('') },
      { key: 'arguments', label: 'Arguments', render: (exchange) => show(Object.keys(exchange.arguments || {}).length
        ? exchange.arguments : '') },
    ],
  });
  const form = h('div', {}, 'Loading…');
  replace(main, h('h1', {}, 'Exchanges'), table.element, section('Add an exchange', form));
  get('vhosts?columns=name').then((vhosts) => replace(form, addExchangeForm(vhosts, () => table.load())));
  return table.start();
}

function addExchangeForm(vhosts, added) {
  const vhost = vhostSelect(vhosts, '/', { id: 'add-exchange-vhost' });
  const name = h('input', { id: 'add-exchange-name', required: true, spellcheck: 'false' });
  const type = h('select', { id: 'add-exchange-type' }, ['direct', 'fanout', 'topic', 'headers'].map((one) =>
    h('option', { value: one }, one)));
  const durable = h('input', { type: 'checkbox', id: 'add-exchange-durable', checked: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add exchange');
  const form = h('form', { class: 'inline-form' }, field('Virtual host', vhost), field('Name', name), field('Type', type),
    field('Durable', durable), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await put(`exchanges/${segment(vhost.value)}/${segment(name.value)}`,
        { type: type.value, durable: durable.checked, auto_delete: false, internal: false, arguments: {} });
      notify(`Exchange ${name.value} declared.`);
      name.value = '';
      added();
    } catch (e) {
      notify(`Declaring the exchange failed: ${e.message}`, 'error');
    }
  });
  return form;
}

function renderOne(main, vhost, name) {
  const path = `exchanges/${segment(vhost)}/${segment(name)}`;
  const about = h('div', {}, 'Loading…');
  const outgoing = h('div', { id: 'exchange-bindings-source' });
  const incoming = h('div', { id: 'exchange-bindings-destination' });
  replace(main, h('p', { class: 'crumbs' }, h('a', { href: '#/exchanges' }, 'Exchanges'), ` › ${vhost} › `),
    h('h1', {}, 'Exchange ', name === 'amq.default' ? DEFAULT_LABEL : name), about,
    section('Bindings from this exchange', outgoing), section('Bindings to this exchange', incoming));
  const load = async () => {
    const exchange = await get(path);
    replace(about, facts([['Type', exchange.type], ['Durable', exchange.durable ? 'yes' : 'no'],
      ['Auto-delete', exchange.auto_delete ? 'yes' : 'no'], ['Internal', exchange.internal ? 'yes' : 'no'],
      ['Arguments', exchange.arguments], ['Policy', exchange.policy || 'none']]),
    name.startsWith('amq.') ? null : actionButton('Delete exchange', async () => {
      if (window.confirm(`Delete exchange ${name}?`)) {
        await del(path);
        notify(`Exchange ${name} deleted.`);
        location.hash = '#/exchanges';
      }
    }, { class: 'danger' }));
    replace(outgoing, bindingList(await get(`${path}/bindings/source`), vhost, 'destination'));
    replace(incoming, bindingList(await get(`${path}/bindings/destination`), vhost, 'source'));
  };
  load().catch((e) => notify(e.message, 'error'));
  return () => {};
}

function bindingList(list, vhost, end) {
  if (list.length === 0) {
    return h('p', { class: 'muted' }, 'None.');
  }
  return h('table', {}, h('thead', {}, h('tr', {}, [end === 'destination' ? 'To' : 'From', 'Routing key', 'Arguments']
    .map((label) => h('th', { scope: 'col' }, label)))),
  h('tbody', {}, list.map((binding) => {
    const other = binding[end];
    const isQueue = end === 'destination' && binding.destination_type === 'queue';
    return h('tr', {},
      h('td', {}, isQueue ? h('a', { href: `#/queues/${segment(vhost)}/${segment(other)}` }, `queue ${other}`)
        : h('a', { href: `#/exchanges/${segment(vhost)}/${segment(other || 'amq.default')}` }, `exchange ${other || DEFAULT_LABEL}`)),
      h('td', {}, binding.routing_key),
      h('td', {}, show(Object.keys(binding.arguments || {}).length ? binding.arguments : '')));
  })));
}
