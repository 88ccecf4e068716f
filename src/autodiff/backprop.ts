// The reverse sweep shared by GradientTape (eager) and compiler/autodiff's symbolic tape (graphs): one place
// applies the primitives' gradient rules, so both differentiate identically.
import { isFloat } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import type { Attrs, Primitive } from '../ops/registry.js';
import { add } from '../ops/prims/binary.js';
import { concat } from '../ops/prims/concat.js';
import { zeros, zerosLike } from '../ops/creation.js';
import { stridedSlicePrim } from '../ops/prims/slice.js';

/** One recorded op application. */
export interface TapeEntry {
  readonly prim: Primitive;
  readonly inputs: Tensor[];
  readonly outputs: Tensor[];
  readonly attrs: Attrs;
}

/** A stridedSlice's output gradient, not yet written into its input's shape. */
interface SlicePiece {
  readonly entry: TapeEntry;
  readonly dy: Tensor;
}

/**
 * Walks `entries` backwards from the gradients already in `grads` (tensor id → gradient), applying each
 * primitive's gradient rule and accumulating into the watched float inputs.
 *
 * Gradients flowing back through stridedSlice are held until their input's gradient is needed: when the slices
 * tile one axis (split / unstack), their dy pieces are joined with one concat instead of summing T full-size
 * scatters (stridedSlice's own rule), which made unrolled RNNs O(T²) — TensorFlow's IndexedSlices, in small.
 */
export function backpropagate(entries: readonly TapeEntry[], grads: Map<number, Tensor>,
                              isWatched: (t: Tensor) => boolean): void {
  const slices = new Map<number, { x: Tensor; pieces: SlicePiece[] }>();
  const accumulate = (x: Tensor, dx: Tensor): void => {
    const prev = grads.get(x.id);
    grads.set(x.id, prev ? add(prev, dx) : dx);
  };
  const flush = (x: Tensor): void => {
    const held = slices.get(x.id);
    if (!held) return;
    slices.delete(x.id);
    const joined = joinSlices(x, held.pieces);
    if (joined) accumulate(x, joined);
    else for (const { entry: s, dy } of held.pieces) accumulate(x, s.prim.grad!(s.inputs, s.outputs, [dy], s.attrs)[0]!);
  };
  for (let i = entries.length - 1; i >= 0 && (grads.size > 0 || slices.size > 0); i--) {
    const e = entries[i];
    e.outputs.forEach((o) => flush(o));
    if (!e.outputs.some((o) => grads.has(o.id))) continue;
    const dys = e.outputs.map((o) => grads.get(o.id) ?? zerosLike(o));
    if (e.prim === stridedSlicePrim) {
      const x = e.inputs[0];
      if (!isWatched(x) || !isFloat(x.dtype)) continue;
      const held = slices.get(x.id) ?? { x, pieces: [] };
      held.pieces.push({ entry: e, dy: dys[0] });
      slices.set(x.id, held);
      continue;
    }
    const dxs = e.prim.grad!(e.inputs, e.outputs, dys, e.attrs);
    e.inputs.forEach((x, k) => {
      const dx = dxs[k];
      if (dx && isWatched(x) && isFloat(x.dtype)) accumulate(x, dx);
    });
  }
  // Inputs that no recorded op produced (the sources) still hold their slice pieces.
  for (const { x } of [...slices.values()]) flush(x);
}

/**
 * The gradient of x from ≥ 2 unit-stride slices whose boxes are disjoint and span x except along one axis: their
 * dy pieces concatenated in box order along that axis, zeros filling the gaps. Null when the slices are not so.
 */
function joinSlices(x: Tensor, pieces: readonly SlicePiece[]): Tensor | null {
  if (pieces.length < 2) return null;
  const boxes = pieces.map(({ entry, dy }) => ({ ...(entry.attrs as { begin: number[]; size: number[]; strides: number[] }), dy }));
  if (boxes.some((b) => b.strides.some((s) => s !== 1))) return null;
  const partial = new Set<number>();
  for (const b of boxes) b.size.forEach((s, i) => { if (b.begin[i] !== 0 || s !== x.shape[i]) partial.add(i); });
  if (partial.size !== 1) return null;
  const [axis] = partial;
  boxes.sort((a, b) => a.begin[axis] - b.begin[axis]);
  const parts: Tensor[] = [];
  const gap = (n: number): Tensor => zeros(x.shape.map((d, i) => (i === axis ? n : d)), x.dtype);
  let at = 0;
  for (const { begin, size, dy } of boxes) {
    if (begin[axis] < at) return null; // overlapping boxes: the pieces must be summed
    if (begin[axis] > at) parts.push(gap(begin[axis] - at));
    parts.push(dy);
    at = begin[axis] + size[axis];
  }
  if (at < x.shape[axis]) parts.push(gap(x.shape[axis] - at));
  return concat(parts, axis);
}
