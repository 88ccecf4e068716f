// The Loss base class and Keras 3's weighting and reduction rules (keras/src/losses/loss.py): per-sample values
// from call(), a mask (from y_pred or from call()) merged into the sample weights, then a reduction.
import { isFloat, type DType } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { getMask, setMask } from '../engine/mask.js';
import { toSnakeCase, uniqueName } from '../engine/naming.js';
import type { Config } from '../engine/registry.js';
import { toTensor, type OpInput } from '../ops/dispatch.js';
import { div, equal, logicalAnd, mul } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { expandDims, squeeze } from '../ops/prims/movement.js';
import { sum } from '../ops/prims/reduce.js';
import { select } from '../ops/prims/select.js';
import { broadcastShapes } from '../ops/shape-utils.js';

/**
 * How per-sample losses become the loss: 'sum_over_batch_size' (and its alias 'mean') divides the weighted sum by
 * the number of values, 'mean_with_sample_weight' by the sum of the weights, 'sum' sums, 'none' (or null) keeps them.
 */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'mean' | 'mean_with_sample_weight' | 'none' | null;

const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', 'none', null];

/** Options every loss accepts. */
export interface LossOptions {
  /** The loss's name (default: the class name in snake_case). */
  name?: string;
  /** The reduction (default 'sum_over_batch_size'). */
  reduction?: Reduction;
  /** The dtype of the computation (default: y_pred's float dtype, else float32). */
  dtype?: DType | null;
}

/** Keras `squeeze_or_expand_to_same_rank`: when ranks differ by one and the longer has a last dim of 1, align them. */
export function squeezeOrExpandToSameRank(x1: Tensor, x2: Tensor, expandRank1 = true): [Tensor, Tensor] {
  if (x1.rank === x2.rank) return [x1, x2];
  if (x1.rank === x2.rank + 1 && x1.shape[x1.rank - 1] === 1) {
    if (x2.rank === 1 && expandRank1) x2 = expandDims(x2, -1);
    else x1 = squeeze(x1, -1);
  }
  if (x2.rank === x1.rank + 1 && x2.shape[x2.rank - 1] === 1) {
    if (x1.rank === 1 && expandRank1) x1 = expandDims(x1, -1);
    else x2 = squeeze(x2, -1);
  }
  return [x1, x2];
}

/** a / b, and 0 where b is 0 (the inner select keeps the gradient finite there too). */
export function divideNoNan(a: OpInput, b: OpInput): Tensor {
  const tb = toTensor(b);
  const zero = equal(tb, 0);
  return select(zero, 0, div(a, select(zero, 1, tb)));
}

/** Keras `apply_mask`: merges a mask into the sample weights; for mean reductions, masked-out values also leave the divisor. */
export function applyMask(sampleWeight: Tensor | null, mask: Tensor | null, dtype: DType,
                          reduction: Reduction): Tensor | null {
  if (!mask) return sampleWeight;
  let m = cast(mask, dtype);
  if (reduction === 'mean' || reduction === 'sum_over_batch_size')
    m = mul(m, divideNoNan(m.size, sum(m)));
  if (!sampleWeight) return m;
  const [m2, w] = squeezeOrExpandToSameRank(m, cast(sampleWeight, dtype));
  return mul(w, m2);
}

/** Keras `reduce_values`: reduces (already weighted) values; scalars and shape [0] are returned as they are. */
function reduceValues(values: Tensor, sampleWeight: Tensor | null, reduction: Reduction): Tensor {
  if (reduction === null || reduction === 'none' || values.rank === 0 ||
      (values.rank === 1 && values.shape[0] === 0)) return values;
  const total = sum(values);
  if (reduction === 'sum') return total;
  if (reduction === 'mean_with_sample_weight' && sampleWeight) return divideNoNan(total, sum(sampleWeight));
  return values.size > 0 ? div(total, values.size) : mul(total, 0);
}

/**
 * Keras `reduce_weighted_values`: weights per-sample loss values (the mask merged into the weights, the weights'
 * rank aligned with the values'), then reduces them. `owner` names the loss in shape errors.
 */
export function reduceWeightedValues(values: Tensor, sampleWeight: OpInput | null, mask: Tensor | null,
                                     reduction: Reduction, dtype: DType, owner = 'reduceWeightedValues'): Tensor {
  let v = cast(values, dtype);
  let w = sampleWeight === null ? null : cast(toTensor(sampleWeight, dtype), dtype);
  w = applyMask(w, mask, dtype, reduction);
  if (w) {
    [v, w] = squeezeOrExpandToSameRank(v, w);
    broadcastShapes(`${owner}: sampleWeight`, v.shape, w.shape);
    v = mul(v, w);
  }
  return reduceValues(v, w, reduction);
}

/** Checks a reduction name, naming the loss in the error. */
function standardizeReduction(reduction: unknown, owner: string): Reduction {
  if (!REDUCTIONS.includes(reduction as Reduction))
    throw new ValueError(`${owner}: invalid reduction ${JSON.stringify(reduction)}; expected one of ` +
      `${REDUCTIONS.map((r) => JSON.stringify(r)).join(', ')}`);
  return reduction as Reduction;
}

/**
 * Base class of losses (keras.losses.Loss). Subclasses implement `call(yTrue, yPred)`, which gives per-sample
 * values; `apply(yTrue, yPred, sampleWeight)` (Keras `__call__`) weights and reduces them.
 */
export abstract class Loss {
  /** The name (used in logs). */
  readonly name: string;
  /** The reduction applied by `apply`. */
  readonly reduction: Reduction;
  /** The dtype of the computation, or null for y_pred's float dtype. */
  readonly dtype: DType | null;

  constructor({ name, reduction = 'sum_over_batch_size', dtype = null }: LossOptions = {}) {
    this.name = name ?? uniqueName(toSnakeCase(new.target.name));
    this.reduction = standardizeReduction(reduction, `${new.target.name} "${this.name}"`);
    this.dtype = dtype;
  }

  /** Per-sample loss values (no weighting, no reduction); may attach a mask to its result (setMask). */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;

  /** The weighted, reduced loss of `yPred` against `yTrue` (a mask on yPred weighs its masked entries 0). */
  apply(yTrue: OpInput, yPred: OpInput, sampleWeight: OpInput | null = null): Tensor {
    const p0 = toTensor(yPred);
    const dtype = this.dtype ?? (isFloat(p0.dtype) ? p0.dtype : 'float32');
    const inMask = getMask(p0);
    const losses = this.call(cast(toTensor(yTrue, dtype), dtype), cast(p0, dtype));
    const outMask = getMask(losses);
    const mask = inMask && outMask ? logicalAnd(inMask, outMask) : inMask ?? outMask;
    return reduceWeightedValues(losses, sampleWeight, mask, this.reduction, dtype, `loss "${this.name}"`);
  }

  /** The constructor options as JSON. */
  getConfig(): Config {
    return { name: this.name, reduction: this.reduction };
  }

  /** Rebuilds a loss from its config. */
  static fromConfig<T extends Loss>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as new (c: Config) => T)(config);
  }
}

/** A per-sample loss function: (yTrue, yPred) → values with the batch dims. */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** A loss from a plain function (keras.losses.LossFunctionWrapper); named after the function by default. */
export class LossFunctionWrapper extends Loss {
  constructor(readonly fn: LossFunction, options: LossOptions = {}) {
    super({ ...options, name: options.name ?? (fn.name ? toSnakeCase(fn.name) : undefined) });
  }

  /** Aligns the ranks of yTrue and yPred (as Keras), then applies the function. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = squeezeOrExpandToSameRank(yTrue, yPred);
    return this.fn(t, p);
  }
}

/** Attaches `mask` to `values` and returns `values` (for losses that mark some entries invalid). */
export function withMask(values: Tensor, mask: Tensor): Tensor {
  setMask(values, mask);
  return values;
}
