// concat (a primitive with N inputs, gradient = the matching slices of dy) and the composites built on it and on
// slicing: stack, split, unstack.
import { ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { Variable } from '../../core/variable.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive } from '../registry.js';
import { normalizeAxis, sameDtype } from '../shape-utils.js';
import { expandDims, reshape } from './movement.js';
import { sliceBox } from './slice.js';

/** Slices of `x` along `axis` with the given sizes, in order. */
function splitBySizes(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  let offset = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, i) => (i === axis ? offset : 0));
    offset += s;
    return sliceBox(x, begin, x.shape.map((d, i) => (i === axis ? s : d)));
  });
}

/** Joins N tensors along an existing axis. */
export const concatPrim = definePrimitive<{ axis: number }>({
  name: 'concat',
  kind: 'movement',
  infer: (xs, { axis }) => {
    if (xs.length === 0) throw new ValueError('concat: expected at least one tensor');
    const first = xs[0].shape;
    if (!Number.isInteger(axis) || axis < 0 || axis >= first.length)
      throw new ShapeError(`concat: axis ${axis} is out of range for input shape ${fmtShape(first)}`);
    xs.forEach(({ shape }, k) => {
      if (shape.length !== first.length || shape.some((d, i) => i !== axis && d !== first[i]))
        throw new ShapeError(`concat: input ${k} has shape ${fmtShape(shape)}, which does not match input 0 ` +
          `shape ${fmtShape(first)} except on axis ${axis}`);
    });
    const dtype = sameDtype('concat', xs);
    const shape = [...first];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
    return [{ shape, dtype }];
  },
  grad: (xs, _y, [dy], { axis }) => splitBySizes(dy, xs.map((x) => x.shape[axis]), axis),
  // Each tensor viewed as [outer, axis, inner]: one block copy per (outer row, input).
  kernelCall: (xs, { axis }, [o]) => {
    const outer = o.shape.slice(0, axis).reduce((n, d) => n * d, 1);
    const inner = o.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
    return { kernel: 'concat', args: [xs.length, outer, inner, xs.map((x) => x.shape[axis])] };
  },
});

/** Converts a list of op inputs; JS numbers take the dtype of the first tensor in the list. */
function toTensors(op: string, xs: readonly OpInput[]): Tensor[] {
  if (xs.length === 0) throw new ValueError(`${op}: expected at least one tensor`);
  const like = xs.find((x): x is Tensor | Variable => x instanceof Tensor || x instanceof Variable);
  return xs.map((x) => toTensor(x, like?.dtype ?? 'float32'));
}

/** Joins tensors along an existing axis; all other dims and the dtypes must match (as tf.concat). */
export function concat(xs: readonly OpInput[], axis = 0): Tensor {
  const ts = toTensors('concat', xs);
  const a = normalizeAxis('concat', axis, ts[0].rank);
  return ts.length === 1 ? ts[0] : apply1(concatPrim, ts, { axis: a });
}

/** Joins same-shaped tensors along a new axis (as tf.stack). */
export function stack(xs: readonly OpInput[], axis = 0): Tensor {
  const ts = toTensors('stack', xs);
  const first = ts[0].shape;
  ts.forEach((t, k) => {
    if (t.rank !== first.length || t.shape.some((d, i) => d !== first[i]))
      throw new ShapeError(`stack: input ${k} has shape ${fmtShape(t.shape)}, expected ${fmtShape(first)} like input 0`);
  });
  const a = normalizeAxis('stack', axis, first.length + 1);
  return concat(ts.map((t) => expandDims(t, a)), a);
}

/**
 * Splits x along `axis` into `numOrSizeSplits` equal parts, or into parts of the listed sizes (one may be -1:
 * the rest), as tf.split.
 */
export function split(x: OpInput, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  const t = toTensor(x);
  const a = normalizeAxis('split', axis, t.rank);
  const n = t.shape[a];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    const k = numOrSizeSplits;
    if (!Number.isInteger(k) || k <= 0 || n % k !== 0)
      throw new ShapeError(`split: cannot split axis ${a} of size ${n} into ${k} equal parts ` +
        `(input shape ${fmtShape(t.shape)})`);
    sizes = new Array<number>(k).fill(n / k);
  } else {
    sizes = [...numOrSizeSplits];
    const unknown = sizes.filter((s) => s === -1).length;
    const known = sizes.filter((s) => s !== -1);
    const rest = n - known.reduce((p, s) => p + s, 0);
    if (unknown > 1 || known.some((s) => !Number.isInteger(s) || s < 0) || (unknown ? rest < 0 : rest !== 0))
      throw new ShapeError(`split: sizes ${fmtShape(sizes)} do not add up to axis ${a} of size ${n} ` +
        `(input shape ${fmtShape(t.shape)})`);
    sizes = sizes.map((s) => (s === -1 ? rest : s));
  }
  return splitBySizes(t, sizes, a);
}

/** Splits x along `axis` into its slices, removing that axis (as tf.unstack). */
export function unstack(x: OpInput, axis = 0): Tensor[] {
  const t = toTensor(x);
  const a = normalizeAxis('unstack', axis, t.rank);
  const shape = t.shape.filter((_, i) => i !== a);
  return splitBySizes(t, new Array<number>(t.shape[a]).fill(1), a).map((s) => reshape(s, shape));
}
