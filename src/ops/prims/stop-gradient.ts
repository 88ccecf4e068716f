import { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive } from '../registry.js';
import { flatCopyCall } from './movement.js';

// No grad rule: tapes do not record it and graph autodiff treats its output as a constant.
export const stopGradientPrim = definePrimitive({
  name: 'stopGradient',
  kind: 'elementwise',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  // Eagerly a view; an executor that cannot alias runs it as a copy.
  kernelCall: ([x]) => flatCopyCall(x.shape),
  eager: ([x]) => [Tensor.view(x, x.shape)],
});

/** The identity in value, but no gradient flows through it. */
export function stopGradient(x: OpInput): Tensor {
  return apply1(stopGradientPrim, [toTensor(x)], {});
}
