// Gradient clipping as Keras 3 does it: per-gradient norm, global norm, or value.
import type { Tensor } from '../core/tensor.js';
import { add, div, maximum, minimum, mul, sub } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { clip } from '../ops/prims/clip.js';
import { sum } from '../ops/prims/reduce.js';
import { sqrt, square } from '../ops/prims/unary.js';

/** g · c / max(‖g‖₂, c): rescales g so that its L2 norm is at most c. */
export function clipByNorm(g: Tensor, clipnorm: number): Tensor {
  return div(mul(g, clipnorm), maximum(sqrt(sum(square(g))), clipnorm));
}

/**
 * Scales every gradient by c / max(‖all‖₂, c), where ‖all‖₂ is the norm of all gradients together (computed in
 * the first gradient's dtype). A non-finite global norm makes every gradient NaN, as in Keras.
 */
export function clipByGlobalNorm(grads: readonly Tensor[], clipnorm: number): Tensor[] {
  if (grads.length === 0) return [];
  const dtype = grads[0].dtype;
  let squared = cast(sum(square(grads[0])), dtype);
  for (const g of grads.slice(1)) squared = add(squared, cast(sum(square(g)), dtype));
  const norm = sqrt(squared);
  // c · min(1/‖all‖, 1/c), plus (norm − norm), which is 0 for finite norms and NaN otherwise.
  const scale = add(mul(clipnorm, minimum(div(1, norm), 1 / clipnorm)), sub(norm, norm));
  return grads.map((g) => mul(g, cast(scale, g.dtype)));
}

/** Clips every element of g to [−v, v]. */
export function clipByValue(g: Tensor, clipvalue: number): Tensor {
  return clip(g, -clipvalue, clipvalue);
}
