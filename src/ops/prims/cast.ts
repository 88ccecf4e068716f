import type { DType } from '../../core/dtype.js';
import { isDType, isFloat } from '../../core/dtype.js';
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive } from '../registry.js';

/** Converts dtypes; float→int truncates toward zero, nonzero→true. Gradient flows between float dtypes only. */
export const castPrim = definePrimitive<{ dtype: DType }>({
  name: 'cast',
  kind: 'elementwise',
  infer: ([x], { dtype }) => {
    if (!isDType(dtype)) throw new ValueError(`cast: unknown dtype ${JSON.stringify(dtype)}`);
    return [{ shape: x.shape, dtype }];
  },
  grad: ([x], _y, [dy]) => [isFloat(x.dtype) && isFloat(dy.dtype) ? cast(dy, x.dtype) : null],
  kernelCall: () => ({ kernel: 'cast', args: [] }),
});

/** Casts `x` to `dtype` (returns x itself when it already has that dtype). */
export function cast(x: OpInput, dtype: DType): Tensor {
  const t = toTensor(x);
  return t.dtype === dtype ? t : apply1(castPrim, [t], { dtype });
}
