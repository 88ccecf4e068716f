// kiln.layers: the built-in layers (each registers itself for deserialization) and the base class.
export { Layer, type LayerOptions, type CallArgs } from '../engine/layer.js';
export { InputSpec } from '../engine/input-spec.js';
export { Dense, type DenseOptions } from './dense.js';
export { Activation, type ActivationOptions } from './activation.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Flatten, type FlattenOptions, type DataFormat } from './flatten.js';
export { Reshape, type ReshapeOptions } from './reshape.js';
