// oneHot as a composite: compare the indices with 0..depth-1, then pick onValue or offValue.
import { isDType, type DType } from '../../core/dtype.js';
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { toTensor, type OpInput } from '../dispatch.js';
import { expectDtype } from '../shape-utils.js';
import { fill, range } from '../creation.js';
import { equal } from './binary.js';
import { expandDims } from './movement.js';
import { select } from './select.js';

/** Options of oneHot (as tf.one_hot). */
export interface OneHotOptions {
  /** Value where the index matches (default 1). */
  onValue?: number;
  /** Value elsewhere (default 0). */
  offValue?: number;
  /** Output dtype (default float32). */
  dtype?: DType;
}

/**
 * One-hot encoding along a new last axis of size `depth`; indices outside [0, depth) give rows of offValue
 * (as tf.one_hot).
 */
export function oneHot(indices: OpInput, depth: number,
                       { onValue = 1, offValue = 0, dtype = 'float32' }: OneHotOptions = {}): Tensor {
  const t = toTensor(indices, 'int32');
  expectDtype('oneHot', 'indices', t.dtype, ['int32']);
  if (!Number.isInteger(depth) || depth < 0)
    throw new ValueError(`oneHot: depth must be a non-negative integer, got ${depth}`);
  if (!isDType(dtype)) throw new ValueError(`oneHot: unknown dtype ${JSON.stringify(dtype)}`);
  const hit = equal(expandDims(t, -1), range(0, depth, 1, 'int32'));
  return select(hit, fill([], onValue, dtype), fill([], offValue, dtype));
}
