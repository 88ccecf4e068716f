// Keras masks travel as metadata of tensors (Keras `_keras_mask`): a bool tensor per input, kept here in a weak map
// so that tensors stay immutable and masks are collected with them.
import type { Tensor } from '../core/tensor.js';

const masks = new WeakMap<Tensor, Tensor>();

/** The mask attached to `x`, or null. */
export function getMask(x: Tensor): Tensor | null {
  return masks.get(x) ?? null;
}

/** Attaches `mask` to `x` (null removes it). */
export function setMask(x: Tensor, mask: Tensor | null): void {
  if (mask) masks.set(x, mask);
  else masks.delete(x);
}
