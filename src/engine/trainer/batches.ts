// Batches as the loops see them: inputs, targets and sample weights as tensor lists. They come from arrays (cut
// natively by slice / gather, see data.ts) or from a user's iterable, sync or async, of [x, y?, sampleWeight?].
import { ValueError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import {
  batchAt, classWeightToSampleWeight, sampleCount, toTensors, type ClassWeight, type Data,
} from './data.js';

/** One batch: the model's inputs, the targets (none for predict / addLoss-only models), the sample weights. */
export interface Batch {
  readonly xs: readonly Tensor[];
  readonly ys: readonly Tensor[];
  /** None, one for every output, or one per output. */
  readonly sws: readonly Tensor[];
}

/** A batch as a user's iterable yields it: x alone, or a tuple [x], [x, y] or [x, y, sampleWeight]. */
export type BatchLike = Data | readonly [Data] | readonly [Data, Data | null] | readonly [Data, Data | null, Data | null];

/** Names the model's inputs and outputs go by in dicts (null: the model has none). */
export interface IONames {
  readonly inputs: readonly string[] | null;
  readonly outputs: readonly string[] | null;
}

/** The names of a model's inputs and outputs (Functional models have them; others give null). */
export function ioNamesOf(model: object): IONames {
  const m = model as { inputNames?: unknown; outputNames?: unknown };
  const names = (v: unknown): string[] | null => (Array.isArray(v) && v.every((n) => typeof n === 'string') ? v : null);
  return { inputs: names(m.inputNames), outputs: names(m.outputNames) };
}

/** True for data given as an iterable or async iterable of batches (not an array, a tensor or a dict of arrays). */
export function isBatchIterable(x: unknown): x is Iterable<BatchLike> | AsyncIterable<BatchLike> {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x) || x instanceof Tensor)
    return false;
  const o = x as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof o[Symbol.iterator] === 'function' || typeof o[Symbol.asyncIterator] === 'function';
}

/** True for an async iterable (fit / evaluate / predict then return a Promise). */
export function isAsyncData(x: unknown): x is AsyncIterable<BatchLike> {
  return typeof x === 'object' && x !== null &&
    typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** The sample weights of a batch: the given ones, else classWeight applied to the (single) target. */
export function weightsOf(op: string, ys: readonly Tensor[], sws: Tensor[], classWeight: ClassWeight | null): Tensor[] {
  if (!classWeight) return sws;
  if (sws.length > 0) throw new ValueError(`${op}: you cannot pass both classWeight and sampleWeight`);
  if (ys.length !== 1)
    throw new ValueError(`${op}: classWeight is only supported for models with one output, got ${ys.length} targets`);
  return [classWeightToSampleWeight(classWeight, ys[0])];
}

/** A batch from what a user's iterable yielded; checks that its arrays agree on the sample count. */
export function toBatch(op: string, item: unknown, names: IONames, classWeight: ClassWeight | null): Batch {
  // As Keras `unpack_x_y_sample_weight`: a list is [x, y?, sw?] (several inputs: [[x1, x2], y]); else x alone.
  const [x, y, sw] = (Array.isArray(item) ? item : [item]) as [Data, Data | null | undefined, Data | null | undefined];
  if (Array.isArray(item) && (item.length === 0 || item.length > 3))
    throw new ValueError(`${op}: a batch must be x, [x], [x, y] or [x, y, sampleWeight], got a list of ${item.length}`);
  const xs = toTensors(op, 'x', x, names.inputs), ys = toTensors(op, 'y', y, names.outputs);
  const sws = weightsOf(op, ys, toTensors(op, 'sampleWeight', sw, names.outputs), classWeight);
  sampleCount(op, { x: xs, y: ys, sampleWeight: sws });
  return { xs, ys, sws };
}

/**
 * The batches of whole arrays, in order or in `order` (of samples), sliced / gathered natively; `batchOrder` instead
 * gives the order of the batches themselves (each sliced whole).
 */
export function* arrayBatches(data: Batch, n: number, batchSize: number, order: Int32Array | null,
                              batchOrder: Int32Array | null = null): Generator<Batch, void, undefined> {
  const all = [...data.xs, ...data.ys, ...data.sws];
  const [nx, ny] = [data.xs.length, data.ys.length];
  for (let b = 0; b * batchSize < n; b++) {
    const ts = batchAt(all, batchOrder ? batchOrder[b] : b, batchSize, n, order);
    yield { xs: ts.slice(0, nx), ys: ts.slice(nx, nx + ny), sws: ts.slice(nx + ny) };
  }
}
