// The management API as the console uses it: HTTP basic auth with the user who logged in (kept in
// this tab's sessionStorage, as RabbitMQ's console keeps it in its session), JSON in and out, and
// RabbitMQ's error documents turned into ApiError with the broker's own reason.

const AUTH_KEY = 'ferry.console.authorization';
const USER_KEY = 'ferry.console.user';

export class ApiError extends Error {
  constructor(status, error, reason) {
    super(reason || error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
    this.reason = reason;
  }
}

let authorization = sessionStorage.getItem(AUTH_KEY);

/** A path segment as the API wants it: the virtual host "/" is %2F. */
export function segment(text) {
  return encodeURIComponent(text);
}

function basic(user, password) {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = '';
  bytes.forEach((byte) => { binary += String.fromCharCode(byte); });
  return `Basic ${btoa(binary)}`;
}

export function currentUser() {
  const stored = sessionStorage.getItem(USER_KEY);
  return authorization && stored ? JSON.parse(stored) : null;
}

/**
 * Checks the name and password against /api/whoami and keeps them for this tab. A refusal is an
 * ApiError whose message says why in words a person can act on.
 */
export async function logIn(user, password) {
  const candidate = basic(user, password);
  let response;
  try {
    // credentials 'omit': the browser adds nothing of its own and never shows its login dialog.
    response = await fetch('/api/whoami', { headers: { Authorization: candidate }, credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'The broker did not answer. Is it running?');
  }
  if (response.status === 401) {
    const document = await response.json().catch(() => ({}));
    if (document.reason === 'Not management user') {
      throw new ApiError(401, 'not_authorised',
        `User "${user}" may not use the console: it needs the management, policymaker, monitoring or administrator tag.`);
    }
    throw new ApiError(401, 'not_authorised', 'Login failed: wrong user name or password.');
  }
  if (!response.ok) {
    throw new ApiError(response.status, 'error', `Login failed: the broker answered HTTP ${response.status}.`);
  }
  const whoami = await response.json();
  authorization = candidate;
  sessionStorage.setItem(AUTH_KEY, candidate);
  sessionStorage.setItem(USER_KEY, JSON.stringify(whoami));
  return whoami;
}

export function logOut() {
  authorization = null;
  sessionStorage.removeItem(AUTH_KEY);
  sessionStorage.removeItem(USER_KEY);
}

/** Whether the logged-in user has one of these tags. */
export function hasTag(...tags) {
  const user = currentUser();
  if (!user) {
    return false;
  }
  const own = Array.isArray(user.tags) ? user.tags : String(user.tags || '').split(',');
  return own.some((tag) => tags.includes(tag.trim()));
}

/**
 * Sends a request below /api/. Answers the parsed JSON (null for an empty body); throws ApiError
 * for any status but 2xx. A 401 also logs the tab out (someone changed the password).
 */
export async function request(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers }, credentials: 'omit' };
  if (authorization) {
    init.headers.Authorization = authorization;
  }
  if (body !== undefined && body !== null) {
    if (typeof body === 'string') {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
    }
    if (!init.headers['Content-Type']) {
      init.headers['Content-Type'] = 'application/json';
    }
  }
  let response;
  try {
    response = await fetch(`/api/${path}`, init);
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'The broker did not answer.');
  }
  const text = await response.text();
  let document = null;
  if (text) {
    try {
      document = JSON.parse(text);
    } catch (e) {
      document = text;
    }
  }
  if (!response.ok) {
    const error = document && typeof document === 'object' ? document : {};
    if (response.status === 401 && path !== 'whoami' && error.reason === 'Login failed') {
      logOut();
      window.dispatchEvent(new CustomEvent('ferry:logged-out'));
    }
    const apiError = new ApiError(response.status, error.error, error.reason
      || (response.status === 404 ? 'Not found' : `HTTP ${response.status}`));
    apiError.document = document;
    throw apiError;
  }
  return document;
}

export const get = (path) => request('GET', path);
export const put = (path, body) => request('PUT', path, body ?? {});
export const post = (path, body) => request('POST', path, body ?? {});
export const del = (path, headers) => request('DELETE', path, undefined, headers);

/** GET that answers null for a 404: an endpoint this broker does not have (yet). */
export async function getOptional(path) {
  try {
    return await get(path);
  } catch (e) {
    if (e.status === 404 || e.status === 405) {
      return null;
    }
    throw e;
  }
}
