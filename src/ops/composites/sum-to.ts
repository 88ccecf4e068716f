import type { Tensor } from '../../core/tensor.js';
import { sum } from '../prims/reduce.js';
import { reshape } from '../prims/movement.js';

/** Sums `x` down to `shape` (the inverse of broadcasting; used by gradients of broadcasting ops). */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = x.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.rank; i++) if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  const summed = axes.length ? sum(x, axes, true) : x;
  return reshape(summed, shape);
}
