import type { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive } from '../registry.js';
import { broadcastShapes, broadcastStrides, expectDtype, sameDtype } from '../shape-utils.js';
import { sumTo } from '../composites/sum-to.js';
import { zerosLike } from '../creation.js';
import { toTensorPair } from './binary.js';

/** select(cond, a, b): a where cond is true, else b, with broadcasting of all three. */
export const selectPrim = definePrimitive({
  name: 'select',
  kind: 'elementwise',
  infer: ([c, a, b]) => {
    expectDtype('select', 'condition', c.dtype, ['bool']);
    const dtype = sameDtype('select', [a, b]);
    return [{ shape: broadcastShapes('select', c.shape, broadcastShapes('select', a.shape, b.shape)), dtype }];
  },
  grad: ([c, a, b], _y, [dy]) => {
    const zero = zerosLike(dy);
    return [null, sumTo(select(c, dy, zero), a.shape), sumTo(select(c, zero, dy), b.shape)];
  },
  kernelCall: ([c, a, b], _attrs, [o]) => ({
    kernel: 'select',
    args: [o.shape.length, o.shape, broadcastStrides(c.shape, o.shape), broadcastStrides(a.shape, o.shape),
      broadcastStrides(b.shape, o.shape)],
  }),
});

/** Elementwise choice: `a` where `condition`, else `b` (NumPy `where`), with broadcasting. */
export function select(condition: OpInput, a: OpInput, b: OpInput): Tensor {
  const [ta, tb] = toTensorPair(a, b);
  return apply1(selectPrim, [toTensor(condition, 'bool'), ta, tb], {});
}

/** Alias of select (NumPy / Keras `where`). */
export const where = select;
