// Composite ops: written only in public primitives, so they get gradients, tracing and fusion for free.
export { softmax, logSoftmax, logSumExp } from './softmax.js';
export {
  elu, selu, gelu, softplus, softsign, silu, swish, hardSigmoid, hardSilu, hardSwish, relu6, leakyRelu, mish,
  exponential, linear, logSigmoid, reluWithOptions, type ReluOptions,
} from './activations.js';
export {
  binaryCrossentropy, sigmoidCrossentropyWithLogits, categoricalCrossentropy, sparseCategoricalCrossentropy,
} from './crossentropy.js';
export { norm, l2Normalize, type NormOptions } from './norms.js';
