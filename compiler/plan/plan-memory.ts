// Memory planning: every arena buffer gets a 64-byte-aligned offset such that buffers live at the same step
// never overlap (best-fit over the buffers already placed that are live at the same time), except that a
// fused loop may write an output over an input of the same size whose last use is that loop. Graph inputs,
// state, constants and outputs keep their own buffers; views share their input's location.
import { DTYPE_BYTES } from '../../src/core/dtype.js';
import type { FuncGraph, Value } from '../ir/func-graph.js';
import { sameShape } from '../../src/ops/shape-utils.js';
import { liveness, rootOf, valueBytes, viewRoots, type LiveInterval } from './liveness.js';
import type { InPlaceReuse, Location, MemoryPlan, Step } from './plan.js';

/** Arena offsets and sizes are multiples of this (a cache line; aligned SIMD loads). */
export const ARENA_ALIGN = 64;

const align = (n: number): number => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

interface Placed {
  readonly offset: number;
  readonly size: number;
  readonly live: LiveInterval;
}

const overlaps = (a: LiveInterval, b: LiveInterval): boolean => a.start <= b.end && b.start <= a.end;

/** The smallest gap among `others` that fits `size` bytes, else the end of the highest of them. */
function bestFit(size: number, others: readonly Placed[]): number {
  let cursor = 0;
  let best = -1, bestGap = Infinity;
  for (const o of [...others].sort((a, b) => a.offset - b.offset)) {
    const gap = o.offset - cursor;
    if (gap >= size && gap < bestGap) {
      best = cursor;
      bestGap = gap;
    }
    cursor = Math.max(cursor, o.offset + o.size);
  }
  return best >= 0 ? best : cursor;
}

/**
 * The input of fused loop `step` whose buffer `output` may take over: read at the loop's own index (same
 * shape as the loop, same element size), dead after the step, as large as the output, not already taken.
 */
function inPlaceSource(step: Step, output: Value, roots: ReadonlyMap<Value, Value>,
                       placed: ReadonlyMap<Value, Placed>, taken: ReadonlySet<Value>): Value | null {
  if (step.kind !== 'fusedLoop') return null;
  for (const input of step.inputs) {
    const root = rootOf(roots, input);
    const p = placed.get(root);
    if (!p || taken.has(root) || p.live.end !== step.index || p.live.bytes !== valueBytes(output) ||
        DTYPE_BYTES[input.dtype] !== DTYPE_BYTES[output.dtype]) continue;
    if (step.inputs.every((v) => rootOf(roots, v) !== root || sameShape(v.shape, step.space))) return input;
  }
  return null;
}

/** Plans the memory of `steps` (from fuse()) of `graph`. */
export function planMemory(graph: FuncGraph, steps: readonly Step[]): MemoryPlan {
  const locations = new Map<Value, Location>();
  graph.inputs.forEach((v, index) => locations.set(v, { where: 'input', index }));
  graph.state.forEach((v, index) => locations.set(v, { where: 'state', index }));
  graph.constants.forEach((v, index) => locations.set(v, { where: 'constant', index }));
  graph.outputs.forEach((v, index) => {
    if (!locations.has(v)) locations.set(v, { where: 'output', index });
  });

  const roots = viewRoots(steps);
  const intervals = liveness(graph, steps).sort((a, b) => a.start - b.start || b.bytes - a.bytes);
  const producer = new Map<Value, Step>();
  for (const s of steps) for (const v of s.outputs) producer.set(v, s);
  const placed = new Map<Value, Placed>();
  const taken = new Set<Value>();
  const inPlace: InPlaceReuse[] = [];
  for (const live of intervals) {
    const size = align(live.bytes);
    const step = producer.get(live.value)!;
    const source = inPlaceSource(step, live.value, roots, placed, taken);
    let offset: number;
    if (source) {
      const root = rootOf(roots, source);
      offset = placed.get(root)!.offset;
      taken.add(root);
      inPlace.push({ step: step.index, output: live.value, input: source });
    } else {
      offset = size === 0 ? 0 : bestFit(size, [...placed.values()].filter((p) => p.size > 0 && overlaps(p.live, live)));
    }
    placed.set(live.value, { offset, size, live });
    locations.set(live.value, { where: 'arena', offset, bytes: live.bytes });
  }
  for (const [view, root] of roots) {
    const loc = locations.get(root);
    if (loc) locations.set(view, loc);
  }

  let arenaBytes = 0, intermediateBytes = 0, liveBytesBound = 0;
  for (const p of placed.values()) {
    arenaBytes = Math.max(arenaBytes, p.offset + p.size);
    intermediateBytes += p.size;
  }
  // At a step that writes in place, the input and the output count once.
  const sharedAt = new Map<Value, number>();
  for (const r of inPlace) sharedAt.set(rootOf(roots, r.input), r.step);
  for (const s of steps) {
    let live = 0;
    for (const p of placed.values())
      if (p.live.start <= s.index && s.index <= p.live.end && sharedAt.get(p.live.value) !== s.index) live += p.size;
    liveBytesBound = Math.max(liveBytesBound, live);
  }
  return { locations, arenaBytes, intermediateBytes, liveBytesBound, inPlace };
}
