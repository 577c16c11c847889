// A sortable, filterable, paged table over one of the API's list endpoints. Paging, sorting and
// the name filter are the API's own (page, page_size, sort, sort_reverse, name, use_regex,
// columns), so only one page of a broker's 100k queues ever crosses the network. An endpoint that
// answers a plain array (no paging) is paged, sorted and filtered here instead.

import { get } from './api.js';
import { h, replace, number, pick, every } from './dom.js';

let tableCount = 0;

export class PagedTable {
  /**
   * @param options.path      the list endpoint below /api/ (a string, or a function answering one)
   * @param options.columns   [{key, label, sort (field name, dotted; none: not sortable), numeric,
   *                            render(item) -> node or text}]
   * @param options.apiColumns the columns= parameter (fewer fields, smaller answers)
   * @param options.noun      what a row is ("queues"), for the counts line
   * @param options.refreshMs reload this often (0: never)
   */
  constructor({ path, columns, apiColumns, noun = 'items', pageSize = 50, refreshMs = 5000, sort = null,
    filterable = true, id, empty = 'Nothing here yet.' }) {
    this.path = path;
    this.columns = columns;
    this.apiColumns = apiColumns;
    this.noun = noun;
    this.state = { page: 1, pageSize, sort, reverse: false, name: '', regex: false };
    this.refreshMs = refreshMs;
    this.empty = empty;
    const number_ = ++tableCount;

    this.filter = h('input', { type: 'search', id: `table-filter-${number_}`, placeholder: 'Filter by name',
      autocomplete: 'off', spellcheck: 'false' });
    this.regex = h('input', { type: 'checkbox', id: `table-regex-${number_}` });
    let debounce = null;
    this.filter.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        this.state.name = this.filter.value;
        this.state.page = 1;
        this.load();
      }, 250);
    });
    this.regex.addEventListener('change', () => {
      this.state.regex = this.regex.checked;
      this.state.page = 1;
      this.load();
    });
    this.pageSize = h('select', { id: `table-size-${number_}` },
      [20, 50, 100, 500].map((size) => h('option', { value: size, selected: size === pageSize }, size)));
    this.pageSize.addEventListener('change', () => {
      this.state.pageSize = Number(this.pageSize.value);
      this.state.page = 1;
      this.load();
    });
    this.head = h('thead', {}, h('tr', {}, columns.map((column) => this.headerCell(column))));
    this.body = h('tbody', {});
    this.counts = h('p', { class: 'counts', 'aria-live': 'polite' });
    this.pager = h('nav', { class: 'pager', 'aria-label': `${noun} pages` });
    this.element = h('div', { class: 'paged-table', id },
      filterable ? h('div', { class: 'table-tools' },
        h('label', { for: this.filter.id, class: 'visually-hidden' }, `Filter ${noun} by name`), this.filter,
        h('label', { class: 'inline' }, this.regex, ' Regular expression'),
        h('label', { class: 'inline' }, 'Rows ', this.pageSize)) : null,
      h('div', { class: 'table-scroll' }, h('table', {}, this.head, this.body)),
      h('div', { class: 'table-foot' }, this.counts, this.pager));
  }

  headerCell(column) {
    if (!column.sort) {
      return h('th', { scope: 'col', class: column.numeric ? 'numeric' : null }, column.label);
    }
    const button = h('button', { type: 'button', class: 'sort', dataset: { sort: column.sort } }, column.label,
      h('span', { class: 'sort-mark', 'aria-hidden': 'true' }));
    button.addEventListener('click', () => {
      if (this.state.sort === column.sort) {
        this.state.reverse = !this.state.reverse;
      } else {
        this.state.sort = column.sort;
        this.state.reverse = Boolean(column.numeric);
      }
      this.state.page = 1;
      this.load();
    });
    return h('th', { scope: 'col', class: column.numeric ? 'numeric' : null, dataset: { sort: column.sort } }, button);
  }

  /** Starts loading (and reloading every refreshMs); answers a function that stops it. */
  start() {
    if (!this.refreshMs) {
      this.load();
      return () => {};
    }
    return every(this.refreshMs, () => {
      // A reload would take the focus away from a button in the table; wait until it leaves.
      if (this.body.contains(document.activeElement) && this.loaded) {
        return Promise.resolve();
      }
      return this.load();
    });
  }

  query() {
    const parameters = new URLSearchParams();
    parameters.set('page', this.state.page);
    parameters.set('page_size', this.state.pageSize);
    if (this.state.name) {
      parameters.set('name', this.state.name);
      if (this.state.regex) {
        parameters.set('use_regex', 'true');
      }
    }
    if (this.state.sort) {
      parameters.set('sort', this.state.sort);
      parameters.set('sort_reverse', String(this.state.reverse));
    }
    if (this.apiColumns) {
      parameters.set('columns', this.apiColumns);
    }
    return parameters.toString();
  }

  async load() {
    const path = typeof this.path === 'function' ? this.path() : this.path;
    const sequence = (this.sequence = (this.sequence || 0) + 1);
    const filter = this.state.name;
    let answer;
    try {
      answer = await get(`${path}${path.includes('?') ? '&' : '?'}${this.query()}`);
    } catch (e) {
      if (e.status === 400 && this.state.regex) {
        replace(this.counts, `Filter: ${e.message}`);
        return;
      }
      throw e;
    }
    if (sequence !== this.sequence) {
      return; // a newer load started meanwhile
    }
    const page = Array.isArray(answer) ? this.pageHere(answer) : answer;
    this.loaded = true;
    this.show(page);
    // What the rows shown were filtered by (the browser tests wait for it after typing).
    this.element.dataset.filter = filter;
  }

  /** Paging, sorting and filtering for an endpoint that answers the whole list. */
  pageHere(items) {
    let kept = items;
    if (this.state.name) {
      let test;
      try {
        const pattern = new RegExp(this.state.regex ? this.state.name : this.state.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
        test = (item) => pattern.test(String(item.name ?? ''));
      } catch (e) {
        test = () => true;
      }
      kept = kept.filter(test);
    }
    if (this.state.sort) {
      const key = this.state.sort;
      kept = [...kept].sort((a, b) => {
        const left = pick(a, key);
        const right = pick(b, key);
        const order = typeof left === 'number' && typeof right === 'number' ? left - right
          : String(left ?? '').localeCompare(String(right ?? ''));
        return this.state.reverse ? -order : order;
      });
    }
    const pageCount = Math.max(1, Math.ceil(kept.length / this.state.pageSize));
    const page = Math.min(this.state.page, pageCount);
    return {
      items: kept.slice((page - 1) * this.state.pageSize, page * this.state.pageSize),
      page, page_count: pageCount, filtered_count: kept.length, total_count: items.length,
    };
  }

  show(page) {
    this.lastPage = page;
    for (const cell of this.head.querySelectorAll('th[data-sort]')) {
      const sorted = cell.dataset.sort === this.state.sort;
      cell.setAttribute('aria-sort', sorted ? (this.state.reverse ? 'descending' : 'ascending') : 'none');
      cell.querySelector('.sort-mark').textContent = sorted ? (this.state.reverse ? ' ▼' : ' ▲') : '';
    }
    replace(this.body, page.items.length === 0
      ? h('tr', {}, h('td', { colspan: this.columns.length, class: 'empty' }, this.state.name ? 'No match.' : this.empty))
      : page.items.map((item) => h('tr', {}, this.columns.map((column) => {
        const value = column.render ? column.render(item) : pick(item, column.key);
        return h('td', { class: column.numeric ? 'numeric' : null },
          column.numeric && typeof value === 'number' ? number(value) : value);
      }))));
    const filtered = page.filtered_count ?? page.items.length;
    const total = page.total_count ?? filtered;
    replace(this.counts, filtered === total ? `${number(total)} ${this.noun}`
      : `${number(filtered)} of ${number(total)} ${this.noun} match`);
    this.state.page = page.page || 1;
    const pageCount = page.page_count || 1;
    const go = (target, label, enabled) => {
      const button = h('button', { type: 'button', disabled: !enabled }, label);
      button.addEventListener('click', () => {
        this.state.page = target;
        this.load();
      });
      return button;
    };
    replace(this.pager,
      go(1, '« First', this.state.page > 1),
      go(this.state.page - 1, '‹ Previous', this.state.page > 1),
      h('span', { class: 'page-of' }, `Page ${number(this.state.page)} of ${number(pageCount)}`),
      go(this.state.page + 1, 'Next ›', this.state.page < pageCount),
      go(pageCount, 'Last »', this.state.page < pageCount));
  }
}
