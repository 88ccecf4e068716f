// Slicing primitives. stridedSlice reads a strided box of x (negative steps walk backwards) through the strided
// copy kernel; stridedSliceGrad writes such a box into zeros (the stridedScatter kernel). Each is the other's gradient. The public ops
// (slice, stridedSlice, reverse) resolve user arguments into a box: start, size and step per axis.
import { ShapeError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type Primitive } from '../registry.js';
import { contiguousStrides, normalizeAxes } from '../shape-utils.js';
import { copyCall } from './movement.js';

/** A resolved box: per axis the first index read, the number of elements and the step (never 0). */
interface BoxAttrs extends Record<string, unknown> {
  begin: number[];
  size: number[];
  strides: number[];
}

/** Throws unless the box lies inside `shape`. */
function checkBox(op: string, shape: readonly number[], { begin, size, strides }: BoxAttrs): void {
  const bad = (why: string): never => {
    throw new ShapeError(`${op}: ${why} (input shape ${fmtShape(shape)}, begin ${fmtShape(begin)}, ` +
      `size ${fmtShape(size)}, strides ${fmtShape(strides)})`);
  };
  if (begin.length !== shape.length || size.length !== shape.length || strides.length !== shape.length)
    bad(`begin, size and strides must have one entry per axis (${shape.length})`);
  shape.forEach((n, i) => {
    const [b, s, st] = [begin[i], size[i], strides[i]];
    if (!Number.isInteger(b) || !Number.isInteger(s) || !Number.isInteger(st) || st === 0 || s < 0)
      bad(`axis ${i}: begin, size must be integers with size ≥ 0 and stride a nonzero integer`);
    if (s > 0 && (b < 0 || b >= n || b + (s - 1) * st < 0 || b + (s - 1) * st >= n))
      bad(`axis ${i}: box leaves the axis of size ${n}`);
  });
}

/** Offset of the box's first element and its element strides inside a row-major tensor of `shape`. */
function boxLayout(shape: readonly number[], { begin, strides }: BoxAttrs): [number, number[]] {
  const st = contiguousStrides(shape);
  const offset = begin.reduce((acc, b, i) => acc + b * st[i], 0);
  return [offset, st.map((s, i) => s * strides[i])];
}

/** Attributes of stridedSliceGrad: the shape written into, and the box's start and step per axis. */
interface BoxGradAttrs extends Record<string, unknown> {
  shape: number[];
  begin: number[];
  strides: number[];
}

/** Reads a resolved box of x; the output has the box's size. */
export const stridedSlicePrim: Primitive<BoxAttrs> = definePrimitive<BoxAttrs>({
  name: 'stridedSlice',
  kind: 'movement',
  infer: ([x], box) => {
    checkBox('stridedSlice', x.shape, box);
    return [{ shape: [...box.size], dtype: x.dtype }];
  },
  grad: ([x], _y, [dy], { begin, strides }) => [apply1(stridedSliceGradPrim, [dy], { shape: [...x.shape], begin, strides })],
  // An empty box touches nothing (the copy kernel checks no bounds for it).
  kernelCall: ([x], box, [o]) => {
    const [offset, strides] = boxLayout(x.shape, box);
    return copyCall(offset, strides, 0, contiguousStrides(o.shape), o.shape);
  },
});

/** Writes dy into the box (begin, strides, size = dy's shape) of a zero tensor of `shape`. */
export const stridedSliceGradPrim: Primitive<BoxGradAttrs> = definePrimitive<BoxGradAttrs>({
  name: 'stridedSliceGrad',
  kind: 'movement',
  infer: ([dy], { shape, begin, strides }) => {
    checkBox('stridedSliceGrad', shape, { begin, size: [...dy.shape], strides });
    return [{ shape: [...shape], dtype: dy.dtype }];
  },
  grad: ([dy], _y, [ddy], { begin, strides }) => [apply1(stridedSlicePrim, [ddy], { begin, size: [...dy.shape], strides })],
  // The kernel zero-fills the output, then writes dy into the box.
  kernelCall: ([dy], { shape, begin, strides }) => ({
    kernel: 'stridedScatter',
    args: [shape.length, shape, dy.shape, begin, strides],
  }),
});

/** @internal Reads an already resolved box of x (used by concat, split and pad gradients). */
export function sliceBox(x: Tensor, begin: readonly number[], size: readonly number[],
                         strides: readonly number[] = size.map(() => 1)): Tensor {
  if (strides.every((s) => s === 1) && begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
  return apply1(stridedSlicePrim, [x], { begin: [...begin], size: [...size], strides: [...strides] });
}

/**
 * The block of x starting at `begin` with `size` elements per axis (-1: to the end of the axis), as tf.slice.
 * Indices are not clamped: the block must lie inside x.
 */
export function slice(x: OpInput, begin: readonly number[], size: readonly number[]): Tensor {
  const t = toTensor(x);
  const bad = (why: string): never => {
    throw new ShapeError(`slice: ${why} (input shape ${fmtShape(t.shape)}, begin ${fmtShape(begin)}, ` +
      `size ${fmtShape(size)})`);
  };
  if (begin.length !== t.rank || size.length !== t.rank) bad(`begin and size must have ${t.rank} entries`);
  const resolved = t.shape.map((n, i) => {
    const [b, s] = [begin[i], size[i]];
    if (!Number.isInteger(b) || b < 0 || b > n) bad(`axis ${i}: begin ${b} is outside [0, ${n}]`);
    const r = s === -1 ? n - b : s;
    if (!Number.isInteger(r) || r < 0 || b + r > n) bad(`axis ${i}: size ${s} does not fit after begin ${b} in ${n}`);
    return r;
  });
  return sliceBox(t, resolved.map((s, i) => (s > 0 ? begin[i] : 0)), resolved);
}

/** Bit masks of stridedSlice, as in TensorFlow: bit i set means begin[i] / end[i] is ignored (full range). */
export interface StridedSliceOptions {
  /** Axes whose begin is ignored (start from the first element in the walking direction). */
  beginMask?: number;
  /** Axes whose end is ignored (run to the last element in the walking direction). */
  endMask?: number;
}

/** NumPy resolution of one axis: start index and element count, with clamping. */
function resolveAxis(n: number, begin: number, end: number, step: number, maskBegin: boolean,
                     maskEnd: boolean): [number, number] {
  const norm = (i: number) => (i < 0 ? i + n : i);
  if (step > 0) {
    const start = maskBegin ? 0 : Math.min(Math.max(norm(begin), 0), n);
    const stop = maskEnd ? n : Math.min(Math.max(norm(end), 0), n);
    return [start, Math.max(0, Math.ceil((stop - start) / step))];
  }
  const start = maskBegin ? n - 1 : Math.min(Math.max(norm(begin), -1), n - 1);
  const stop = maskEnd ? -1 : Math.min(Math.max(norm(end), -1), n - 1);
  return [start, Math.max(0, Math.ceil((start - stop) / -step))];
}

/**
 * x[begin:end:strides] per axis with NumPy semantics: negative indices count from the end, out-of-range bounds are
 * clamped, negative strides walk backwards. Axes beyond the given lists are taken whole.
 */
export function stridedSlice(x: OpInput, begin: readonly number[], end: readonly number[],
                             strides?: readonly number[], { beginMask = 0, endMask = 0 }: StridedSliceOptions = {}): Tensor {
  const t = toTensor(x);
  const steps = strides ?? begin.map(() => 1);
  const k = begin.length;
  if (end.length !== k || steps.length !== k || k > t.rank)
    throw new ShapeError(`stridedSlice: begin ${fmtShape(begin)}, end ${fmtShape(end)} and strides ` +
      `${fmtShape(steps)} must have the same length, at most the rank ${t.rank} (input shape ${fmtShape(t.shape)})`);
  if ([...begin, ...end, ...steps].some((v) => !Number.isInteger(v)) || steps.includes(0))
    throw new ShapeError(`stridedSlice: begin, end and strides must be integers and strides nonzero ` +
      `(got strides ${fmtShape(steps)}, input shape ${fmtShape(t.shape)})`);
  const starts: number[] = [], sizes: number[] = [], st: number[] = [];
  t.shape.forEach((n, i) => {
    const step = i < k ? steps[i] : 1;
    const [start, size] = i < k
      ? resolveAxis(n, begin[i], end[i], step, ((beginMask >> i) & 1) === 1, ((endMask >> i) & 1) === 1)
      : [0, n];
    starts.push(size > 0 ? start : 0);
    sizes.push(size);
    st.push(size > 0 ? step : 1);
  });
  return sliceBox(t, starts, sizes, st);
}

/** Reverses the order of elements along `axes` (all axes when omitted), as tf.reverse / np.flip. */
export function reverse(x: OpInput, axes?: number | readonly number[]): Tensor {
  const t = toTensor(x);
  const list = normalizeAxes('reverse', axes, t.rank);
  const flip = (i: number) => list.includes(i) && t.shape[i] > 1;
  return sliceBox(t, t.shape.map((n, i) => (flip(i) ? n - 1 : 0)), t.shape, t.shape.map((_, i) => (flip(i) ? -1 : 1)));
}
