// Shape and dtype inference as a pass: re-runs every node's infer() on its inputs and checks the recorded
// output types against it, then verifies the graph's structure. It changes nothing; it stops a pipeline at the
// first node whose types a previous pass (or a hand-built graph) got wrong, naming that node.
import { CompileError } from '../../src/core/errors.js';
import type { TensorInfo } from '../../src/ops/registry.js';
import type { Value } from '../ir/func-graph.js';
import { fmtCall, fmtType, valueNames } from '../ir/printer.js';
import { verify } from '../ir/verifier.js';
import type { Pass } from './pass.js';

const fmtTypes = (ts: readonly TensorInfo[]): string => (ts.length ? ts.map(fmtType).join(', ') : 'no outputs');

/** Checks every node's output types against its primitive's infer(), then verify(); returns `g` unchanged. */
export const inferShapes: Pass = {
  name: 'infer-shapes',
  run(g, ctx) {
    const names = valueNames(g);
    const name = (v: Value): string => names.get(v) ?? `%?${v.id}`;
    g.nodes.forEach((node, i) => {
      const text = `${node.outputs.map(name).join(', ') || '_'} = ${fmtCall(node.op, node.inputs.map(name), node.attrs)}`;
      const at = node.location ? ` (called at ${node.location})` : '';
      let inferred: TensorInfo[];
      try {
        inferred = node.prim.infer(node.inputs, node.attrs);
      } catch (e) {
        throw new CompileError(`infer-shapes @${g.name}: node ${i} ${text}${at}: ${(e as Error).message}`);
      }
      const same = inferred.length === node.outputs.length && inferred.every((t, k) => {
        const o = node.outputs[k];
        return t.dtype === o.dtype && t.shape.length === o.shape.length && t.shape.every((d, j) => d === o.shape[j]);
      });
      if (!same)
        throw new CompileError(`infer-shapes @${g.name}: node ${i} ${text}${at} is recorded as ` +
          `${fmtTypes(node.outputs)}, ${node.op} infers ${fmtTypes(inferred)}`);
    });
    verify(g);
    if (ctx.debug) ctx.log(`infer-shapes: ${g.nodes.length} nodes agree with their primitives' infer()`);
    return g;
  },
};
