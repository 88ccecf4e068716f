// pad: x surrounded by a constant, [before, after] elements per axis, in one native call (the `pad` kernel writes
// every output element once). Gradient: the interior box of dy.
import { ShapeError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive } from '../registry.js';
import { sliceBox } from './slice.js';

interface PadAttrs extends Record<string, unknown> {
  paddings: number[][];
  constantValue: number;
}

/** Surrounds x with a constant; attrs hold [before, after] per axis. */
export const padPrim = definePrimitive<PadAttrs>({
  name: 'pad',
  kind: 'movement',
  infer: ([x], { paddings }) => {
    const ok = paddings.length === x.shape.length && paddings.every((p) =>
      Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
    if (!ok)
      throw new ShapeError(`pad: paddings must be ${x.shape.length} pairs [before, after] of non-negative integers, ` +
        `got ${JSON.stringify(paddings)} (input shape ${fmtShape(x.shape)})`);
    return [{ shape: x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]), dtype: x.dtype }];
  },
  grad: ([x], _y, [dy], { paddings }) => [sliceBox(dy, paddings.map((p) => p[0]), x.shape)],
  kernelCall: ([x], { paddings, constantValue }, [o]) => ({
    kernel: 'pad',
    args: [x.shape.length, x.shape, o.shape, paddings.map((p) => p[0]), constantValue],
  }),
});

/** Pads x with `constantValue`: paddings[i] = [before, after] elements on axis i (as tf.pad, mode CONSTANT). */
export function pad(x: OpInput, paddings: readonly (readonly number[])[], constantValue = 0): Tensor {
  const t = toTensor(x);
  const p = paddings.map((pair) => [...pair]);
  if (p.length === t.rank && p.every((pair) => pair.length === 2 && pair[0] === 0 && pair[1] === 0)) return t;
  return apply1(padPrim, [t], { paddings: p, constantValue });
}
