// clip as a composite of maximum and minimum: the gradient passes where min ≤ x ≤ max and is 0 elsewhere.
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { toTensor, type OpInput } from '../dispatch.js';
import { maximum, minimum } from './binary.js';

/** Limits x to [min, max] elementwise (bounds broadcast against x), as Keras ops.clip / tf.clip_by_value. */
export function clip(x: OpInput, min: OpInput, max: OpInput): Tensor {
  if (typeof min === 'number' && typeof max === 'number' && min > max)
    throw new ValueError(`clip: min ${min} is greater than max ${max}`);
  return minimum(maximum(toTensor(x), min), max);
}
