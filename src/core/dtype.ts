/** Element types of Kiln tensors. float64 exists for references and gradient checks. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The typed array that holds each dtype (bool is one byte per element, 0 or 1). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Codes shared with native/rt/kernel.h (enum DType). */
export const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };

/** Bytes per element. */
export const DTYPE_BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** True for float32 and float64. */
export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/** The dtype a typed array holds. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Checks a user-supplied dtype name. */
export function isDType(d: unknown): d is DType {
  return d === 'float32' || d === 'float64' || d === 'int32' || d === 'bool';
}
