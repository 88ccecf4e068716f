// Vector and matrix norms, and L2 normalization.
import { ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { OpInput } from '../dispatch.js';
import { normalizeAxes, normalizeAxis } from '../shape-utils.js';
import { maximum, mul } from '../prims/binary.js';
import { abs, rsqrt, sqrt, square } from '../prims/unary.js';
import { max, min, reducedShape, sum } from '../prims/reduce.js';
import { reshape } from '../prims/movement.js';
import { floatInput } from './common.js';

/** Options of norm. */
export interface NormOptions {
  /**
   * 'euclidean' (default; Keras ord=None): √Σx² over the axes, any number of them. 'fro': the same, for exactly
   * two axes. 1, 2, Infinity, -Infinity: vector norms over one axis; 1, Infinity, -Infinity: the induced matrix
   * norms over two axes (max column sum, max row sum, min row sum of |x|).
   */
  ord?: 'euclidean' | 'fro' | number;
  /** One axis (vector norm), two (matrix norm), or null: all axes for 'euclidean', else the input's rank (1 or 2). */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes as size 1. */
  keepDims?: boolean;
}

function normAxes(t: Tensor, ord: NormOptions['ord'], axis: NormOptions['axis']): number[] {
  if (axis === null || axis === undefined) {
    if (ord === 'euclidean') return t.shape.map((_, i) => i);
    // As NumPy and Keras (TF.js instead treats the input as one flattened vector for every ord).
    if (t.rank !== 1 && t.rank !== 2)
      throw new ShapeError(`norm: ord ${String(ord)} with axis null needs a rank 1 or 2 input, got shape ${fmtShape(t.shape)}`);
    return t.shape.map((_, i) => i);
  }
  // Not normalizeAxes: a matrix norm's axis order (rows, columns) matters.
  const list = (typeof axis === 'number' ? [axis] : [...axis]).map((a) => normalizeAxis('norm', a, t.rank));
  if (new Set(list).size !== list.length) throw new ShapeError(`norm: repeated axis in ${fmtShape(list)}`);
  return list;
}

function unsupported(ord: NormOptions['ord'], what: string): ValueError {
  return new ValueError(`norm: unsupported ord ${String(ord)} for a ${what} norm ` +
    (what === 'vector' ? "(expected 'euclidean', 1, 2, Infinity or -Infinity)" : "(expected 'euclidean', 'fro', 1, Infinity or -Infinity)"));
}

/**
 * Vector or matrix norm of `x` over `axis` (Keras `ops.norm`, TF.js `tf.norm`). The gradient of the euclidean
 * norm at an all-zero slice is NaN (0/0), as in TensorFlow.
 */
export function norm(x: OpInput, { ord = 'euclidean', axis = null, keepDims = false }: NormOptions = {}): Tensor {
  const t = floatInput('norm', x);
  const axes = normAxes(t, ord, axis);
  let r: Tensor;
  if (ord === 'euclidean' || (ord === 'fro' && axes.length === 2) || (ord === 2 && axes.length === 1)) {
    r = sqrt(sum(square(t), axes, true));
  } else if (axes.length === 1) {
    if (ord === 1) r = sum(abs(t), axes, true);
    else if (ord === Infinity) r = max(abs(t), axes, true);
    else if (ord === -Infinity) r = min(abs(t), axes, true);
    else throw unsupported(ord, 'vector');
  } else if (axes.length === 2) {
    const [rows, cols] = axes;
    // ord 2 (the largest singular value) would need an SVD.
    if (ord === 1) r = max(sum(abs(t), rows, true), cols, true);
    else if (ord === Infinity) r = max(sum(abs(t), cols, true), rows, true);
    else if (ord === -Infinity) r = min(sum(abs(t), cols, true), rows, true);
    else throw unsupported(ord, 'matrix');
  } else {
    throw new ShapeError(`norm: ord ${String(ord)} needs 1 or 2 axes, got ${axes.length} (input shape ${fmtShape(t.shape)})`);
  }
  return keepDims ? r : reshape(r, reducedShape(t.shape, [...axes].sort((a, b) => a - b), false));
}

/**
 * x / max(‖x‖₂, epsilon) over `axis` (Keras 3 `ops.normalize(x, axis, order=2)` with UnitNormalization's
 * epsilon 1e-12). TensorFlow's `tf.math.l2_normalize` instead bounds the squared sum by epsilon.
 */
export function l2Normalize(x: OpInput, axis: number | readonly number[] = -1, epsilon = 1e-12): Tensor {
  const t = floatInput('l2Normalize', x);
  const axes = normalizeAxes('l2Normalize', axis, t.rank);
  // Keras computes x·min(rsqrt(Σx²), 1/ε); rsqrt(max(Σx², ε²)) is the same value (rsqrt decreases) but keeps
  // the gradient of an all-zero slice finite instead of 0·∞.
  return mul(t, rsqrt(maximum(sum(square(t), axes, true), epsilon * epsilon)));
}
