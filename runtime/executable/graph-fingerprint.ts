// The first-level compile cache's key: a canonical text of a traced FuncGraph, before optimization. It holds
// everything optimize → planGraph → describePlan read: the graph's name (kernel symbols carry it), inputs',
// state and constants' types, every constant's content (SHA-256 of its bytes, so constants of
// equal shape but different values differ), every node's op, attrs, operands (by definition order) and result
// types, and the outputs. Names and source locations are left out: they change no compiled code.
import { createHash } from 'node:crypto';
import type { FuncGraph, Value } from '../../compiler/ir/func-graph.js';
import { fmtType } from '../../compiler/ir/printer.js';

/** An attrs value as canonical text, or null for one that has no canonical form (the graph is not cached). */
function canonical(x: unknown): string | null {
  if (x === undefined) return 'u';
  if (x === null) return 'n';
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'boolean' || typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'bigint') return `${x}n`;
  const items = Array.isArray(x) ? x : ArrayBuffer.isView(x) && !(x instanceof DataView)
    ? Array.from(x as unknown as ArrayLike<number | bigint>) : null;
  if (items) {
    const parts = items.map(canonical);
    return parts.includes(null) ? null : `[${parts.join(',')}]`;
  }
  const proto = typeof x === 'object' ? Object.getPrototypeOf(x) : undefined;
  if (proto !== Object.prototype && proto !== null) return null;
  const parts: string[] = [];
  for (const key of Object.keys(x as object).sort()) {
    const v = canonical((x as Record<string, unknown>)[key]);
    if (v === null) return null;
    parts.push(`${JSON.stringify(key)}:${v}`);
  }
  return `{${parts.join(',')}}`;
}

function constantHash(v: Value): string {
  if (v.def.kind !== 'constant') return 'none';
  const data = v.def.tensor.dataSync();
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

/**
 * The canonical text of `graph` (see above), or null when an attr has no canonical form. Graphs with equal
 * text optimize, plan and lower to the same description and code. Its cost is one pass over the nodes plus
 * hashing the constants' bytes.
 */
export function graphFingerprint(graph: FuncGraph): string | null {
  const index = new Map<Value, number>();
  const ref = (v: Value): string => {
    const i = index.get(v);
    return i === undefined ? `?${v.id}` : String(i);
  };
  const lines = [`graph ${JSON.stringify(graph.name)}`];
  for (const v of graph.inputs) {
    index.set(v, index.size);
    lines.push(`in ${fmtType(v)}`);
  }
  for (const v of graph.state) {
    index.set(v, index.size);
    lines.push(`state ${fmtType(v)}`);
  }
  for (const v of graph.constants) {
    index.set(v, index.size);
    lines.push(`const ${fmtType(v)} ${constantHash(v)}`);
  }
  for (const node of graph.nodes) {
    const attrs = canonical(node.attrs);
    if (attrs === null) return null;
    const outs = node.outputs.map((v) => {
      index.set(v, index.size);
      return fmtType(v);
    });
    lines.push(`${node.op}:${node.prim.kind}(${node.inputs.map(ref).join(',')}) ${attrs} -> ${outs.join(',')}`);
  }
  lines.push(`return ${graph.outputs.map(ref).join(',')}`);
  return lines.join('\n');
}
