// Common-subexpression elimination: two nodes applying the same primitive to the same values with equal
// attributes compute the same thing, so the later one is replaced by the earlier one's outputs. Constants
// holding identical data (same dtype, shape and bytes) are merged first, so expressions over equal constants
// match too. Random and state nodes are never merged: each must run as written.
import type { Tensor } from '../../src/core/tensor.js';
import type { Value } from '../ir/func-graph.js';
import { rewriteGraph } from '../ir/rewrite.js';
import type { Pass } from './pass.js';

/** JSON with object keys sorted, so attrs that are equal as values give equal text. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  // Object.is distinguishes -0 from 0, which JSON.stringify would not (x / -0 is not x / 0).
  return Object.is(x, -0) ? '-0' : JSON.stringify(x) ?? 'undefined';
}

/** dtype, shape and the exact bytes of a constant (so -0, 0 and NaN payloads stay apart). */
function contentKey(t: Tensor): string {
  const d = t.dataSync();
  return `${t.dtype}[${t.shape.join(',')}]:${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64')}`;
}

/** Merges equal constants and nodes that repeat an earlier node (same primitive, inputs and attrs). */
export const eliminateCommonSubexpressions: Pass = {
  name: 'cse',
  run(g, ctx) {
    let merged = 0;
    const constants = new Map<string, Value>();
    const seen = new Map<string, readonly Value[]>();
    const replaced = new Set<Value>();
    const out = rewriteGraph(g, (node, mapped, rw) => {
      const canonicalInput = (v: Value): Value => {
        if (v.def.kind !== 'constant') return v;
        const key = contentKey(v.def.tensor);
        const first = constants.get(key);
        if (!first) constants.set(key, v);
        else if (first !== v && !replaced.has(v)) {
          replaced.add(v);
          merged++;
          if (ctx.debug) ctx.log(`cse: ${rw.describe(v)} replaced by ${rw.describe(first)} (equal constants)`);
        }
        return first ?? v;
      };
      const inputs = mapped.map(canonicalInput);
      if (node.prim.kind === 'random' || node.prim.kind === 'state' || node.outputs.length === 0)
        return rw.copy(node, inputs);
      const key = `${node.op}(${inputs.map((v) => v.id).join(',')})${canonical(node.attrs)}`;
      const earlier = seen.get(key);
      if (earlier) {
        merged++;
        if (ctx.debug) ctx.log(`cse: ${rw.source(node)} replaced by ${earlier.map((v) => rw.describe(v)).join(', ')}`);
        return earlier;
      }
      const outs = rw.copy(node, inputs);
      seen.set(key, outs);
      return outs;
    });
    return merged ? out : g;
  },
};
