// The console's page: the login form, the top bar and a router that shows one page per location
// hash (#/queues/%2F/orders). Each page module exports render(main, params) and answers a function
// that stops its timers when the user goes elsewhere.

import { currentUser, logIn, logOut } from './api.js';
import { h, replace, field, notify } from './dom.js';
import * as overview from './pages/overview.js';
import * as queues from './pages/queues.js';
import * as queue from './pages/queue.js';
import * as exchanges from './pages/exchanges.js';
import * as connections from './pages/connections.js';
import * as streams from './pages/streams.js';
import * as users from './pages/users.js';
import * as policies from './pages/policies.js';
import * as definitions from './pages/definitions.js';

const ROUTES = [
  { pattern: /^\/?$/, page: overview, nav: '#/' },
  { pattern: /^\/queues\/?$/, page: queues, nav: '#/queues' },
  { pattern: /^\/queues\/([^/]+)\/([^/]+)$/, page: queue, nav: '#/queues' },
  { pattern: /^\/exchanges\/?$/, page: exchanges, nav: '#/exchanges' },
  { pattern: /^\/exchanges\/([^/]+)\/([^/]*)$/, page: exchanges, nav: '#/exchanges' },
  { pattern: /^\/connections\/?$/, page: connections, nav: '#/connections' },
  { pattern: /^\/streams\/?$/, page: streams, nav: '#/streams' },
  { pattern: /^\/users\/?$/, page: users, nav: '#/users' },
  { pattern: /^\/policies\/?$/, page: policies, nav: '#/policies' },
  { pattern: /^\/definitions\/?$/, page: definitions, nav: '#/definitions' },
];

const main = document.getElementById('main');
let stopPage = () => {};

function showLogin(message) {
  stopPage();
  stopPage = () => {};
  document.getElementById('top').hidden = true;
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off',
    spellcheck: 'false' });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'login-error', id: 'login-error', role: 'alert' }, message || '');
  const submit = h('button', { type: 'submit', class: 'primary', id: 'log-in' }, 'Log in');
  const form = h('form', { class: 'login', id: 'login-form', 'aria-describedby': 'login-error' },
    h('h1', {}, 'Ferry'),
    h('p', { class: 'muted' }, 'Log in with a broker user that has a management tag.'),
    field('User name', user), field('Password', password), error, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      await logIn(user.value, password.value);
      route();
    } catch (e) {
      error.textContent = e.message;
      password.focus();
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  replace(main, form);
  user.focus();
}

function route() {
  const user = currentUser();
  if (!user) {
    showLogin();
    return;
  }
  document.getElementById('top').hidden = false;
  const tags = Array.isArray(user.tags) ? user.tags.join(', ') : user.tags;
  document.getElementById('who').textContent = `${user.name}${tags ? ` (${tags})` : ''}`;
  const path = decodeURI(location.hash.replace(/^#/, '').split('?')[0]);
  const raw = location.hash.replace(/^#/, '').split('?')[0];
  const found = ROUTES.find((candidate) => candidate.pattern.test(raw));
  stopPage();
  stopPage = () => {};
  for (const link of document.querySelectorAll('#nav a')) {
    if (found && link.getAttribute('href') === found.nav) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  if (!found) {
    replace(main, h('h1', {}, 'Not found'), h('p', {}, `Nothing at ${path}.`), h('a', { href: '#/' }, 'Back to the overview'));
    return;
  }
  const params = raw.match(found.pattern).slice(1).map((part) => decodeURIComponent(part));
  replace(main);
  const stop = found.page.render(main, params);
  stopPage = typeof stop === 'function' ? stop : () => {};
}

// The skip link moves the focus itself: following "#main" would change the route.
document.querySelector('.skip').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

document.getElementById('log-out').addEventListener('click', () => {
  logOut();
  location.hash = '#/';
  showLogin('You have logged out.');
});

window.addEventListener('ferry:logged-out', () => showLogin('The broker no longer accepts your login; log in again.'));
window.addEventListener('hashchange', () => {
  route();
  main.focus({ preventScroll: true });
});
window.addEventListener('unhandledrejection', (event) => notify(String(event.reason?.message || event.reason), 'error'));
route();
