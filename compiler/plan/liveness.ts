// Liveness of the arena's buffers over a plan's step order. A buffer is a value some step stores that is not a
// graph input, state, constant or output; a view (reshape) shares its input's buffer, so the buffer lives until
// the last use of any of its views. Values fused away inside a step have no buffer.
import { DTYPE_BYTES } from '../../src/core/dtype.js';
import { sizeOf } from '../../src/core/tensor.js';
import type { FuncGraph, Value } from '../ir/func-graph.js';
import type { Step } from './plan.js';

/** A buffer's live range: from the step that writes it to the last step that reads it, both included. */
export interface LiveInterval {
  /** The value that owns the buffer (views of it share it). */
  readonly value: Value;
  readonly start: number;
  readonly end: number;
  /** Unaligned size in bytes. */
  readonly bytes: number;
}

/** For every value a view step produces, the value whose bytes it shares (following chains of views). */
export function viewRoots(steps: readonly Step[]): Map<Value, Value> {
  const roots = new Map<Value, Value>();
  for (const s of steps)
    if (s.kind === 'view') {
      const input = s.nodes[0].inputs[0];
      roots.set(s.nodes[0].outputs[0], roots.get(input) ?? input);
    }
  return roots;
}

/** The buffer-owning value behind `v` (v itself unless v is a view). */
export function rootOf(roots: ReadonlyMap<Value, Value>, v: Value): Value {
  return roots.get(v) ?? v;
}

/** Bytes of a value's data. */
export function valueBytes(v: Value): number {
  return sizeOf(v.shape) * DTYPE_BYTES[v.dtype];
}

/** The live interval of every arena buffer of `steps`, in order of their first step. */
export function liveness(graph: FuncGraph, steps: readonly Step[]): LiveInterval[] {
  const returned = new Set(graph.outputs);
  const roots = viewRoots(steps);
  const intervals = new Map<Value, { start: number; end: number }>();
  for (const s of steps)
    if (s.kind !== 'view')
      for (const v of s.outputs) if (!returned.has(v)) intervals.set(v, { start: s.index, end: s.index });
  for (const s of steps)
    for (const v of s.inputs) {
      const live = intervals.get(rootOf(roots, v));
      if (live) live.end = Math.max(live.end, s.index);
    }
  return [...intervals].map(([value, { start, end }]) => ({ value, start, end, bytes: valueBytes(value) }));
}
