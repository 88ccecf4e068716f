// Loss functions (keras.losses.mean_squared_error, ...): per-sample values, reduced over the last axis, with Keras 3's
// formulas and constants (ε = keras.backend.epsilon() = 1e-7).
import { isFloat } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { toTensor, type OpInput } from '../ops/dispatch.js';
import { add, div, equal, lessEqual, logicalOr, maximum, mul, notEqual, sub } from '../ops/prims/binary.js';
import { abs, log, neg, rsqrt, square } from '../ops/prims/unary.js';
import { cast } from '../ops/prims/cast.js';
import { clip } from '../ops/prims/clip.js';
import { mean, min, sum } from '../ops/prims/reduce.js';
import { reshape, squeeze } from '../ops/prims/movement.js';
import { select } from '../ops/prims/select.js';
import {
  binaryCrossentropy as bceElementwise, categoricalCrossentropy as cceOp,
  sparseCategoricalCrossentropy as scceOp,
} from '../ops/composites/crossentropy.js';
import { squeezeOrExpandToSameRank, withMask } from './loss.js';

/** keras.backend.epsilon(). */
const EPSILON = 1e-7;

/** y_pred as a float tensor and y_true cast to its dtype (Keras converts y_true to y_pred's dtype). */
function prepare(yTrue: OpInput, yPred: OpInput): [Tensor, Tensor] {
  let p = toTensor(yPred);
  if (!isFloat(p.dtype)) p = cast(p, 'float32');
  return [cast(toTensor(yTrue, p.dtype), p.dtype), p];
}

/** prepare() plus Keras' rank alignment of y_true and y_pred. */
function prepareAligned(yTrue: OpInput, yPred: OpInput): [Tensor, Tensor] {
  return squeezeOrExpandToSameRank(...prepare(yTrue, yPred));
}

/** mean((yTrue - yPred)², axis=-1). */
export function meanSquaredError(yTrue: OpInput, yPred: OpInput): Tensor {
  const [t, p] = prepareAligned(yTrue, yPred);
  return mean(square(sub(t, p)), -1);
}

/** mean(|yTrue - yPred|, axis=-1). */
export function meanAbsoluteError(yTrue: OpInput, yPred: OpInput): Tensor {
  const [t, p] = prepareAligned(yTrue, yPred);
  return mean(abs(sub(t, p)), -1);
}

/** Options of the binary and categorical crossentropies. */
export interface CrossentropyOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Smooths the labels toward uniform by this amount in [0, 1] (default 0). */
  labelSmoothing?: number;
  /** The axis: averaged over (binary) or the class axis (categorical); default -1. */
  axis?: number;
}

/** mean over `axis` of the elementwise binary crossentropy; smoothing moves labels toward 0.5. */
export function binaryCrossentropy(yTrue: OpInput, yPred: OpInput,
                                   { fromLogits = false, labelSmoothing = 0, axis = -1 }: CrossentropyOptions = {}): Tensor {
  let [t, p] = prepare(yTrue, yPred);
  if (labelSmoothing) t = add(mul(t, 1 - labelSmoothing), 0.5 * labelSmoothing);
  return mean(bceElementwise(t, p, fromLogits), axis);
}

/** -Σ yTrue·log p over `axis`; smoothing gives ls / classes to every class (classes = yTrue's last dim). */
export function categoricalCrossentropy(yTrue: OpInput, yPred: OpInput,
                                        { fromLogits = false, labelSmoothing = 0, axis = -1 }: CrossentropyOptions = {}): Tensor {
  let [t, p] = prepare(yTrue, yPred);
  if (labelSmoothing) t = add(mul(t, 1 - labelSmoothing), labelSmoothing / t.shape[t.rank - 1]);
  return cceOp(t, p, fromLogits, axis);
}

/** Options of sparseCategoricalCrossentropy. */
export interface SparseCategoricalCrossentropyOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** A label whose entries get loss 0 and are masked out of the reduction (default null: none). */
  ignoreClass?: number | null;
  /** The class axis of yPred (default -1). */
  axis?: number;
}

/**
 * Crossentropy of integer labels against class probabilities (or logits). With `ignoreClass`, entries with that
 * label get 0 and a mask, so that Loss.apply averages over the other entries only (as Keras).
 */
export function sparseCategoricalCrossentropy(yTrue: OpInput, yPred: OpInput,
                                              { fromLogits = false, ignoreClass = null, axis = -1 }:
                                              SparseCategoricalCrossentropyOptions = {}): Tensor {
  let p = toTensor(yPred);
  if (!isFloat(p.dtype)) p = cast(p, 'float32');
  let t = toTensor(yTrue, 'int32');
  if (t.rank === p.rank && t.shape[t.rank - 1] === 1) t = squeeze(t, -1);
  if (ignoreClass === null) return scceOp(t, p, fromLogits, axis);
  const valid = notEqual(t, ignoreClass);
  // Ignored labels become class 0 so that they index a real class; their loss is then replaced by 0. Unlike Keras,
  // y_pred is not zeroed on ignored rows: the values are the same and the gradient stays finite.
  const res = scceOp(mul(t, cast(valid, t.dtype)), p, fromLogits, axis);
  const mask = reshape(valid, res.shape);
  return withMask(select(mask, res, 0), mask);
}

/** Σ yTrue·log(yTrue / yPred) over the last axis, both clipped to [ε, 1]. */
export function klDivergence(yTrue: OpInput, yPred: OpInput): Tensor {
  const [t0, p0] = prepare(yTrue, yPred);
  const t = clip(t0, EPSILON, 1), p = clip(p0, EPSILON, 1);
  return sum(mul(t, log(div(t, p))), -1);
}

/** mean(yPred - yTrue·log(yPred + ε), axis=-1). */
export function poisson(yTrue: OpInput, yPred: OpInput): Tensor {
  const [t, p] = prepare(yTrue, yPred);
  return mean(sub(p, mul(t, log(add(p, EPSILON)))), -1);
}

/** Options of cosineSimilarity. */
export interface CosineSimilarityOptions {
  /** The feature axis (default -1). */
  axis?: number;
}

/** x / max(‖x‖₂, ε) along `axis` (Keras `normalize`); the max is taken on ‖x‖² so the gradient stays finite at 0. */
function normalize(x: Tensor, axis: number): Tensor {
  return mul(x, rsqrt(maximum(sum(square(x), axis, true), EPSILON * EPSILON)));
}

/** -Σ normalize(yTrue)·normalize(yPred) over `axis`: -1 for parallel vectors, 0 when either is zero. */
export function cosineSimilarity(yTrue: OpInput, yPred: OpInput, { axis = -1 }: CosineSimilarityOptions = {}): Tensor {
  const [t, p] = prepareAligned(yTrue, yPred);
  return neg(sum(mul(normalize(t, axis), normalize(p, axis)), axis));
}

/** Options of huber. */
export interface HuberOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** mean over the last axis of ½e² where |e| ≤ δ, else δ|e| - ½δ² (e = yPred - yTrue). */
export function huber(yTrue: OpInput, yPred: OpInput, { delta = 1 }: HuberOptions = {}): Tensor {
  const [t, p] = prepareAligned(yTrue, yPred);
  const e = sub(p, t), a = abs(e);
  return mean(select(lessEqual(a, delta), mul(square(e), 0.5), sub(mul(a, delta), 0.5 * delta * delta)), -1);
}

/** Keras: labels that are all 0 or 1 become -1 or 1 (decided on the whole tensor, in the graph: no host read). */
function convertBinaryLabelsToHinge(t: Tensor): Tensor {
  const isBinary = min(cast(logicalOr(equal(t, 0), equal(t, 1)), t.dtype));
  return select(equal(isBinary, 1), sub(mul(t, 2), 1), t);
}

/** mean(max(1 - yTrue·yPred, 0), axis=-1), with 0/1 labels converted to -1/1. */
export function hinge(yTrue: OpInput, yPred: OpInput): Tensor {
  const [t0, p] = prepare(yTrue, yPred);
  const t = convertBinaryLabelsToHinge(t0);
  return mean(maximum(sub(1, mul(t, p)), 0), -1);
}
