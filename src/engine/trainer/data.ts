// Data for fit / evaluate / predict: inputs given as tensors, typed arrays or nested arrays (one, or a list for
// several inputs or outputs), checked for a common sample count and cut into batches with slice (in order) or
// gather (shuffled index batches), so that no per-sample work happens in JS.
import type { TypedArray } from '../../core/dtype.js';
import { ValueError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { tensor, type NestedArray } from '../../ops/creation.js';
import { gather } from '../../ops/prims/gather.js';
import { slice } from '../../ops/prims/slice.js';
import { randomUniform } from '../../ops/random.js';

/** One array of samples (the first axis indexes samples). */
export type ArrayData = Tensor | TypedArray | NestedArray;

/** What fit / evaluate / predict accept as x or y: one array, or a list for several inputs or outputs. */
export type Data = ArrayData | readonly (Tensor | TypedArray)[];

function isArrayList(x: unknown): x is readonly (Tensor | TypedArray)[] {
  return Array.isArray(x) && x.length > 0 && x.every((e) => e instanceof Tensor || ArrayBuffer.isView(e));
}

/** The tensors of `data` (a list stays a list; null/undefined gives none). */
export function toTensors(op: string, what: string, data: Data | null | undefined): Tensor[] {
  if (data === null || data === undefined) return [];
  const one = (d: ArrayData, i: number | null): Tensor => {
    if (d instanceof Tensor) return d;
    if (ArrayBuffer.isView(d) || Array.isArray(d)) return tensor(d);
    throw new ValueError(`${op}: ${what}${i === null ? '' : `[${i}]`} must be a Tensor, a typed array or a nested ` +
      `array, got ${d === null ? 'null' : typeof d}`);
  };
  return isArrayList(data) ? data.map((d, i) => one(d, i)) : [one(data as ArrayData, null)];
}

/** The common sample count (first dim) of `groups` of tensors; a ValueError naming the mismatch otherwise. */
export function sampleCount(op: string, groups: Readonly<Record<string, readonly Tensor[]>>): number {
  let n: number | null = null;
  let first = '';
  for (const [what, ts] of Object.entries(groups)) {
    ts.forEach((t, i) => {
      const name = ts.length > 1 ? `${what}[${i}]` : what;
      if (t.rank === 0) throw new ValueError(`${op}: ${name} must have a sample axis, got shape ${fmtShape(t.shape)}`);
      if (n === null) [n, first] = [t.shape[0], `${name} has shape ${fmtShape(t.shape)}`];
      else if (t.shape[0] !== n)
        throw new ValueError(`${op}: all arrays must have the same number of samples, but ${first} and ${name} has ` +
          `shape ${fmtShape(t.shape)}`);
    });
  }
  if (n === null) throw new ValueError(`${op}: no data given`);
  return n;
}

/** Rows [start, end) of each tensor. */
export function sliceRows(ts: readonly Tensor[], start: number, end: number): Tensor[] {
  return ts.map((t) => slice(t, t.shape.map((_, i) => (i === 0 ? start : 0)),
    t.shape.map((d, i) => (i === 0 ? end - start : d))));
}

/** The rows `indices` of each tensor, in that order. */
export function gatherRows(ts: readonly Tensor[], indices: Int32Array): Tensor[] {
  const idx = tensor(indices, [indices.length], 'int32');
  return ts.map((t) => gather(t, idx, 0));
}

/**
 * A uniformly random permutation of 0..n-1: indices sorted by random keys drawn from Kiln's global generator, so
 * that ops.setRandomSeed makes the shuffling of fit reproducible along with weight initialization.
 */
export function permutation(n: number): Int32Array {
  const keys = randomUniform([n], { dtype: 'int32', minval: 0, maxval: 2 ** 31 - 1 }).dataSync();
  return Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
}

/** Batch `b` of `n` samples in batches of `batchSize`: rows in order, or the rows `order` lists. */
export function batchAt(ts: readonly Tensor[], b: number, batchSize: number, n: number,
                        order: Int32Array | null): Tensor[] {
  const start = b * batchSize, end = Math.min(n, start + batchSize);
  return order ? gatherRows(ts, order.subarray(start, end)) : sliceRows(ts, start, end);
}

/** A positive integer option, or a ValueError naming it. */
export function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ValueError(`${op}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}
