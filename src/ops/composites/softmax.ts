// Softmax, log-softmax and log-sum-exp, made numerically stable by subtracting the (gradient-stopped) maximum.
import type { Tensor } from '../../core/tensor.js';
import type { OpInput } from '../dispatch.js';
import { normalizeAxes, normalizeAxis } from '../shape-utils.js';
import { add, div, sub } from '../prims/binary.js';
import { exp, isFinite, log } from '../prims/unary.js';
import { max, reducedShape, sum } from '../prims/reduce.js';
import { reshape } from '../prims/movement.js';
import { select } from '../prims/select.js';
import { stopGradient } from '../prims/stop-gradient.js';
import { floatInput } from './common.js';

/**
 * The shift that keeps exp() from overflowing: max over `axes` (kept dims), with no gradient (the results are
 * shift-invariant). A non-finite maximum (a slice of all -∞, or a +∞) is replaced by 0, as TensorFlow's
 * reduce_logsumexp does, so that an all -∞ slice gives -∞ rather than NaN. Null when a reduced axis is empty
 * (nothing to shift, and max over it is undefined).
 */
function stableShift(x: Tensor, axes: readonly number[]): Tensor | null {
  if (axes.some((a) => x.shape[a] === 0)) return null;
  const m = max(x, axes, true);
  return stopGradient(select(isFinite(m), m, 0));
}

/**
 * exp(x) / Σ exp(x) along `axis` (Keras `softmax`). Unlike TF.js `tf.softmax`, which only supports the last
 * axis, any axis may be given.
 */
export function softmax(x: OpInput, axis = -1): Tensor {
  const t = floatInput('softmax', x);
  const a = normalizeAxis('softmax', axis, t.rank);
  const shift = stableShift(t, [a]);
  const e = exp(shift ? sub(t, shift) : t);
  return div(e, sum(e, a, true));
}

/** log(softmax(x)) along `axis`, computed as (x - m) - log Σ exp(x - m) (Keras `log_softmax`). */
export function logSoftmax(x: OpInput, axis = -1): Tensor {
  const t = floatInput('logSoftmax', x);
  const a = normalizeAxis('logSoftmax', axis, t.rank);
  const shift = stableShift(t, [a]);
  const shifted = shift ? sub(t, shift) : t;
  return sub(shifted, log(sum(exp(shifted), a, true)));
}

/**
 * log Σ exp(x) over `axes` (all when null), without overflow (Keras `ops.logsumexp`, TF.js `tf.logSumExp`).
 * An empty reduction gives -∞.
 */
export function logSumExp(x: OpInput, axes: number | readonly number[] | null = null, keepDims = false): Tensor {
  const t = floatInput('logSumExp', x);
  const norm = normalizeAxes('logSumExp', axes, t.rank);
  const shift = stableShift(t, norm);
  const kept = shift ? add(log(sum(exp(sub(t, shift)), norm, true)), shift) : log(sum(exp(t), norm, true));
  return keepDims ? kept : reshape(kept, reducedShape(t.shape, norm, false));
}
