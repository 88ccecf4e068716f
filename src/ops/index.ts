// The public ops namespace (kiln.ops): primitives and composites.
export * from './prims/unary.js';
export * from './prims/binary.js';
export { cast } from './prims/cast.js';
export { select, where } from './prims/select.js';
export { sum, prod, max, min, mean, argMax, argMin } from './prims/reduce.js';
export { reshape, transpose, broadcastTo, expandDims, squeeze } from './prims/movement.js';
export { matmul } from './prims/matmul.js';
export { stopGradient } from './prims/stop-gradient.js';
export { sumTo } from './composites/sum-to.js';
export * from './creation.js';
export * from './prims/shape-ops.js';
export {
  conv2d, conv1d, conv2dBackpropInput, conv2dBackpropFilter, type Padding, type Window2d,
} from './prims/conv.js';
export { maxPool2d, avgPool2d, maxPool1d, avgPool1d } from './prims/pool.js';
export * from './random.js';
export * from './composites/index.js';
