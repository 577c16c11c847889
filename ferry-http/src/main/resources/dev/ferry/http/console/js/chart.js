// Charts drawn on a canvas by the console itself: a time line of a few series (rates, depths) and
// bars (lag per partition). Colours are the Okabe-Ito palette, told apart with colour blindness
// too; each series also has its own dash. The figure's data-* attributes and aria-label carry the
// latest values, for screen readers and for the browser tests.

import { h, number } from './dom.js';

export const COLOURS = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9'];
const DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3], [1, 2], [4, 4]];
const AXIS = '#5c6370';
const GRID = '#e3e6eb';

const TICKS = 4;

/** The axis top: TICKS steps of 1, 2, 2.5 or 5 times a power of ten, so every label is round. */
function niceCeiling(value) {
  if (!(value > 0)) {
    return 1;
  }
  const rough = value / TICKS;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => rough <= candidate * power + 1e-12) * power;
  return step * TICKS;
}

function shortNumber(value) {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${+(value / 1e9).toFixed(2)}G`;
  if (magnitude >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (magnitude >= 1e3) return `${+(value / 1e3).toFixed(2)}k`;
  return `${+value.toFixed(magnitude < 10 ? 2 : 0)}`;
}

/** Sizes a canvas to its box in device pixels and answers a context drawing in CSS pixels. */
function prepare(canvas, heightCss) {
  const ratio = window.devicePixelRatio || 1;
  const widthCss = Math.max(200, canvas.clientWidth || canvas.parentElement.clientWidth || 400);
  if (canvas.width !== Math.round(widthCss * ratio) || canvas.height !== Math.round(heightCss * ratio)) {
    canvas.width = Math.round(widthCss * ratio);
    canvas.height = Math.round(heightCss * ratio);
  }
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, widthCss, heightCss);
  context.font = '12px system-ui, sans-serif';
  return { context, width: widthCss, height: heightCss };
}

/**
 * Series over time: push(time, {key: value}) after each poll; the last windowMs are drawn, newest
 * at the right. A null value is a gap (nothing known yet).
 */
export class LineChart {
  constructor({ title, series, unit = '', windowMs = 5 * 60 * 1000, height = 180, id, format = number }) {
    this.series = series.map((one, index) => ({ ...one, colour: one.colour || COLOURS[index % COLOURS.length],
      dash: DASHES[index % DASHES.length] }));
    this.unit = unit;
    this.windowMs = windowMs;
    this.height = height;
    this.format = format;
    this.samples = [];
    this.canvas = h('canvas', { role: 'img', 'aria-label': `${title}: no data yet` });
    this.canvas.style.height = `${height}px`;
    this.values = new Map();
    this.legend = h('ul', { class: 'legend' }, this.series.map((one) => {
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.borderColor = one.colour;
      swatch.style.borderTopStyle = one.dash.length ? 'dashed' : 'solid';
      const value = h('span', { class: 'legend-value', dataset: { series: one.key } }, '–');
      this.values.set(one.key, value);
      return h('li', {}, swatch, h('span', {}, one.label), value);
    }));
    this.title = title;
    this.element = h('figure', { class: 'chart', id, dataset: { points: '0' } },
      h('figcaption', {}, title, unit ? h('span', { class: 'unit' }, ` (${unit})`) : null),
      this.canvas, this.legend);
    this.resizer = new ResizeObserver(() => this.draw());
    this.resizer.observe(this.element);
  }

  push(time, values) {
    this.samples.push({ time, values });
    const oldest = time - this.windowMs;
    while (this.samples.length > 2 && this.samples[1].time < oldest) {
      this.samples.shift();
    }
    const latest = {};
    for (const one of this.series) {
      const value = values[one.key];
      latest[one.key] = value ?? null;
      this.values.get(one.key).textContent = value === null || value === undefined ? '–' : this.format(value);
    }
    this.element.dataset.points = String(this.samples.length);
    this.element.dataset.last = JSON.stringify(latest);
    this.canvas.setAttribute('aria-label', `${this.title}: ${this.series.map((one) =>
      `${one.label} ${latest[one.key] === null ? 'unknown' : this.format(latest[one.key])}`).join(', ')}`);
    this.draw();
  }

  draw() {
    if (!this.canvas.isConnected) {
      return;
    }
    const { context, width, height } = prepare(this.canvas, this.height);
    let maximum = 0;
    let minimum = 0;
    for (const sample of this.samples) {
      for (const one of this.series) {
        const value = sample.values[one.key];
        if (typeof value === 'number') {
          maximum = Math.max(maximum, value);
          minimum = Math.min(minimum, value);
        }
      }
    }
    // An axis of TICKS round steps from a multiple of the step below the minimum (0 unless negative).
    let step = niceCeiling(maximum - minimum) / TICKS;
    let bottom = Math.floor(minimum / step) * step;
    if (bottom + TICKS * step < maximum) {
      step = niceCeiling((maximum - minimum) * 1.5) / TICKS;
      bottom = Math.floor(minimum / step) * step;
    }
    const top = bottom + TICKS * step;
    let labelWidth = 0;
    for (let i = 0; i <= TICKS; i++) {
      labelWidth = Math.max(labelWidth, context.measureText(shortNumber(bottom + ((top - bottom) * i) / TICKS)).width);
    }
    const left = 8 + labelWidth;
    const right = width - 8;
    const plotTop = 8;
    const plotBottom = height - 20;
    const y = (value) => plotBottom - ((value - bottom) / (top - bottom)) * (plotBottom - plotTop);
    const now = this.samples.length ? this.samples[this.samples.length - 1].time : Date.now();
    // The time axis grows with the samples, from a minute up to the whole window.
    const first = this.samples.length ? this.samples[0].time : now;
    const span = Math.min(this.windowMs, Math.max(60000, now - first));
    const x = (time) => right - ((now - time) / span) * (right - left);

    context.lineWidth = 1;
    context.fillStyle = AXIS;
    context.textBaseline = 'middle';
    context.textAlign = 'right';
    for (let i = 0; i <= TICKS; i++) {
      const value = bottom + ((top - bottom) * i) / TICKS;
      const at = Math.round(y(value)) + 0.5;
      context.strokeStyle = value === 0 ? AXIS : GRID;
      context.beginPath();
      context.moveTo(left, at);
      context.lineTo(right, at);
      context.stroke();
      context.fillText(shortNumber(value), left - 4, at);
    }
    context.textAlign = 'center';
    context.textBaseline = 'top';
    const every = [10000, 15000, 30000, 60000, 120000, 300000].find((interval) => span / interval <= 6);
    for (let ago = 0; ago <= span; ago += every) {
      const label = ago === 0 ? 'now' : ago % 60000 === 0 ? `-${ago / 60000}m` : `-${ago / 1000}s`;
      context.fillText(label, Math.min(Math.max(x(now - ago), left + 12), right - 14), plotBottom + 5);
    }

    context.save();
    context.beginPath();
    context.rect(left, plotTop - 2, right - left, plotBottom - plotTop + 4);
    context.clip();
    context.lineWidth = 2;
    context.lineJoin = 'round';
    for (const one of this.series) {
      context.strokeStyle = one.colour;
      context.setLineDash(one.dash);
      context.beginPath();
      let drawing = false;
      for (const sample of this.samples) {
        const value = sample.values[one.key];
        if (typeof value !== 'number') {
          drawing = false;
          continue;
        }
        if (drawing) {
          context.lineTo(x(sample.time), y(value));
        } else {
          context.moveTo(x(sample.time), y(value));
          drawing = true;
        }
      }
      context.stroke();
      // The newest value as a dot, so a single sample shows too.
      const newest = this.samples.length ? this.samples[this.samples.length - 1].values[one.key] : null;
      if (typeof newest === 'number') {
        context.setLineDash([]);
        context.fillStyle = one.colour;
        context.beginPath();
        context.arc(x(now), y(newest), 3, 0, 2 * Math.PI);
        context.fill();
      }
    }
    context.restore();
    context.setLineDash([]);
  }

  dispose() {
    this.resizer.disconnect();
  }
}

/** Bars with a label each (a consumer group's lag per partition). */
export class BarChart {
  constructor({ title, unit = '', height = 160, id }) {
    this.title = title;
    this.unit = unit;
    this.height = height;
    this.bars = [];
    this.canvas = h('canvas', { role: 'img', 'aria-label': `${title}: no data` });
    this.canvas.style.height = `${height}px`;
    this.element = h('figure', { class: 'chart', id },
      h('figcaption', {}, title, unit ? h('span', { class: 'unit' }, ` (${unit})`) : null), this.canvas);
    this.resizer = new ResizeObserver(() => this.draw());
    this.resizer.observe(this.element);
  }

  set(bars) {
    this.bars = bars;
    this.element.dataset.last = JSON.stringify(bars);
    this.canvas.setAttribute('aria-label', `${this.title}: ${bars.map((bar) => `${bar.label} ${number(bar.value)}`).join(', ')}`);
    this.draw();
  }

  draw() {
    if (!this.canvas.isConnected) {
      return;
    }
    const { context, width, height } = prepare(this.canvas, this.height);
    const top = niceCeiling(Math.max(0, ...this.bars.map((bar) => bar.value)));
    let labelWidth = 0;
    for (let i = 0; i <= TICKS; i++) {
      labelWidth = Math.max(labelWidth, context.measureText(shortNumber((top * i) / TICKS)).width);
    }
    const left = 8 + labelWidth;
    const plotTop = 16;
    const plotBottom = height - 20;
    context.fillStyle = AXIS;
    context.textAlign = 'right';
    context.textBaseline = 'middle';
    for (let i = 0; i <= TICKS; i++) {
      const value = (top * i) / TICKS;
      const at = Math.round(plotBottom - (value / top) * (plotBottom - plotTop)) + 0.5;
      context.strokeStyle = i === 0 ? AXIS : GRID;
      context.beginPath();
      context.moveTo(left, at);
      context.lineTo(width - 8, at);
      context.stroke();
      context.fillText(shortNumber(value), left - 4, at);
    }
    const slot = (width - 8 - left) / Math.max(1, this.bars.length);
    const barWidth = Math.max(2, Math.min(48, slot * 0.7));
    context.textAlign = 'center';
    this.bars.forEach((bar, index) => {
      const centre = left + slot * index + slot / 2;
      const barTop = plotBottom - (bar.value / top) * (plotBottom - plotTop);
      context.fillStyle = COLOURS[0];
      context.fillRect(centre - barWidth / 2, barTop, barWidth, plotBottom - barTop);
      context.fillStyle = AXIS;
      context.textBaseline = 'top';
      if (slot > 18) {
        context.fillText(bar.label, centre, plotBottom + 5);
      }
      context.textBaseline = 'bottom';
      if (slot > 30) {
        context.fillText(shortNumber(bar.value), centre, barTop - 2);
      }
    });
  }

  dispose() {
    this.resizer.disconnect();
  }
}
