// The fusion rules, in one place: how each primitive kind takes part in fusion, and when a producer may join
// its consumers' step. compiler/plan/fuse.ts applies them; nothing else looks at op names or kinds.
import type { Node, Value } from '../ir/func-graph.js';
import { sameShape } from '../../src/ops/shape-utils.js';

/** How fusion treats a node. */
export type FusionRole =
  /** Computes element i of its output from element i (or a broadcast element) of its inputs. */
  | 'elementwise'
  /** A reduction: the root of a fused reduce, with elementwise producers and consumers around it. */
  | 'reduction'
  /** A library call (oneDNN): matmul, conv, pooling; an elementwise chain may follow it as an epilogue. */
  | 'library'
  /** A data-movement copy that stays its own step. */
  | 'movement'
  /** Same bytes, another shape: costs nothing and aliases its input. */
  | 'view'
  /** A variable update. */
  | 'state'
  /** Anything else: its own kernel, its own step. */
  | 'kernel';

// Movement primitives that are pure index maps within one loop (a broadcast reads its input with zero
// strides), so they fuse like elementwise ops.
const INDEX_MAP_MOVEMENT = new Set(['broadcastTo']);
// Movement primitives whose output is the input's bytes under another shape.
const VIEW_MOVEMENT = new Set(['reshape']);

/** The role of `node`; `isGraphOutput` says whether its result is returned (a returned reshape is a copy). */
export function fusionRole(node: Node, isGraphOutput: boolean): FusionRole {
  const kind = node.prim.kind;
  if (kind === 'state') return 'state';
  if (node.outputs.length !== 1) return 'kernel';
  switch (kind) {
    case 'elementwise': return 'elementwise';
    case 'reduction': return 'reduction';
    case 'contraction': case 'convolution': case 'pooling': return 'library';
    case 'movement':
      if (INDEX_MAP_MOVEMENT.has(node.op)) return 'elementwise';
      // A graph output must own its buffer, so a reshape that is returned copies.
      return VIEW_MOVEMENT.has(node.op) && !isGraphOutput ? 'view' : 'movement';
    default: return 'kernel';
  }
}

/**
 * Whether a producer's output may join a loop over `space`: only elementwise values of exactly that shape
 * (so the loop reads it at the same index it computes it; a smaller, broadcast operand comes from memory,
 * since fusing it would recompute it per broadcast element).
 */
export function joinsLoop(role: FusionRole, value: Value, space: readonly number[]): boolean {
  return role === 'elementwise' && sameShape(value.shape, space);
}

/**
 * Whether `root` (a reduction or a library call) may take the loop `nodes` over `space` as its epilogue.
 * A reduction takes any elementwise DAG over its output space. A library call takes a chain: each node
 * consumes the previous result once, plus operands from memory (bias, residual), as oneDNN post-ops do.
 */
export function takesEpilogue(root: Node, role: FusionRole, nodes: ReadonlySet<Node>, order: (n: Node) => number,
                              space: readonly number[]): boolean {
  if (!sameShape(root.outputs[0].shape, space)) return false;
  if (role === 'reduction') return true;
  if (role !== 'library') return false;
  let acc = root.outputs[0];
  for (const n of [...nodes].sort((a, b) => order(a) - order(b))) {
    if (n.inputs.filter((v) => v === acc).length !== 1) return false;
    if (n.inputs.some((v) => v !== acc && v.def.kind === 'node' && nodes.has(v.def.node))) return false;
    acc = n.outputs[0];
  }
  return true;
}
