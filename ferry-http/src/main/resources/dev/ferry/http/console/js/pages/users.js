// Users and their permissions per virtual host (administrators change them).

import { get, put, del, segment, hasTag } from '../api.js';
import { h, replace, notify, field, section, vhostSelect, actionButton } from '../dom.js';
import { PagedTable } from '../table.js';

export function render(main) {
  if (!hasTag('administrator')) {
    replace(main, h('h1', {}, 'Users'), h('p', { class: 'muted' }, 'Users and permissions need the administrator tag.'));
    return () => {};
  }
  let users;
  let permissions;
  users = new PagedTable({
    path: 'users', noun: 'users', id: 'users-table', sort: 'name', refreshMs: 0,
    columns: [
      { key: 'name', label: 'Name', sort: 'name' },
      { key: 'tags', label: 'Tags', render: (user) => (Array.isArray(user.tags) ? user.tags.join(', ') : user.tags) },
      { key: 'password', label: 'Can log in with a password', render: (user) => (user.password_hash ? 'yes' : 'no') },
      { key: 'delete', label: 'Delete', render: (user) => actionButton('Delete', async () => {
        if (window.confirm(`Delete user ${user.name}?`)) {
          await del(`users/${segment(user.name)}`);
          notify(`User ${user.name} deleted.`);
          users.load();
          permissions.load();
        }
      }, { 'aria-label': `Delete user ${user.name}` }) },
    ],
  });
  permissions = new PagedTable({
    path: 'permissions', noun: 'permissions', id: 'permissions-table', sort: 'user', refreshMs: 0, filterable: false,
    columns: [
      { key: 'user', label: 'User', sort: 'user' }, { key: 'vhost', label: 'Virtual host', sort: 'vhost' },
      { key: 'configure', label: 'Configure' }, { key: 'write', label: 'Write' }, { key: 'read', label: 'Read' },
      { key: 'delete', label: 'Clear', render: (entry) => actionButton('Clear', async () => {
        await del(`permissions/${segment(entry.vhost)}/${segment(entry.user)}`);
        notify(`Permissions of ${entry.user} in ${entry.vhost} cleared.`);
        permissions.load();
      }, { 'aria-label': `Clear permissions of ${entry.user} in ${entry.vhost}` }) },
    ],
  });
  const userForm = h('div', {});
  const permissionForm = h('div', {}, 'Loading…');
  replace(main, h('h1', {}, 'Users'), users.element, section('Add or change a user', userForm),
    section('Permissions', permissions.element, permissionForm));
  replace(userForm, addUserForm(() => users.load()));
  users.load();
  permissions.load();
  get('vhosts?columns=name').then((vhosts) => replace(permissionForm, permissionFormFor(vhosts, () => permissions.load())));
  return () => {};
}

function addUserForm(changed) {
  const name = h('input', { id: 'user-name', required: true, autocomplete: 'off', spellcheck: 'false' });
  const password = h('input', { id: 'user-password', type: 'password', autocomplete: 'new-password' });
  const tags = h('input', { id: 'user-tags', placeholder: 'administrator, monitoring, management', spellcheck: 'false' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Save user');
  const form = h('form', { class: 'inline-form' }, field('Name', name), field('Password', password, 'Empty: no password login.'),
    field('Tags', tags), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { tags: tags.value.split(',').map((tag) => tag.trim()).filter(Boolean).join(',') };
    if (password.value) {
      body.password = password.value;
    } else {
      body.password_hash = '';
    }
    try {
      await put(`users/${segment(name.value)}`, body);
      notify(`User ${name.value} saved.`);
      password.value = '';
      changed();
    } catch (e) {
      notify(`Saving the user failed: ${e.message}`, 'error');
    }
  });
  return form;
}

function permissionFormFor(vhosts, changed) {
  const user = h('input', { id: 'permission-user', required: true, spellcheck: 'false' });
  const vhost = vhostSelect(vhosts, '/', { id: 'permission-vhost' });
  const configure = h('input', { id: 'permission-configure', value: '.*', spellcheck: 'false' });
  const write = h('input', { id: 'permission-write', value: '.*', spellcheck: 'false' });
  const read = h('input', { id: 'permission-read', value: '.*', spellcheck: 'false' });
  const submit = h('button', { type: 'submit' }, 'Set permission');
  const form = h('form', { class: 'inline-form' }, field('User', user), field('Virtual host', vhost),
    field('Configure regex', configure), field('Write regex', write), field('Read regex', read), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await put(`permissions/${segment(vhost.value)}/${segment(user.value)}`,
        { configure: configure.value, write: write.value, read: read.value });
      notify(`Permissions of ${user.value} in ${vhost.value} set.`);
      changed();
    } catch (e) {
      notify(`Setting the permission failed: ${e.message}`, 'error');
    }
  });
  return form;
}
