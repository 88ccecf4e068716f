// Where the loops' batches come from, epoch by epoch: whole arrays (cut natively, shuffled per (seed, epoch)) or a
// user's iterable / async iterable of batches.
import { ValueError } from '../../core/errors.js';
import { arrayBatches, toBatch, type Batch, type BatchLike, type IONames } from './batches.js';
import { batchPermutation, permutation, type ClassWeight } from './data.js';
import type { Pull } from './drive.js';

/** The batches of a loop. */
export interface BatchSource {
  /** Batches per epoch, or null when an epoch ends only when the data runs out. */
  readonly steps: number | null;
  /** The iterator to pull epoch `epoch`'s batches from. */
  epoch(epoch: number): Pull;
  /** A pulled item as a batch. */
  toBatch(item: unknown): Batch;
  /** Frees a batch's tensors once its step ran, when the source made them (array slices; not the user's tensors). */
  release(batch: Batch): void;
}

/** How fit shuffles array data: each sample, or (Keras shuffle='batch') whole batches, see batchPermutation. */
export type ShuffleBy = 'sample' | 'batch';

/**
 * Batches of whole arrays: `stepsPerEpoch` (at most the batches there are) of them per epoch, shuffled with the
 * permutation of (shuffleSeed, epoch) when a seed is given (of the samples, or of the batches), in order otherwise.
 */
export function arraySource(op: string, data: Batch, n: number, batchSize: number, shuffleSeed: number | null,
                            stepsPerEpoch: number | null = null, shuffleBy: ShuffleBy = 'sample'): BatchSource {
  const available = Math.ceil(n / batchSize);
  if (stepsPerEpoch !== null && stepsPerEpoch > available)
    throw new ValueError(`${op}: steps ${stepsPerEpoch} is more than the ${available} batches of ${n} samples ` +
      `in batches of ${batchSize}`);
  const whole = new Set([...data.xs, ...data.ys, ...data.sws]);
  return {
    steps: stepsPerEpoch ?? available,
    epoch: (e) => shuffleSeed === null ? arrayBatches(data, n, batchSize, null)
      : shuffleBy === 'batch' ? arrayBatches(data, n, batchSize, null, batchPermutation(n, batchSize, shuffleSeed, e))
        : arrayBatches(data, n, batchSize, permutation(n, shuffleSeed, e)),
    toBatch: (item) => item as Batch,
    // A batch of all the rows is the array itself (slice returns it): that one is kept.
    release: (b) => {
      for (const t of [...b.xs, ...b.ys, ...b.sws]) if (!whole.has(t)) t.dispose();
    },
  };
}

function iteratorOf(x: Iterable<BatchLike> | AsyncIterable<BatchLike>): Pull {
  const a = x as AsyncIterable<BatchLike>;
  return typeof a[Symbol.asyncIterator] === 'function' ? a[Symbol.asyncIterator]()
    : (x as Iterable<BatchLike>)[Symbol.iterator]();
}

/**
 * Batches of a user's iterable. With `steps`, every epoch takes that many batches from one iterator that lives
 * across epochs (Keras `steps_per_epoch` on a generator); without, each epoch iterates the iterable afresh to its end.
 */
export function iterableSource(op: string, x: Iterable<BatchLike> | AsyncIterable<BatchLike>, names: IONames,
                               classWeight: ClassWeight | null, steps: number | null): BatchSource {
  let shared: Pull | null = null;
  return {
    steps,
    epoch: () => (steps === null ? iteratorOf(x) : (shared ??= iteratorOf(x))),
    toBatch: (item) => toBatch(op, item, names, classWeight),
    release: () => {},
  };
}
