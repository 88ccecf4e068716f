// Shape-only primitives: reshape (a view, no copy), transpose and broadcastTo (strided copies).
import { ShapeError, fmtShape } from '../../core/errors.js';
import { Tensor, sizeOf } from '../../core/tensor.js';
import { kernel } from '../../core/native.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type KernelCallSpec } from '../registry.js';
import { broadcastShapes, broadcastStrides, checkShape, contiguousStrides, normalizeAxis } from '../shape-utils.js';
import { sumTo } from '../composites/sum-to.js';

const copy = kernel('copy');

/** Runs the strided-copy kernel: dst region (offset, strides) ← src region over `shape`. */
export function stridedCopy(src: Tensor, srcOffset: number, srcStrides: readonly number[], dst: Tensor,
                            dstOffset: number, dstStrides: readonly number[], shape: readonly number[]): void {
  copy.call([src.dataSync()], [dst.dataSync()], shape.length, shape, srcOffset, srcStrides, dstOffset, dstStrides);
}

/** The strided-copy kernel's call: dst region (offset, strides) ← src region over `shape`. */
export function copyCall(srcOffset: number, srcStrides: readonly number[], dstOffset: number,
                         dstStrides: readonly number[], shape: readonly number[]): KernelCallSpec {
  return { kernel: 'copy', args: [shape.length, shape, srcOffset, srcStrides, dstOffset, dstStrides] };
}

/** A contiguous copy of all of a tensor of `shape` (the kernel call of ops that only relabel bytes). */
export function flatCopyCall(shape: readonly number[]): KernelCallSpec {
  const n = sizeOf(shape);
  return copyCall(0, [1], 0, [1], [n]);
}

/** Resolves one -1 in a requested shape and checks the element count. */
export function resolveShape(op: string, from: readonly number[], shape: readonly number[]): number[] {
  const n = sizeOf(from);
  const known = shape.filter((d) => d !== -1);
  const unknown = shape.length - known.length;
  if (unknown > 1 || known.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(`${op}: invalid target shape ${fmtShape(shape)}`);
  const k = sizeOf(known);
  const out = shape.map((d) => (d === -1 ? (k === 0 ? 0 : n / k) : d));
  if (sizeOf(out) !== n || out.some((d) => !Number.isInteger(d)))
    throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} (${n} elements) to ${fmtShape(shape)}`);
  return out;
}

export const reshapePrim = definePrimitive<{ shape: number[] }>({
  name: 'reshape',
  kind: 'movement',
  infer: ([x], { shape }) => [{ shape: resolveShape('reshape', x.shape, shape), dtype: x.dtype }],
  grad: ([x], _y, [dy]) => [reshape(dy, x.shape)],
  // Eagerly a view; an executor that cannot alias runs it as a copy.
  kernelCall: ([x]) => flatCopyCall(x.shape),
  eager: ([x], _a, [o]) => [Tensor.view(x, o.shape)],
});

/** Same elements, new shape (one dim may be -1). Shares memory with x. */
export function reshape(x: OpInput, shape: readonly number[]): Tensor {
  const t = toTensor(x);
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  return apply1(reshapePrim, [t], { shape: [...shape] });
}

export const transposePrim = definePrimitive<{ perm: number[] }>({
  name: 'transpose',
  kind: 'movement',
  infer: ([x], { perm }) => {
    if (perm.length !== x.shape.length || new Set(perm).size !== perm.length ||
        perm.some((p) => !Number.isInteger(p) || p < 0 || p >= x.shape.length))
      throw new ShapeError(`transpose: perm ${fmtShape(perm)} is not a permutation of ${x.shape.length} axes ` +
        `(input shape ${fmtShape(x.shape)})`);
    return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
  },
  grad: (_x, _y, [dy], { perm }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [transpose(dy, inv)];
  },
  kernelCall: ([x], { perm }, [o]) => {
    const st = contiguousStrides(x.shape);
    return copyCall(0, perm.map((p) => st[p]), 0, contiguousStrides(o.shape), o.shape);
  },
});

/** Permutes the axes (default: reverses them). */
export function transpose(x: OpInput, perm?: readonly number[]): Tensor {
  const t = toTensor(x);
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, t.rank)) : t.shape.map((_, i) => t.rank - 1 - i);
  if (p.length === t.rank && p.every((a, i) => a === i)) return t;
  return apply1(transposePrim, [t], { perm: p });
}

export const broadcastToPrim = definePrimitive<{ shape: number[] }>({
  name: 'broadcastTo',
  kind: 'movement',
  infer: ([x], { shape }) => {
    checkShape('broadcastTo', shape);
    const b = broadcastShapes('broadcastTo', x.shape, shape);
    if (b.length !== shape.length || b.some((d, i) => d !== shape[i]))
      throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    return [{ shape: [...shape], dtype: x.dtype }];
  },
  grad: ([x], _y, [dy]) => [sumTo(dy, x.shape)],
  kernelCall: ([x], { shape }) => copyCall(0, broadcastStrides(x.shape, shape), 0, contiguousStrides(shape), shape),
});

/** Broadcasts x to `shape` (NumPy rules). */
export function broadcastTo(x: OpInput, shape: readonly number[]): Tensor {
  const t = toTensor(x);
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  return apply1(broadcastToPrim, [t], { shape: [...shape] });
}

/** Inserts a size-1 axis at `axis` (-1: last). */
export function expandDims(x: OpInput, axis = 0): Tensor {
  const t = toTensor(x);
  const a = normalizeAxis('expandDims', axis, t.rank + 1);
  const shape = [...t.shape];
  shape.splice(a, 0, 1);
  return reshape(t, shape);
}

/** Removes size-1 axes (all of them, or those listed). */
export function squeeze(x: OpInput, axes?: number | readonly number[]): Tensor {
  const t = toTensor(x);
  const list = axes === undefined ? null : (typeof axes === 'number' ? [axes] : axes).map((a) => normalizeAxis('squeeze', a, t.rank));
  if (list) for (const a of list)
    if (t.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} has size ${t.shape[a]}, expected 1 (shape ${fmtShape(t.shape)})`);
  return reshape(t, t.shape.filter((d, i) => (list ? !list.includes(i) : d !== 1)));
}
