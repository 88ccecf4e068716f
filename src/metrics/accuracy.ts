// Accuracy metrics (keras/src/metrics/accuracy_metrics.py): per-sample match functions averaged by
// MeanMetricWrapper.
import { isFloat } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Config } from '../engine/registry.js';
import { toTensor, type OpInput } from '../ops/dispatch.js';
import { equal, greater, greaterEqual, less, logicalAnd } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { argMax, mean, sum } from '../ops/prims/reduce.js';
import { expandDims, reshape, squeeze } from '../ops/prims/movement.js';
import { select } from '../ops/prims/select.js';
import { range } from '../ops/creation.js';
import { squeezeOrExpandToSameRank } from '../losses/loss.js';
import type { MetricOptions } from './metric.js';
import { MeanMetricWrapper } from './reduction.js';

const floatTensor = (x: OpInput): Tensor => {
  const t = toTensor(x);
  return isFloat(t.dtype) ? t : cast(t, 'float32');
};

/** 1 where yTrue equals yPred, averaged over the last axis. */
export function accuracy(yTrue: OpInput, yPred: OpInput): Tensor {
  const p0 = floatTensor(yPred);
  const [t, p] = squeezeOrExpandToSameRank(cast(toTensor(yTrue, p0.dtype), p0.dtype), p0);
  return mean(cast(equal(t, p), 'float32'), -1);
}

/** 1 where (yPred > threshold) equals the 0/1 label, averaged over the last axis. */
export function binaryAccuracy(yTrue: OpInput, yPred: OpInput, threshold = 0.5): Tensor {
  const [t, p] = squeezeOrExpandToSameRank(floatTensor(yTrue), floatTensor(yPred));
  return mean(cast(equal(t, cast(greater(p, threshold), t.dtype)), 'float32'), -1);
}

/** Per sample, 1 where the argmax of yPred equals the argmax of the one-hot yTrue. */
export function categoricalAccuracy(yTrue: OpInput, yPred: OpInput): Tensor {
  const p = toTensor(yPred);
  let t = argMax(toTensor(yTrue), -1);
  const shape = t.shape;
  const reshapeMatches = t.rank === p.rank;
  if (reshapeMatches) t = squeeze(t, -1);
  const matches = cast(equal(t, argMax(p, -1)), 'float32');
  return reshapeMatches ? reshape(matches, shape) : matches;
}

/** Per sample, 1 where the argmax of yPred equals the integer label (a trailing label dim of 1 is dropped). */
export function sparseCategoricalAccuracy(yTrue: OpInput, yPred: OpInput): Tensor {
  const p = toTensor(yPred);
  let t = toTensor(yTrue);
  if (t.rank === p.rank && t.shape[t.rank - 1] === 1) t = squeeze(t, -1);
  return cast(equal(t, cast(argMax(p, -1), t.dtype)), 'float32');
}

/**
 * TF `in_top_k`: whether each target class is among the k largest predictions of its row; ties at the boundary
 * count as inside, and out-of-range targets as outside.
 */
function inTopK(targets: Tensor, predictions: Tensor, k: number): Tensor {
  const classes = predictions.shape[1];
  const t = expandDims(targets, -1);
  const isTarget = equal(t, reshape(range(0, classes, 1, 'int32'), [1, classes]));
  const targetScore = expandDims(sum(select(isTarget, predictions, 0), -1), -1);
  const above = sum(cast(greater(predictions, targetScore), 'float32'), -1);
  const valid = logicalAnd(greaterEqual(targets, 0), less(targets, classes));
  return logicalAnd(valid, less(above, k));
}

/** Shared by the top-k metrics: labels flattened to [n], predictions to [n, classes]. */
function topKMatches(labels: Tensor, yPred: OpInput, k: number): Tensor {
  const p0 = floatTensor(yPred);
  const p = p0.rank > 2 ? reshape(p0, [-1, p0.shape[p0.rank - 1]]) : p0;
  const matches = cast(inTopK(reshape(cast(labels, 'int32'), [-1]), p, k), 'float32');
  return labels.rank > 1 ? reshape(matches, labels.shape) : matches;
}

/** Per sample, 1 where the one-hot label's class is among the k highest predictions. */
export function topKCategoricalAccuracy(yTrue: OpInput, yPred: OpInput, k = 5): Tensor {
  return topKMatches(argMax(toTensor(yTrue), -1), yPred, k);
}

/** Per sample, 1 where the integer label is among the k highest predictions. */
export function sparseTopKCategoricalAccuracy(yTrue: OpInput, yPred: OpInput, k = 5): Tensor {
  return topKMatches(toTensor(yTrue, 'int32'), yPred, k);
}

/** How often yPred equals yTrue. */
export class Accuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super(accuracy, options, 'accuracy');
  }
}

/** Options of BinaryAccuracy. */
export interface BinaryAccuracyOptions extends MetricOptions {
  /** Predictions above it count as 1 (default 0.5, in (0, 1)). */
  threshold?: number;
}

/** How often thresholded predictions match 0/1 labels. */
export class BinaryAccuracy extends MeanMetricWrapper {
  readonly threshold: number;
  constructor({ threshold = 0.5, ...options }: BinaryAccuracyOptions = {}) {
    if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1))
      throw new ValueError(`BinaryAccuracy: threshold must be in (0, 1), got ${threshold}`);
    super((t, p) => binaryAccuracy(t, p, threshold), options, 'binary_accuracy');
    this.threshold = threshold;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), threshold: this.threshold };
  }
}

/** How often the argmax of the predictions matches the one-hot labels. */
export class CategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super(categoricalAccuracy, options, 'categorical_accuracy');
  }
}

/** How often the argmax of the predictions matches the integer labels. */
export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super(sparseCategoricalAccuracy, options, 'sparse_categorical_accuracy');
  }
}

/** Options of the top-k accuracies. */
export interface TopKOptions extends MetricOptions {
  /** How many of the highest predictions count (default 5). */
  k?: number;
}

function checkK(cls: string, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`${cls}: k must be a positive integer, got ${k}`);
  return k;
}

/** How often the one-hot label is among the k highest predictions. */
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  readonly k: number;
  constructor({ k = 5, ...options }: TopKOptions = {}) {
    const kk = checkK('TopKCategoricalAccuracy', k);
    super((t, p) => topKCategoricalAccuracy(t, p, kk), options, 'top_k_categorical_accuracy');
    this.k = kk;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), k: this.k };
  }
}

/** How often the integer label is among the k highest predictions. */
export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  readonly k: number;
  constructor({ k = 5, ...options }: TopKOptions = {}) {
    const kk = checkK('SparseTopKCategoricalAccuracy', k);
    super((t, p) => sparseTopKCategoricalAccuracy(t, p, kk), options, 'sparse_top_k_categorical_accuracy');
    this.k = kk;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), k: this.k };
  }
}
