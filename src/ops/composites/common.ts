// Small helpers shared by the composite ops (not part of the public namespace).
import type { Tensor } from '../../core/tensor.js';
import { toTensor, type OpInput } from '../dispatch.js';
import { FLOATS, expectDtype } from '../shape-utils.js';

/** Converts an op input and checks that it is float32 or float64, naming `op` in the error. */
export function floatInput(op: string, x: OpInput, what = 'input'): Tensor {
  const t = toTensor(x);
  expectDtype(op, what, t.dtype, FLOATS);
  return t;
}

