// tile as a composite: reshape to interleaved size-1 axes, broadcast them to the repeat counts, reshape back.
// Its gradient comes from reshape and broadcastTo (a sum over the repeats).
import { ValueError, fmtShape } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { toTensor, type OpInput } from '../dispatch.js';
import { broadcastTo, reshape } from './movement.js';

/**
 * Repeats x `reps[i]` times along axis i (as np.tile: a shorter `reps` is padded with leading 1s, a longer one
 * adds leading axes to x).
 */
export function tile(x: OpInput, reps: readonly number[]): Tensor {
  const t = toTensor(x);
  if (reps.some((r) => !Number.isInteger(r) || r < 0))
    throw new ValueError(`tile: reps ${fmtShape(reps)} must be non-negative integers (input shape ${fmtShape(t.shape)})`);
  const rank = Math.max(t.rank, reps.length);
  const shape = [...new Array<number>(rank - t.rank).fill(1), ...t.shape];
  const r = [...new Array<number>(rank - reps.length).fill(1), ...reps];
  const spread = reshape(t, shape.flatMap((d) => [1, d]));
  const repeated = broadcastTo(spread, shape.flatMap((d, i) => [r[i], d]));
  return reshape(repeated, shape.map((d, i) => d * r[i]));
}
