// Tensor creation: from JS values, filled, identity and ranges. All results are concrete (also while tracing,
// where they become constants of the graph).
import { dtypeOfArray, isDType, type DType, type TypedArray } from '../core/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { Tensor, sizeOf } from '../core/tensor.js';
import { kernel } from '../core/native.js';
import { checkShape } from './shape-utils.js';

const fillKernel = kernel('fill');

/** Nested arrays of numbers/booleans, as `tensor()` accepts them. */
export type NestedArray = number | boolean | NestedArray[];

// Creation ops take dtypes from users (often untyped JS): an unknown name must not reach the native allocator.
function checkDtype(op: string, dtype: DType): DType {
  if (!isDType(dtype)) throw new ValueError(`${op}: unknown dtype ${JSON.stringify(dtype)}`);
  return dtype;
}

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
    if (v === undefined) break;
  }
  return shape;
}

function flatten(values: NestedArray, shape: readonly number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (Array.isArray(values)) throw new ShapeError(`tensor: ragged nested array (expected shape ${fmtShape(shape)})`);
    out.push(typeof values === 'boolean' ? Number(values) : values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim])
    throw new ShapeError(`tensor: ragged nested array (expected shape ${fmtShape(shape)})`);
  for (const v of values) flatten(v, shape, dim + 1, out);
}

/**
 * A tensor from JS values: nested arrays, a flat array or typed array with `shape`, or a number.
 * The dtype defaults to the typed array's, to bool for booleans, else float32.
 */
export function tensor(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  if (dtype !== undefined) checkDtype('tensor', dtype);
  let flat: ArrayLike<number>;
  let inferred: number[];
  let d: DType;
  if (ArrayBuffer.isView(values)) {
    flat = values;
    inferred = [values.length];
    d = dtype ?? dtypeOfArray(values);
  } else {
    inferred = inferShape(values);
    const out: number[] = [];
    flatten(values, inferred, 0, out);
    flat = out;
    let first: NestedArray = values;
    while (Array.isArray(first)) first = first[0];
    d = dtype ?? (typeof first === 'boolean' ? 'bool' : 'float32');
  }
  const s = shape ? checkShape('tensor', shape) : inferred;
  if (sizeOf(s) !== flat.length)
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(s)} (${sizeOf(s)} elements)`);
  const t = Tensor.alloc(s, d);
  const data = t.dataSync();
  if (d === 'bool') for (let i = 0; i < flat.length; i++) data[i] = flat[i] ? 1 : 0;
  else data.set(flat);
  return t;
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32'));
}

/** A tensor of `shape` filled with `value`. */
export function fill(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  const t = Tensor.alloc(checkShape('fill', shape), checkDtype('fill', dtype));
  if (value !== 0) fillKernel.call([], [t.dataSync()], value);
  return t;
}

/** Zeros of `shape`. */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return Tensor.alloc(checkShape('zeros', shape), checkDtype('zeros', dtype));
}

/** Ones of `shape`. */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

/** Zeros with x's shape and dtype (concrete, also when x is symbolic: shapes are static). */
export function zerosLike(x: { shape: readonly number[]; dtype: DType }): Tensor {
  return zeros(x.shape, x.dtype);
}

/** Ones with x's shape and dtype. */
export function onesLike(x: { shape: readonly number[]; dtype: DType }): Tensor {
  return ones(x.shape, x.dtype);
}

/** An n×m identity matrix (m defaults to n). */
export function eye(n: number, m: number = n, dtype: DType = 'float32'): Tensor {
  const t = Tensor.alloc(checkShape('eye', [n, m]), checkDtype('eye', dtype));
  const data = t.dataSync();
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return t;
}

/** start, start+step, ... up to (not including) stop; like NumPy arange. */
export function range(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new ValueError('range: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (!Number.isFinite(n)) throw new ValueError(`range: start ${start}, stop ${stop}, step ${step} give no finite length`);
  const t = Tensor.alloc([n], checkDtype('range', dtype));
  const data = t.dataSync();
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return t;
}

