// Readable text of a FuncGraph: what the debug flag prints and what tests compare. Values are numbered in
// print order (inputs, state, constants, node outputs), so equal graphs print equal text.
import type { DType } from '../../src/core/dtype.js';
import type { TensorInfo } from '../../src/ops/registry.js';
import type { FuncGraph, Value } from './func-graph.js';

const SHORT: Record<DType, string> = { float32: 'f32', float64: 'f64', int32: 'i32', bool: 'bool' };

/** `f32[2,3]`: a value's dtype and shape as the printer and IR error messages show them. */
export function fmtType(t: TensorInfo): string {
  return `${SHORT[t.dtype]}[${t.shape.join(',')}]`;
}

function fmtNumber(x: number | boolean): string {
  return typeof x === 'boolean' ? String(x) : String(Number(x.toPrecision(6)));
}

function fmtAttr(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(fmtAttr).join(',')}]`;
  if (typeof x === 'string') return JSON.stringify(x);
  if (x !== null && typeof x === 'object')
    return `{${Object.entries(x).map(([k, v]) => `${k}: ${fmtAttr(v)}`).join(', ')}}`;
  return String(x);
}

// Constants this small show their values inline.
const INLINE_ELEMENTS = 8;

function fmtValues(x: unknown): string {
  return Array.isArray(x) ? `[${x.map(fmtValues).join(', ')}]` : fmtNumber(x as number | boolean);
}

/** Prints `graph` as text: a `func` header, one line per state value, constant and node, then `return`. */
export function printGraph(graph: FuncGraph): string {
  const names = new Map<Value, string>();
  const name = (v: Value): string => names.get(v) ?? `%?${v.id}`;
  let n = 0;
  const number = (v: Value, label?: string): string => {
    const s = label && /^[A-Za-z_][\w.]*$/.test(label) && ![...names.values()].includes(`%${label}`)
      ? `%${label}` : `%${n}`;
    n++;
    names.set(v, s);
    return s;
  };
  const params = graph.inputs.map((v) => `${number(v, v.name)}: ${fmtType(v)}`);
  const lines = [`func @${graph.name}(${params.join(', ')}) -> (${graph.outputs.map(fmtType).join(', ')})`];
  for (const s of graph.state) lines.push(`  ${number(s)} = state ${JSON.stringify(s.name ?? '')} ${fmtType(s)}`);
  for (const c of graph.constants) {
    const t = c.def.kind === 'constant' ? c.def.tensor : null;
    const inline = t && !t.isDisposed && t.size <= INLINE_ELEMENTS ? ` ${fmtValues(t.array())}` : '';
    lines.push(`  ${number(c)} = constant${inline} ${fmtType(c)}`);
  }
  for (const node of graph.nodes) {
    const args = node.inputs.map(name).join(', ');
    const attrs = Object.keys(node.attrs).length ? ` ${fmtAttr(node.attrs)}` : '';
    const call = `${node.op}(${args})${attrs}`;
    if (node.outputs.length === 0) {
      lines.push(`  ${call}`);
      continue;
    }
    const outs = node.outputs.map((v) => number(v)).join(', ');
    lines.push(`  ${outs} = ${call} ${node.outputs.map(fmtType).join(', ')}`);
  }
  lines.push(`  return ${graph.outputs.map(name).join(', ')}`);
  return lines.join('\n');
}
