// Constant folding: a node whose inputs are all constants runs once, now, on the eager kernels, and its outputs
// become constants. Random and state nodes must run at every execution and are never folded; nor is a node whose
// result would hold more elements than its inputs together (broadcastTo, tile, pad...), which would trade a
// cheap loop for constant memory and hide scalar broadcasts from simplify-algebra.
import { sizeOf } from '../../src/core/tensor.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { Value } from '../ir/func-graph.js';
import { fmtType } from '../ir/printer.js';
import { rewriteGraph } from '../ir/rewrite.js';
import type { Pass } from './pass.js';

// Small results show their values, as printGraph shows small constants.
const INLINE_ELEMENTS = 8;
function fmtConstant(c: Value): string {
  const t = c.def.kind === 'constant' ? c.def.tensor : null;
  return `constant${t && t.size <= INLINE_ELEMENTS ? ` ${JSON.stringify(t.array())}` : ''} ${fmtType(c)}`;
}

/** Replaces nodes with all-constant inputs (no random or state ops, no growth of constant data) by constants. */
export const foldConstants: Pass = {
  name: 'fold-constants',
  run(g, ctx) {
    let folded = 0;
    const out = rewriteGraph(g, (node, inputs, rw) => {
      if (node.prim.kind === 'random' || node.prim.kind === 'state' || inputs.length === 0) return 'copy';
      const tensors: Tensor[] = [];
      for (const v of inputs) {
        if (v.def.kind !== 'constant') return 'copy';
        tensors.push(v.def.tensor);
      }
      const inputElements = tensors.reduce((n, t) => n + t.size, 0);
      if (node.outputs.reduce((n, o) => n + sizeOf(o.shape), 0) > inputElements) return 'copy';
      // The eager kernel directly, not dispatch: nothing here must be recorded on a tape or by a tracer.
      const results = node.prim.eager(tensors, node.attrs, node.outputs);
      const constants = results.map((t) => rw.constant(t));
      folded++;
      if (ctx.debug) ctx.log(`fold-constants: ${rw.source(node)} folded to ${constants.map(fmtConstant).join(', ')}`);
      return constants;
    });
    return folded ? out : g;
  },
};
