// Shape arithmetic shared by the primitives' shape rules and eager kernels.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import type { DType } from '../core/dtype.js';
import type { TensorInfo } from './registry.js';

/** NumPy broadcasting of two shapes; throws a ShapeError naming `op`. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} are not broadcast-compatible ` +
        `(dim ${i - rank}: ${da} vs ${db})`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Element strides of `shape` (row-major) viewed at `outShape`'s rank, with 0 for broadcast dims. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = rank - shape.length + i;
    strides[o] = shape[i] === 1 && outShape[o] !== 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

/** Row-major element strides. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** True when two values have the same shape and dtype. */
export function sameTensorInfo(a: TensorInfo, b: TensorInfo): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape);
}

/** Normalizes a possibly negative axis into [0, rank); throws naming `op`. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new ShapeError(`${op}: axis ${axis} is out of range for rank ${rank} (expected ${-rank}..${rank - 1})`);
  return axis < 0 ? axis + rank : axis;
}

/** Normalizes a list of axes (undefined: all axes), sorted and without duplicates. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const norm = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(norm).size !== norm.length) throw new ShapeError(`${op}: repeated axis in ${fmtShape(list)}`);
  return norm.sort((x, y) => x - y);
}

/** Throws unless every input has the same dtype; returns it. */
export function sameDtype(op: string, inputs: readonly TensorInfo[]): DType {
  const d = inputs[0].dtype;
  for (let i = 1; i < inputs.length; i++)
    if (inputs[i].dtype !== d)
      throw new ValueError(`${op}: dtype mismatch: input 0 is ${d}, input ${i} is ${inputs[i].dtype}`);
  return d;
}

/** Throws unless `dtype` is one of `allowed`. */
export function expectDtype(op: string, what: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype))
    throw new ValueError(`${op}: ${what} must be ${allowed.join(' or ')}, got ${dtype}`);
}

/** Throws unless the rank is as expected. */
export function expectRank(op: string, what: string, shape: readonly number[], ranks: readonly number[]): void {
  if (!ranks.includes(shape.length))
    throw new ShapeError(`${op}: ${what} must have rank ${ranks.join(' or ')}, got shape ${fmtShape(shape)}`);
}

/** Checks a user shape: non-negative integers. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(`${op}: invalid shape ${JSON.stringify(shape)} (expected non-negative integers)`);
  return [...shape];
}

export const FLOATS: readonly DType[] = ['float32', 'float64'];
export const NUMERIC: readonly DType[] = ['float32', 'float64', 'int32'];
export const ALL_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
