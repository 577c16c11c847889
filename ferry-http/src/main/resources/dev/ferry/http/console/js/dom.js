// Small helpers to build the page. Text always goes in as text nodes, never as HTML, so a queue
// name or a message body can never become markup.

/**
 * An element: h('button', { class: 'primary', onclick: fn, type: 'button' }, 'Save').
 * Attributes named on* become listeners; 'dataset' is an object of data-* values; false and null
 * attributes are left out; children may be strings, numbers, nodes, arrays or null.
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.substring(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name === 'value' || name === 'checked') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(element, child);
    } else if (child instanceof Node) {
      element.appendChild(child);
    } else {
      element.appendChild(document.createTextNode(String(child)));
    }
  }
}

export function clear(element) {
  while (element.firstChild) {
    element.removeChild(element.firstChild);
  }
  return element;
}

export function replace(element, ...children) {
  clear(element);
  append(element, children);
  return element;
}

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export function number(value) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '–';
  }
  return integer.format(value);
}

export function rate(value) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '–';
  }
  return `${Math.abs(value) < 10 ? decimal.format(value) : integer.format(value)}/s`;
}

export function bytes(value) {
  if (value === null || value === undefined) {
    return '–';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = 0;
  while (Math.abs(scaled) >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${unit === 0 ? integer.format(scaled) : decimal.format(scaled)} ${units[unit]}`;
}

export function duration(milliseconds) {
  if (milliseconds === null || milliseconds === undefined) {
    return '–';
  }
  const seconds = Math.floor(milliseconds / 1000);
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) {
    return `${days}d ${hours}h`;
  }
  if (hours > 0) {
    return `${hours}h ${minutes}m`;
  }
  return minutes > 0 ? `${minutes}m ${seconds % 60}s` : `${seconds}s`;
}

/** A value a person can read: JSON for objects, text for the rest. */
export function show(value) {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Reads a dotted path ("message_stats.publish_details.rate") out of an object. */
export function pick(object, path) {
  let value = object;
  for (const part of path.split('.')) {
    if (value === null || value === undefined) {
      return undefined;
    }
    value = value[part];
  }
  return value;
}

let statusTimer = null;

/** A short message in the live status region (read out by screen readers). */
export function notify(message, kind = 'info') {
  const region = document.getElementById('status');
  if (!region) {
    return;
  }
  region.className = `status ${kind}`;
  region.textContent = message;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    region.textContent = '';
    region.className = 'status';
  }, kind === 'error' ? 12000 : 5000);
}

/** A labelled form field; the label points at the control. */
let fieldCount = 0;
export function field(label, control, hint) {
  const id = control.id || `field-${++fieldCount}`;
  control.id = id;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('small', { class: 'hint' }, hint) : null);
}

/** A section with a heading; the heading level keeps the page's outline. */
export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/** A key/value list (dl). */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter((pair) => pair).map(([key, value]) => [
    h('dt', {}, key), h('dd', {}, value instanceof Node ? value : show(value))]));
}

/** Runs fn every intervalMs while the page is shown; returns a function that stops it. */
export function every(intervalMs, fn) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    if (stopped) {
      return;
    }
    if (!document.hidden) {
      try {
        await fn();
      } catch (e) {
        // A failed poll shows in the status line; the next one may succeed.
        if (e && e.status !== 401) {
          notify(e.message, 'error');
        }
      }
    }
    if (!stopped) {
      timer = setTimeout(tick, intervalMs);
    }
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** A button that runs an async action, disabled meanwhile, reporting its failure. */
export function actionButton(label, action, attributes = {}) {
  const button = h('button', { type: 'button', ...attributes }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action(button);
    } catch (e) {
      notify(e.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** The virtual host names the user can see, for select boxes. */
export function vhostSelect(vhosts, selected, attributes = {}) {
  return h('select', attributes, vhosts.map((vhost) =>
    h('option', { value: vhost.name, selected: vhost.name === selected }, vhost.name)));
}
