// The Keras-style model summary table: one row per layer (name, type, output shape, parameter count), then the
// totals with their memory size.
import { DTYPE_BYTES } from '../core/dtype.js';
import type { LayerWeight } from './layer-weight.js';

/** One row of the summary table. */
export interface SummaryRow {
  /** "name (ClassName)". */
  layer: string;
  /** Formatted output shape, e.g. "(32, 10)". */
  outputShape: string;
  /** Parameter count. */
  params: number;
  /** Inbound layers of a functional model's layer, e.g. "dense[0][0]" ("-" for inputs); the column shows when set. */
  connectedTo?: string;
}

function count(ws: readonly LayerWeight[]): number {
  return ws.reduce((n, w) => n + w.peek().size, 0);
}

function bytes(ws: readonly LayerWeight[]): number {
  return ws.reduce((n, w) => n + w.peek().size * DTYPE_BYTES[w.dtype], 0);
}

// Keras `readable_memory_size`: powers of 1024, two decimals.
function readableSize(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(2)} ${units[i]}`;
}

/** The summary table of a model named `title` with these rows and weights. */
export function formatSummary(title: string, rows: readonly SummaryRow[], trainable: readonly LayerWeight[],
                              nonTrainable: readonly LayerWeight[]): string {
  const connected = rows.some((r) => r.connectedTo !== undefined);
  const header = ['Layer (type)', 'Output Shape', 'Param #', ...(connected ? ['Connected to'] : [])];
  const cells = rows.map((r) => [r.layer, r.outputShape, r.params.toLocaleString('en-US'),
    ...(connected ? [r.connectedTo ?? '-'] : [])]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)) + 2);
  const line = (l: string, m: string, r: string, fill: string): string =>
    l + widths.map((w) => fill.repeat(w)).join(m) + r;
  const row = (v: string, cells: string[]): string =>
    v + cells.map((c, i) => ` ${i === 2 ? c.padStart(widths[i] - 2) : c.padEnd(widths[i] - 2)} `).join(v) + v;
  const out = [`Model: "${title}"`, line('┏', '┳', '┓', '━'), row('┃', header), line('┡', '╇', '┩', '━')];
  cells.forEach((c, i) => {
    out.push(row('│', c));
    out.push(i < cells.length - 1 ? line('├', '┼', '┤', '─') : line('└', '┴', '┘', '─'));
  });
  const all = [...trainable, ...nonTrainable];
  const total = (label: string, ws: readonly LayerWeight[]): string =>
    ` ${label}: ${count(ws).toLocaleString('en-US')} (${readableSize(bytes(ws))})`;
  out.push(total('Total params', all), total('Trainable params', trainable),
    total('Non-trainable params', nonTrainable));
  return out.join('\n');
}
