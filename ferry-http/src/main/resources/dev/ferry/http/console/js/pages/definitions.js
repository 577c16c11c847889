// Definitions: export the broker's users, virtual hosts, permissions, queues, exchanges, bindings
// and policies as RabbitMQ's JSON document, and import one (what it names is created or updated).

import { get, request, hasTag } from '../api.js';
import { h, replace, notify, field, section, actionButton, number } from '../dom.js';

export function render(main) {
  if (!hasTag('administrator')) {
    replace(main, h('h1', {}, 'Definitions'), h('p', { class: 'muted' }, 'Definitions need the administrator tag.'));
    return () => {};
  }
  const summary = h('p', { id: 'definitions-summary', class: 'muted' });
  const exportButton = actionButton('Download definitions', async () => {
    const definitions = await get('definitions');
    summary.textContent = summarise(definitions);
    const blob = new Blob([JSON.stringify(definitions, null, 2)], { type: 'application/json' });
    const link = h('a', { href: URL.createObjectURL(blob),
      download: `ferry-definitions-${new Date().toISOString().slice(0, 10)}.json` });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }, { id: 'definitions-export', class: 'primary' });

  const file = h('input', { type: 'file', id: 'definitions-file', accept: 'application/json,.json' });
  const result = h('p', { id: 'definitions-import-result', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', id: 'definitions-import' }, 'Import');
  const form = h('form', { class: 'inline-form' }, field('Definitions file (JSON)', file), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file.files.length) {
      notify('Choose a file first.', 'error');
      return;
    }
    const text = await file.files[0].text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      result.textContent = `That file is not JSON: ${e.message}`;
      return;
    }
    submit.disabled = true;
    try {
      await request('POST', 'definitions', text);
      result.textContent = `Imported: ${summarise(parsed)}.`;
    } catch (e) {
      result.textContent = `Import refused, nothing changed after the entry it names: ${e.message}`;
    } finally {
      submit.disabled = false;
    }
  });
  replace(main, h('h1', {}, 'Definitions'),
    section('Export', h('p', {}, 'Users, virtual hosts, permissions, queues, exchanges, bindings and policies, '
      + 'in the format RabbitMQ 3.10 reads and writes.'), exportButton, summary),
    section('Import', form, result));
  return () => {};
}

function summarise(definitions) {
  const parts = ['users', 'vhosts', 'permissions', 'queues', 'exchanges', 'bindings', 'policies']
    .filter((key) => Array.isArray(definitions[key]))
    .map((key) => `${number(definitions[key].length)} ${key}`);
  return parts.join(', ');
}
