import { DTYPE_CODE, type DType } from '../core/dtype.js';
import { native } from '../core/native.js';
import { Storage, Tensor } from '../core/tensor.js';

// Scalars made from JS numbers are cached: eager code like `mul(x, 2)` should not allocate per call.
// Cached scalars are never disposed (they are not tracked by tidy scopes).
const cache = new Map<string, Tensor>();
const MAX_CACHED = 512;

/** A shared, cached rank-0 tensor holding `value` as `dtype` (never dispose it). */
export function cachedScalar(value: number, dtype: DType = 'float32'): Tensor {
  const key = dtype + ':' + value;
  const hit = cache.get(key);
  if (hit) return hit;
  const data = native.alloc(DTYPE_CODE[dtype], 1);
  data[0] = dtype === 'bool' ? (value ? 1 : 0) : value;
  const t = new Tensor([], dtype, null);
  t.storage = new Storage(data);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, t);
  return t;
}
