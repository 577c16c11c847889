// Policies in RabbitMQ's shape (/api/policies): list, add or change, delete.

import { get, getOptional, put, del, segment } from '../api.js';
import { h, replace, notify, field, section, show, vhostSelect, actionButton } from '../dom.js';
import { PagedTable } from '../table.js';

export function render(main) {
  const body = h('div', {}, 'Loading…');
  replace(main, h('h1', {}, 'Policies'), body);
  let stop = () => {};
  getOptional('policies').then(async (probe) => {
    if (probe === null) {
      replace(body, h('p', { class: 'muted', id: 'policies-unavailable' },
        'Not available: this broker does not serve /api/policies yet.'));
      return;
    }
    let table;
    table = new PagedTable({
      path: 'policies', noun: 'policies', id: 'policies-table', sort: 'name', refreshMs: 10000,
      empty: 'No policies.',
      columns: [
        { key: 'vhost', label: 'Virtual host', sort: 'vhost' }, { key: 'name', label: 'Name', sort: 'name' },
        { key: 'pattern', label: 'Pattern', sort: 'pattern' }, { key: 'apply-to', label: 'Applies to', sort: 'apply-to' },
        { key: 'definition', label: 'Definition', render: (policy) => h('code', {}, show(policy.definition)) },
        { key: 'priority', label: 'Priority', sort: 'priority', numeric: true },
        { key: 'delete', label: 'Delete', render: (policy) => actionButton('Delete', async () => {
          if (window.confirm(`Delete policy ${policy.name}?`)) {
            await del(`policies/${segment(policy.vhost)}/${segment(policy.name)}`);
            notify(`Policy ${policy.name} deleted.`);
            table.load();
          }
        }, { 'aria-label': `Delete policy ${policy.name}` }) },
      ],
    });
    const vhosts = await get('vhosts?columns=name');
    replace(body, table.element, section('Add or change a policy', policyForm(vhosts, () => table.load())));
    stop = table.start();
  }).catch((e) => replace(body, h('p', { class: 'status error' }, e.message)));
  return () => stop();
}

function policyForm(vhosts, changed) {
  const vhost = vhostSelect(vhosts, '/', { id: 'policy-vhost' });
  const name = h('input', { id: 'policy-name', required: true, spellcheck: 'false' });
  const pattern = h('input', { id: 'policy-pattern', required: true, spellcheck: 'false', placeholder: '^orders\\.' });
  const applyTo = h('select', { id: 'policy-apply-to' }, ['all', 'queues', 'exchanges'].map((one) =>
    h('option', { value: one }, one)));
  const priority = h('input', { id: 'policy-priority', type: 'number', value: '0' });
  const definition = h('textarea', { id: 'policy-definition', rows: 3, required: true, spellcheck: 'false',
    placeholder: '{"dead-letter-exchange": "dlx", "max-length": 10000}' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Save policy');
  const form = h('form', { class: 'grid-form' }, field('Virtual host', vhost), field('Name', name),
    field('Pattern (regular expression)', pattern), field('Applies to', applyTo), field('Priority', priority),
    field('Definition (JSON object)', definition), h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(definition.value);
    } catch (e) {
      notify(`The definition is not JSON: ${e.message}`, 'error');
      return;
    }
    try {
      await put(`policies/${segment(vhost.value)}/${segment(name.value)}`,
        { pattern: pattern.value, definition: parsed, priority: Number(priority.value), 'apply-to': applyTo.value });
      notify(`Policy ${name.value} saved.`);
      changed();
    } catch (e) {
      notify(`Saving the policy failed: ${e.message}`, 'error');
    }
  });
  return form;
}
