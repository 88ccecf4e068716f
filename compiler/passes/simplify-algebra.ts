// Algebraic simplification: local rewrites that remove work without changing a single result bit (up to the
// sign of a zero for x + 0). Each rule replaces a node's output only by a value of exactly its shape and dtype:
// x * 1 where the 1 broadcasts x to a bigger shape is a broadcast, not x, and stays as it is.
import { getPrimitive, type Attrs, type TensorInfo } from '../../src/ops/registry.js';
import type { Node, Value } from '../ir/func-graph.js';
import { rewriteGraph, type Rewriter } from '../ir/rewrite.js';
import type { Pass } from './pass.js';
import { sameTensorInfo } from '../../src/ops/shape-utils.js';

/** The node defining `v` when it applies `op`. */
function producer(v: Value, op: string): Node | null {
  return v.def.kind === 'node' && v.def.node.op === op ? v.def.node : null;
}

/** True when `v` is a constant whose every element equals `k` (0 matches -0). */
function isConstant(v: Value, k: number): boolean {
  if (v.def.kind !== 'constant' || v.dtype === 'bool') return false;
  const data = v.def.tensor.dataSync();
  for (let i = 0; i < data.length; i++) if (data[i] !== k) return false;
  return true;
}

const isIdentityPerm = (perm: readonly number[]): boolean => perm.every((p, i) => p === i);

/** A simplified value for one output and the rule's name, or null when no rule applies. */
type Simplified = { value: Value; rule: string } | null;

/** The rules, by primitive; each sees the node's (already simplified) inputs in the new graph. */
const RULES: Record<string, (out: Value, inputs: readonly Value[], attrs: Attrs, rw: Rewriter) => Simplified> = {
  mul: (out, [a, b]) =>
    isConstant(b, 1) && sameTensorInfo(a, out) ? { value: a, rule: 'x*1' }
      : isConstant(a, 1) && sameTensorInfo(b, out) ? { value: b, rule: '1*x' } : null,
  add: (out, [a, b]) =>
    isConstant(b, 0) && sameTensorInfo(a, out) ? { value: a, rule: 'x+0' }
      : isConstant(a, 0) && sameTensorInfo(b, out) ? { value: b, rule: '0+x' } : null,
  sub: (out, [a, b]) => (isConstant(b, 0) && sameTensorInfo(a, out) ? { value: a, rule: 'x-0' } : null),
  div: (out, [a, b]) => (isConstant(b, 1) && sameTensorInfo(a, out) ? { value: a, rule: 'x/1' } : null),
  neg: (_out, [a]) => {
    const inner = producer(a, 'neg');
    return inner ? { value: inner.inputs[0], rule: 'neg(neg(x))' } : null;
  },
  cast: (out, [a]) => (sameTensorInfo(a, out) ? { value: a, rule: 'cast to the same dtype' } : null),
  transpose: (_out, [a], attrs, rw) => {
    const perm = attrs.perm as number[];
    if (isIdentityPerm(perm)) return { value: a, rule: 'identity transpose' };
    const inner = producer(a, 'transpose');
    if (!inner) return null;
    // transpose(transpose(x, p), q) takes output axis i from axis p[q[i]] of x.
    const innerPerm = inner.attrs.perm as number[];
    const composed = perm.map((q) => innerPerm[q]);
    const x = inner.inputs[0];
    if (isIdentityPerm(composed)) return { value: x, rule: 'transpose∘transpose = identity' };
    return { value: rw.emit(getPrimitive('transpose'), [x], { perm: composed })[0], rule: 'transpose∘transpose' };
  },
  reshape: (out, [a], _attrs, rw) => {
    if (sameTensorInfo(a, out)) return { value: a, rule: 'reshape to the same shape' };
    const inner = producer(a, 'reshape');
    if (!inner) return null;
    const x = inner.inputs[0];
    if (sameTensorInfo(x, out)) return { value: x, rule: 'reshape∘reshape = identity' };
    return { value: rw.emit(getPrimitive('reshape'), [x], { shape: [...out.shape] })[0], rule: 'reshape∘reshape' };
  },
  broadcastTo: (out, [a], _attrs, rw) => {
    if (sameTensorInfo(a, out)) return { value: a, rule: 'broadcast to the same shape' };
    const inner = producer(a, 'broadcastTo');
    if (!inner) return null;
    return {
      value: rw.emit(getPrimitive('broadcastTo'), [inner.inputs[0]], { shape: [...out.shape] })[0],
      rule: 'broadcastTo∘broadcastTo',
    };
  },
};

/**
 * Inputs of an elementwise node with explicit broadcasts replaced by what they broadcast, where the primitive
 * broadcasts that input itself to the same result type; null when none can go.
 */
function withoutBroadcasts(node: Node, inputs: readonly Value[]): Value[] | null {
  if (node.prim.kind !== 'elementwise' || inputs.length < 2) return null;
  let result: Value[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const b = producer(inputs[i], 'broadcastTo');
    if (!b) continue;
    const trial: Value[] = [...(result ?? inputs)];
    trial[i] = b.inputs[0];
    let types: TensorInfo[];
    try {
      types = node.prim.infer(trial, node.attrs);
    } catch {
      continue; // the primitive does not broadcast this input to the same shape
    }
    if (types.length === node.outputs.length && types.every((t, k) => sameTensorInfo(t, node.outputs[k]))) result = trial;
  }
  return result;
}

/** Rewrites x*1, x+0, x-0, x/1, neg∘neg, transpose and reshape chains, same-type casts and broadcasts. */
export const simplifyAlgebra: Pass = {
  name: 'simplify-algebra',
  run(g, ctx) {
    let changes = 0;
    const out = rewriteGraph(g, (node, mapped, rw) => {
      let inputs: readonly Value[] = mapped;
      const direct = withoutBroadcasts(node, mapped);
      if (direct) {
        changes++;
        inputs = direct;
        if (ctx.debug)
          ctx.log(`simplify-algebra: ${rw.source(node)} takes ${direct.map((v) => rw.describe(v)).join(', ')} ` +
            `(the primitive broadcasts)`);
      }
      const rule = node.outputs.length === 1 ? RULES[node.op] : undefined;
      const simplified = rule ? rule(node.outputs[0], inputs, node.attrs, rw) : null;
      if (simplified && sameTensorInfo(simplified.value, node.outputs[0])) {
        changes++;
        if (ctx.debug)
          ctx.log(`simplify-algebra: ${rw.source(node)} replaced by ${rw.describe(simplified.value)} (${simplified.rule})`);
        return [simplified.value];
      }
      return direct ? rw.copy(node, inputs) : 'copy';
    });
    return changes ? out : g;
  },
};
