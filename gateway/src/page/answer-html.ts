import { esc } from './html-text.js';

/**
 * Answers rendered for people: a classifier's label with a bar per class probability, a
 * regression's value, a notebook's outputs (tables as tables, images, JSON pretty-printed).
 */

const PROBABILITY = /^probabilit(?:y|ies)[(_](.+?)\)?$/i;

/** One prediction of a model. */
export function predictionHtml(prediction: unknown): string {
  if (prediction === null || typeof prediction !== 'object' || Array.isArray(prediction))
    return valueHtml('prediction', prediction);
  const entries = Object.entries(prediction as Record<string, unknown>);
  const bars: [string, number][] = [];
  const values: [string, unknown][] = [];
  for (const [key, value] of entries) {
    const m = PROBABILITY.exec(key);
    if (m && typeof value === 'number') bars.push([m[1]!, value]);
    else if (isProbabilityMap(key, value))
      for (const [label, p] of Object.entries(value)) bars.push([label, p]);
    else values.push([key, value]);
  }
  bars.sort((a, b) => b[1] - a[1]);
  return values.map(([k, v]) => valueHtml(k, v)).join('') + (bars.length ? barsHtml(bars) : '');
}

function isProbabilityMap(key: string, value: unknown): value is Record<string, number> {
  return (
    /^probabilit(y|ies)$/i.test(key) &&
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'number')
  );
}

function valueHtml(name: string, value: unknown): string {
  const shown =
    typeof value === 'number'
      ? formatNumber(value)
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  if (typeof value === 'object' && value !== null)
    return `<p class="meta">${esc(name)}</p><pre>${esc(JSON.stringify(value, null, 2))}</pre>`;
  return `<p class="meta">${esc(name)}</p><p class="value" data-output="${esc(name)}">${esc(shown)}</p>`;
}

function barsHtml(bars: [string, number][]): string {
  const items = bars.map(([label, p]) => {
    const pct = Math.max(0, Math.min(100, p * 100));
    return `<li><span>${esc(label)}</span><span class="bar" role="img" aria-label="${esc(label)}: ${pct.toFixed(1)}%"><span style="width:${pct.toFixed(2)}%"></span></span><span class="num">${pct.toFixed(1)}%</span></li>`;
  });
  return `<p class="meta">probabilities</p><ul class="bars">${items.join('')}</ul>`;
}

const formatNumber = (n: number) =>
  Number.isInteger(n)
    ? String(n)
    : Math.abs(n) >= 1e-4 && Math.abs(n) < 1e9
      ? String(Number(n.toPrecision(6)))
      : n.toExponential(4);

/** The outputs of a notebook run, one after the other. */
export function outputsHtml(outputs: unknown[]): string {
  if (outputs.length === 0) return '<p class="meta">The run had no outputs.</p>';
  return outputs
    .map((o, i) => `<div class="output" data-index="${i}">${outputHtml(o)}</div>`)
    .join('');
}

function outputHtml(output: unknown): string {
  if (typeof output === 'string') {
    if (/^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(output))
      return `<img src="${esc(output)}" alt="image output">`;
    return `<pre>${esc(output)}</pre>`;
  }
  if (typeof output === 'number') return `<p class="value">${esc(formatNumber(output))}</p>`;
  if (isRecordTable(output)) return tableHtml(output);
  return `<pre>${esc(JSON.stringify(output, null, 2))}</pre>`;
}

function isRecordTable(v: unknown): v is Record<string, unknown>[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))
  );
}

/** Rows of records as a table: one column per key, in the order keys first appear. */
export function tableHtml(rows: Record<string, unknown>[], caption?: string): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) =>
    v === undefined
      ? ''
      : esc(
          typeof v === 'string' ? v : typeof v === 'number' ? formatNumber(v) : JSON.stringify(v),
        );
  const head = columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td>${cell(r[c])}</td>`).join('')}</tr>`);
  const cap = caption ? `<caption>${esc(caption)}</caption>` : '';
  return `<div class="table"><table>${cap}<thead><tr>${head}</tr></thead><tbody>${body.join('')}</tbody></table></div>`;
}
