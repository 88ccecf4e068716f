// The Keras engine: Layer and its contract, Sequential, masks, the learning phase and layer serialization.
export {
  Layer, type AnyLayer, type LayerIO, type Mask, type ShapesOf, type LayerOptions, type CallArgs, type ApplyOptions,
  type AddWeightOptions, type AddMetricOptions,
} from './layer.js';
export { LayerWeight } from './layer-weight.js';
export { AddedMetric } from './added-metric.js';
export { InputSpec, type InputSpecOptions, type Shape } from './input-spec.js';
export { Sequential, type SequentialLayer, type SequentialOptions, type SummaryOptions } from './sequential.js';
export { getMask, setMask } from './mask.js';
export { learningPhase, setLearningPhase } from './learning-phase.js';
export {
  registerLayer, serializeLayer, deserializeLayer, type Config, type ConfigValue, type Serialized,
  type SerializableClass,
} from './registry.js';
