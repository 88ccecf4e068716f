// plotModel (Keras `plot_model` / `model_to_dot`): the layer graph as Graphviz DOT text and as an SVG drawn here,
// without external tools: layers are ranked by their longest path from the inputs, boxes laid out row by row,
// arrows from each layer to the layers it feeds.
import { writeFileSync } from 'node:fs';
import type { AnyLayer } from './layer.js';
import { Functional } from './functional.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';

/** The two renderings plotModel writes. */
export interface ModelPlot {
  /** Graphviz DOT source. */
  dot: string;
  /** A standalone SVG document. */
  svg: string;
}

interface Graph {
  title: string;
  boxes: { name: string; type: string }[];
  edges: [string, string][];
}

// Functional: edges from the configs' node arguments; Sequential: a chain; a subclassed model: boxes only.
function graphOf(model: Model): Graph {
  const layers: AnyLayer[] = model.layers;
  const edges: [string, string][] = [];
  if (model instanceof Functional) {
    edges.push(...model.layerEdges());
  } else if (model instanceof Sequential) {
    for (let i = 1; i < layers.length; i++) edges.push([layers[i - 1].name, layers[i].name]);
  }
  return { title: model.name, boxes: layers.map((l) => ({ name: l.name, type: l.constructor.name })), edges };
}

function dotId(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The layer graph of `model` as Graphviz DOT (Keras `model_to_dot`). */
export function modelToDot(model: Model): string {
  const g = graphOf(model);
  const lines = [`digraph ${dotId(g.title)} {`, '  rankdir=TB;', '  node [shape=record, fontname="Helvetica"];'];
  for (const b of g.boxes) lines.push(`  ${dotId(b.name)} [label=${dotId(`${b.name}|${b.type}`)}];`);
  for (const [a, b] of g.edges) lines.push(`  ${dotId(a)} -> ${dotId(b)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

const CHAR_W = 7, BOX_H = 40, GAP_X = 30, GAP_Y = 40, MARGIN = 20;

function toSvg(g: Graph): string {
  // Rank: longest path from a layer with no inbound edge (edges only go forward in a layer graph).
  const rank = new Map<string, number>(g.boxes.map((b) => [b.name, 0]));
  for (let changed = true, guard = 0; changed && guard <= g.boxes.length; guard++) {
    changed = false;
    for (const [a, b] of g.edges) {
      const r = (rank.get(a) ?? 0) + 1;
      if (r > (rank.get(b) ?? 0)) {
        rank.set(b, r);
        changed = true;
      }
    }
  }
  const rows: { name: string; type: string }[][] = [];
  for (const b of g.boxes) (rows[rank.get(b.name)!] ??= []).push(b);
  const width = (b: { name: string; type: string }): number => Math.max(b.name.length, b.type.length) * CHAR_W + 20;
  const rowWidths = rows.map((r) => (r ?? []).reduce((w, b) => w + width(b), 0) + GAP_X * ((r ?? []).length - 1));
  const total = Math.max(0, ...rowWidths) + 2 * MARGIN;
  const pos = new Map<string, { x: number; y: number; w: number }>();
  rows.forEach((r, i) => {
    let x = (total - rowWidths[i]) / 2;
    for (const b of r ?? []) {
      pos.set(b.name, { x, y: MARGIN + i * (BOX_H + GAP_Y), w: width(b) });
      x += width(b) + GAP_X;
    }
  });
  const height = 2 * MARGIN + rows.length * BOX_H + Math.max(0, rows.length - 1) * GAP_Y;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${height}" viewBox="0 0 ${total} ${height}" ` +
      `font-family="Helvetica, sans-serif" font-size="12">`,
    `  <title>${xml(g.title)}</title>`,
    '  <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" ' +
      'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
  ];
  for (const b of g.boxes) {
    const p = pos.get(b.name)!;
    out.push(`  <g class="layer"><rect x="${p.x}" y="${p.y}" width="${p.w}" height="${BOX_H}" rx="4" fill="#eef" ` +
      `stroke="#333"/><text x="${p.x + p.w / 2}" y="${p.y + 16}" text-anchor="middle">${xml(b.name)}</text>` +
      `<text x="${p.x + p.w / 2}" y="${p.y + 32}" text-anchor="middle" fill="#555">${xml(b.type)}</text></g>`);
  }
  for (const [a, b] of g.edges) {
    const p = pos.get(a), q = pos.get(b);
    if (!p || !q) continue;
    out.push(`  <line class="edge" x1="${p.x + p.w / 2}" y1="${p.y + BOX_H}" x2="${q.x + q.w / 2}" y2="${q.y}" ` +
      `stroke="#333" marker-end="url(#arrow)"/>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * Draws the layer graph of `model` (Keras `plot_model`): writes the SVG to `toFile` and the DOT source next to it
 * (same name, extension .dot), and returns both.
 */
export function plotModel(model: Model, toFile = 'model.svg'): ModelPlot {
  const plot = { dot: modelToDot(model), svg: toSvg(graphOf(model)) };
  writeFileSync(toFile, plot.svg);
  writeFileSync(toFile.replace(/\.svg$/i, '') + '.dot', plot.dot);
  return plot;
}
