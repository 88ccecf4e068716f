// Where a plan writes each variable's new value, and whether it may write it over the old one. A fused loop
// whose output is assigned to a variable writes that output straight into the variable's new buffer (no arena
// value, no copy); a variable may be updated in place (its new buffer is its old one) when nothing reads the old
// value after that write, except the writing loop itself at its own index (elementwise, same shape).
import type { Value } from '../../compiler/ir/func-graph.js';
import { rootOf, valueBytes, viewRoots } from '../../compiler/plan/liveness.js';
import type { ExecutionPlan, Step } from '../../compiler/plan/plan.js';
import { sameShape } from '../../src/ops/shape-utils.js';

/** What describePlan does with the plan's state writes. */
export interface StateWrites {
  /** Values written directly into state j's new buffer by the fused loop that computes them (value → j). */
  readonly direct: ReadonlyMap<Value, number>;
  /** Per state value: its new value may go into the buffer holding the old one. */
  readonly inPlace: readonly boolean[];
}

/**
 * Decides the state writes of `plan`; `lowered(step)` says whether a fused step runs as one JIT kernel (only
 * those, which read all of element i before writing element i, may write a variable directly).
 */
export function stateWrites(plan: ExecutionPlan, lowered: (step: Step) => boolean): StateWrites {
  const { graph, steps } = plan;
  const roots = viewRoots(steps);
  const producer = new Map<Value, Step>();
  for (const s of steps) for (const v of s.outputs) producer.set(v, s);
  const assigns = new Map<number, Step[]>();
  for (const s of steps)
    if (s.kind === 'state') {
      const j = graph.state.indexOf(s.nodes[0].inputs[0]);
      if (j >= 0) assigns.set(j, [...(assigns.get(j) ?? []), s]);
    }
  const returned = new Set(graph.outputs.map((v) => rootOf(roots, v)));
  const direct = new Map<Value, number>();
  const inPlace = graph.state.map(() => false);
  for (const [j, list] of assigns) {
    if (list.length !== 1) continue;
    const state = graph.state[j];
    const value = list[0].nodes[0].inputs[1];
    const p = producer.get(value);
    const writer = p && p.kind === 'fusedLoop' && lowered(p) && !direct.has(value) && !returned.has(value) &&
      valueBytes(value) === valueBytes(state) && value.dtype === state.dtype ? p : null;
    if (writer) direct.set(value, j);
    // The old value must not be read after the write (the writer itself may read it at its own index), nor be
    // a graph output (those are copied out after the last step).
    const at = writer ? writer.index : list[0].index;
    const readsOld = (s: Step): boolean => s.kind !== 'state' && s.inputs.some((v) => rootOf(roots, v) === state);
    inPlace[j] = !returned.has(state) &&
      steps.every((s) => s.index <= at || !readsOld(s)) &&
      (!writer || writer.inputs.every((v) => rootOf(roots, v) !== state || sameShape(v.shape, writer.space)));
  }
  return { direct, inPlace };
}
