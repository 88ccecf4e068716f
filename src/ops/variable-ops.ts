// Gives Variable the ops it needs for assign without an import cycle (core must not import ops).
import { setVariableOps } from '../core/variable.js';
import { Tensor } from '../core/tensor.js';
import { toTensor } from './dispatch.js';
import { add, sub } from './prims/binary.js';
import { broadcastTo, stridedCopy } from './prims/movement.js';
import { contiguousStrides } from './shape-utils.js';

setVariableOps({
  toTensor: (value, dtype) => (value instanceof Tensor ? value : toTensor(value, dtype)),
  add,
  sub,
  broadcastTo,
  writeSlice(target, begin, value) {
    const out = Tensor.alloc(target.shape, target.dtype);
    const st = contiguousStrides(target.shape);
    stridedCopy(target, 0, st, out, 0, st, target.shape);
    const offset = begin.reduce((acc, b, i) => acc + b * st[i], 0);
    stridedCopy(value, 0, contiguousStrides(value.shape), out, offset, st, value.shape);
    return out;
  },
});
