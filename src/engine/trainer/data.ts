// Data for fit / evaluate / predict: inputs given as tensors, typed arrays or nested arrays (one, a list for
// several inputs or outputs, or a dict keyed by input / output names), checked for a common sample count and cut
// into batches with slice (in order) or gather (shuffled index batches), so that no per-sample work happens in JS.
import type { TypedArray } from '../../core/dtype.js';
import { ValueError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { tensor, type NestedArray } from '../../ops/creation.js';
import { cast } from '../../ops/prims/cast.js';
import { gather } from '../../ops/prims/gather.js';
import { reshape } from '../../ops/prims/movement.js';
import { argMax, max } from '../../ops/prims/reduce.js';
import { slice } from '../../ops/prims/slice.js';
import { round } from '../../ops/prims/unary.js';
import { randomUniform } from '../../ops/random.js';

/** One array of samples (the first axis indexes samples). */
export type ArrayData = Tensor | TypedArray | NestedArray;

/** What fit / evaluate / predict accept as x or y: one array, a list for several inputs or outputs, or a dict. */
export type Data = ArrayData | readonly (Tensor | TypedArray)[] | Readonly<Record<string, ArrayData>>;

/** Keras `class_weight`: a weight per class index (classes left out weigh 1). */
export type ClassWeight = Readonly<Record<number, number>>;

function isArrayList(x: unknown): x is readonly (Tensor | TypedArray)[] {
  return Array.isArray(x) && x.length > 0 && x.every((e) => e instanceof Tensor || ArrayBuffer.isView(e));
}

/** True for a plain object used as a dict of arrays (not a tensor, typed array or list). */
export function isDataDict(x: unknown): x is Readonly<Record<string, ArrayData>> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) &&
    !(x instanceof Tensor) && Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * The tensors of `data` (a list stays a list; null/undefined gives none). A dict is ordered by `names` (the
 * model's input or output names), which must match its keys exactly.
 */
export function toTensors(op: string, what: string, data: Data | null | undefined,
                          names: readonly string[] | null = null): Tensor[] {
  if (data === null || data === undefined) return [];
  const one = (d: ArrayData, i: number | string | null): Tensor => {
    if (d instanceof Tensor) return d;
    if (ArrayBuffer.isView(d) || Array.isArray(d)) return tensor(d);
    const at = i === null ? '' : typeof i === 'number' ? `[${i}]` : `["${i}"]`;
    throw new ValueError(`${op}: ${what}${at} must be a Tensor, a typed array or a nested array, got ` +
      `${d === null ? 'null' : typeof d}`);
  };
  if (isDataDict(data)) {
    const keys = Object.keys(data);
    if (!names)
      throw new ValueError(`${op}: ${what} is a dict (keys ${keys.join(', ')}), but the model has no named ${what} ` +
        `to match them with; pass a list`);
    const extra = keys.filter((k) => !names.includes(k)), missing = names.filter((k) => !keys.includes(k));
    if (extra.length > 0 || missing.length > 0)
      throw new ValueError(`${op}: ${what} is keyed by ${keys.join(', ')}, but the model's names are ` +
        `${names.join(', ')}${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}`);
    return names.map((k) => one(data[k], k));
  }
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
 * A uniformly random permutation of 0..n-1 for `epoch` of a fit seeded with `seed`: a Fisher-Yates shuffle driven by
 * one native draw from the Philox stream keyed by (seed, epoch), so that the order depends only on (seed, epoch) and
 * a resumed run shuffles its later epochs exactly as the uninterrupted run did.
 */
export function permutation(n: number, seed: number, epoch: number): Int32Array {
  // seed < 2^30 (defaultSeed) and epoch < 2^22 keep the stream's integer seed exact and distinct per pair.
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= 2 ** 22)
    throw new ValueError(`permutation: epoch must be an integer in [0, 2^22), got ${epoch}`);
  const keys = n > 0 ? randomUniform([n], { dtype: 'int32', minval: 0, maxval: 2 ** 31 - 1, seed: seed * 2 ** 22 + epoch })
    .dataSync() : new Int32Array(0);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = keys[i] % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The batch order of fit's shuffle 'batch' (Keras `batch_shuffle`, for data read in contiguous chunks): the full
 * batches of `n` samples in batches of `batchSize` in the order of permutation(full batches, seed, epoch), then the
 * partial batch, if any, last; the samples of a batch keep their order.
 */
export function batchPermutation(n: number, batchSize: number, seed: number, epoch: number): Int32Array {
  const full = Math.floor(n / batchSize);
  const order = new Int32Array(Math.ceil(n / batchSize));
  order.set(permutation(full, seed, epoch));
  if (order.length > full) order[full] = full;
  return order;
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

/** Checks a classWeight dict: integer class keys, finite weights. */
export function checkClassWeight(op: string, classWeight: unknown): ClassWeight {
  if (!isDataDict(classWeight))
    throw new ValueError(`${op}: classWeight must be a dict of class index → weight, got ${JSON.stringify(classWeight)}`);
  for (const [k, w] of Object.entries(classWeight))
    if (!/^\d+$/.test(k) || typeof w !== 'number' || !Number.isFinite(w))
      throw new ValueError(`${op}: classWeight must map class indices to finite numbers, got ${k}: ${JSON.stringify(w)}`);
  return classWeight as ClassWeight;
}

/**
 * Keras `class_weight_to_sample_weights`: each sample weighs its class's weight (1 for classes left out). The class
 * is the label (rounded; a trailing dim of 1 dropped) or, for one-hot / probability targets, the argmax.
 */
export function classWeightToSampleWeight(classWeight: ClassWeight, y: Tensor): Tensor {
  const classes = y.rank >= 2 && y.shape[y.rank - 1] > 1 ? argMax(y, -1)
    : cast(round(cast(reshape(y, [y.shape[0]]), 'float32')), 'int32');
  const top = Math.max(y.shape[0] > 0 ? max(classes).item() : 0, ...Object.keys(classWeight).map(Number));
  const table = new Float32Array(top + 1).fill(1);
  for (const [k, w] of Object.entries(classWeight)) table[Number(k)] = w;
  return gather(tensor(table, [top + 1], 'float32'), classes, 0);
}
