// The reverse sweep shared by GradientTape (eager) and compiler/autodiff's symbolic tape (graphs): one place
// applies the primitives' gradient rules, so both differentiate identically.
import { isFloat } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import type { Attrs, Primitive } from '../ops/registry.js';
import { add } from '../ops/prims/binary.js';
import { zerosLike } from '../ops/creation.js';

/** One recorded op application. */
export interface TapeEntry {
  readonly prim: Primitive;
  readonly inputs: Tensor[];
  readonly outputs: Tensor[];
  readonly attrs: Attrs;
}

/**
 * Walks `entries` backwards from the gradients already in `grads` (tensor id → gradient), applying each
 * primitive's gradient rule and accumulating into the watched float inputs.
 */
export function backpropagate(entries: readonly TapeEntry[], grads: Map<number, Tensor>,
                              isWatched: (t: Tensor) => boolean): void {
  for (let i = entries.length - 1; i >= 0 && grads.size > 0; i--) {
    const e = entries[i];
    if (!e.outputs.some((o) => grads.has(o.id))) continue;
    const dys = e.outputs.map((o) => grads.get(o.id) ?? zerosLike(o));
    const dxs = e.prim.grad!(e.inputs, e.outputs, dys, e.attrs);
    e.inputs.forEach((x, k) => {
      const dx = dxs[k];
      if (!dx || !isWatched(x) || !isFloat(x.dtype)) return;
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? add(prev, dx) : dx);
    });
  }
}
