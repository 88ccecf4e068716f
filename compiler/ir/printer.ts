// Readable text of a FuncGraph: what the debug flag prints and what tests compare. Values are numbered in
// print order (inputs, state, constants, node outputs), so equal graphs print equal text.
import type { DType } from '../../src/core/dtype.js';
import type { Attrs, TensorInfo } from '../../src/ops/registry.js';
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

/** The names printGraph gives the values of `graph` (`%x` for a named input, else `%<print position>`). */
export function valueNames(graph: FuncGraph): Map<Value, string> {
  const names = new Map<Value, string>();
  let n = 0;
  const number = (v: Value, label?: string): void => {
    names.set(v, label && /^[A-Za-z_][\w.]*$/.test(label) && ![...names.values()].includes(`%${label}`)
      ? `%${label}` : `%${n}`);
    n++;
  };
  for (const v of graph.inputs) number(v, v.name);
  for (const v of [...graph.state, ...graph.constants]) number(v);
  for (const node of graph.nodes) for (const v of node.outputs) number(v);
  return names;
}

/** `op(%a, %b) {attrs}`: one node's call as printGraph shows it. */
export function fmtCall(op: string, args: readonly string[], attrs: Attrs): string {
  return `${op}(${args.join(', ')})${Object.keys(attrs).length ? ` ${fmtAttr(attrs)}` : ''}`;
}

/** Prints `graph` as text: a `func` header, one line per state value, constant and node, then `return`. */
export function printGraph(graph: FuncGraph): string {
  const names = valueNames(graph);
  const name = (v: Value): string => names.get(v) ?? `%?${v.id}`;
  const params = graph.inputs.map((v) => `${name(v)}: ${fmtType(v)}`);
  const lines = [`func @${graph.name}(${params.join(', ')}) -> (${graph.outputs.map(fmtType).join(', ')})`];
  for (const s of graph.state) lines.push(`  ${name(s)} = state ${JSON.stringify(s.name ?? '')} ${fmtType(s)}`);
  for (const c of graph.constants) {
    const t = c.def.kind === 'constant' ? c.def.tensor : null;
    const inline = t && !t.isDisposed && t.size <= INLINE_ELEMENTS ? ` ${fmtValues(t.array())}` : '';
    lines.push(`  ${name(c)} = constant${inline} ${fmtType(c)}`);
  }
  for (const node of graph.nodes) {
    const call = fmtCall(node.op, node.inputs.map(name), node.attrs);
    if (node.outputs.length === 0) {
      lines.push(`  ${call}`);
      continue;
    }
    const outs = node.outputs.map(name).join(', ');
    lines.push(`  ${outs} = ${call} ${node.outputs.map(fmtType).join(', ')}`);
  }
  lines.push(`  return ${graph.outputs.map(name).join(', ')}`);
  return lines.join('\n');
}
