// Sum, Mean and MeanMetricWrapper (keras/src/metrics/reduction_metrics.py): values are first reduced to one per
// sample (weighted by the sample weights), then accumulated into total and count variables.
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { getMask } from '../engine/mask.js';
import type { Config } from '../engine/registry.js';
import { toSnakeCase } from '../engine/naming.js';
import { toTensor, type OpInput } from '../ops/dispatch.js';
import { mul } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { broadcastTo } from '../ops/prims/movement.js';
import { mean, sum } from '../ops/prims/reduce.js';
import { applyMask, divideNoNan, squeezeOrExpandToSameRank } from '../losses/loss.js';
import { Metric, required, type MetricArg, type MetricOptions } from './metric.js';

type ReduceFn = (x: Tensor, axes: number[]) => Tensor;
const byMean: ReduceFn = (x, axes) => mean(x, axes);
const bySum: ReduceFn = (x, axes) => sum(x, axes);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Keras `reduce_to_samplewise_values`: weights `values` by `sampleWeight` (ranks aligned, extra value dims reduced
 * first), then reduces every dim after the first; returns the per-sample values and weights.
 */
function reduceToSamplewiseValues(values: OpInput, sampleWeight: MetricArg, reduce: ReduceFn,
                                         dtype: DType): [Tensor, Tensor | null] {
  const v0 = toTensor(values, dtype);
  const mask = getMask(v0);
  let v = cast(v0, dtype);
  let w: Tensor | null = null;
  if (sampleWeight !== null && sampleWeight !== undefined) {
    w = cast(toTensor(sampleWeight, dtype), dtype);
    if (mask) w = applyMask(w, mask, dtype, 'sum') as Tensor;
    [v, w] = squeezeOrExpandToSameRank(v, w);
    const wn = w.rank;
    if (v.rank > wn) v = reduce(v, range(wn, v.rank));
    w = broadcastTo(w, v.shape);
    v = mul(v, w);
    if (wn > 1) w = reduce(w, range(1, wn));
  }
  if (v.rank > 1) v = reduce(v, range(1, v.rank));
  return [v, w];
}

/** The weighted sum of all values given. */
export class Sum extends Metric {
  readonly total: Variable;
  constructor(options: MetricOptions = {}) {
    super(options, 'sum');
    this.total = this.addVariable([], 'total');
  }
  /** Adds the (weighted) values. */
  updateState(values: MetricArg, sampleWeight: MetricArg = null): void {
    const [v] = reduceToSamplewiseValues(required(this.name, 'values', values), sampleWeight, bySum, this.dtype);
    this.total.assignAdd(sum(v));
  }
  result(): Tensor {
    return toTensor(this.total);
  }
}

/** total += Σ per-sample values; count += Σ weights, or the number of samples. */
function accumulateMean(total: Variable, count: Variable, values: OpInput, sampleWeight: MetricArg,
                        dtype: DType): void {
  const [v, w] = reduceToSamplewiseValues(values, sampleWeight, byMean, dtype);
  total.assignAdd(sum(v));
  count.assignAdd(w ? sum(w) : v.rank >= 1 ? v.shape[0] : 1);
}

/** The weighted mean of all values given: total / count. */
export class Mean extends Metric {
  readonly total: Variable;
  readonly count: Variable;
  constructor(options: MetricOptions = {}) {
    super(options, 'mean');
    this.total = this.addVariable([], 'total');
    this.count = this.addVariable([], 'count');
  }
  /** Adds the values (each sample's values averaged first), weighted by sampleWeight. */
  updateState(values: MetricArg, sampleWeight: MetricArg = null): void {
    accumulateMean(this.total, this.count, required(this.name, 'values', values), sampleWeight, this.dtype);
  }
  result(): Tensor {
    return divideNoNan(this.total, this.count);
  }
}

/** A per-sample metric function: (yTrue, yPred) → one value per sample (or per entry). */
export type MetricFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * The mean of a per-sample function over all samples seen (keras.metrics.MeanMetricWrapper); a mask on yPred
 * weighs its masked entries 0.
 */
export class MeanMetricWrapper extends Metric {
  readonly total: Variable;
  readonly count: Variable;
  constructor(readonly fn: MetricFunction, options: MetricOptions = {}, defaultName?: string) {
    super(options, defaultName ?? (fn.name ? toSnakeCase(fn.name) : undefined));
    this.total = this.addVariable([], 'total');
    this.count = this.addVariable([], 'count');
  }
  /** Adds fn(yTrue, yPred) for the batch, weighted by sampleWeight. */
  updateState(yTrue: MetricArg, yPred: MetricArg, sampleWeight: MetricArg = null): void {
    const p = toTensor(required(this.name, 'yPred', yPred));
    const values = this.fn(toTensor(required(this.name, 'yTrue', yTrue)), p);
    const w = sampleWeight === null || sampleWeight === undefined ? null : toTensor(sampleWeight, this.dtype);
    const weights = applyMask(w && cast(w, this.dtype), getMask(p), this.dtype, 'sum');
    accumulateMean(this.total, this.count, values, weights, this.dtype);
  }
  result(): Tensor {
    return divideNoNan(this.total, this.count);
  }
  override getConfig(): Config {
    return { name: this.name, dtype: this.dtype };
  }
}
