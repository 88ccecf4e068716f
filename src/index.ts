/**
 * Kiln: Keras-style deep learning for TypeScript, built as a graph compiler.
 * @packageDocumentation
 */
export { Tensor, type TensorLike } from './core/tensor.js';
export { Variable } from './core/variable.js';
export type { DType, TypedArray } from './core/dtype.js';
export { KilnError, ShapeError, ValueError, TraceError, DisposedError, SavingError, ArtifactError } from './core/errors.js';
export { tidy } from './core/tidy.js';
export { GradientTape, type GradientTapeOptions, type GradientSource } from './autodiff/tape.js';
export * as ops from './ops/index.js';
export { tensor, scalar, zeros, ones, fill, zerosLike, onesLike, eye, range } from './ops/creation.js';
export { stopGradient } from './ops/prims/stop-gradient.js';
import './ops/variable-ops.js';
export { trace, type FuncGraph, type InputSpec, type TraceOptions, type TraceOutput } from '../compiler/trace/trace.js';
export { jit, type JitFunction, type JitOptions } from '../compiler/jit/jit.js';
export { valueAndGrad, grad, type ValueAndGrads } from '../compiler/autodiff/value-and-grad.js';
export { gradGraph, type GradGraphOptions, type GradTarget } from '../compiler/autodiff/grad-graph.js';
export {
  Layer, Sequential, LayerWeight, AddedMetric, getMask, setMask, learningPhase, setLearningPhase, registerLayer,
  serializeLayer, deserializeLayer, type LayerOptions, type CallArgs, type ApplyOptions, type AddWeightOptions,
  type AddMetricOptions, type Mask, type Shape, type Config, type Serialized, type SequentialLayer,
} from './engine/index.js';
export * as layers from './layers/index.js';
export * as initializers from './initializers/index.js';
export * as regularizers from './regularizers/index.js';
export * as constraints from './constraints/index.js';
export * as activations from './activations.js';
export { Model, type SummaryOptions, type ExportOptions } from './engine/model.js';
export { model, Functional, type FunctionalArgs, type TensorStructure } from './engine/functional.js';
export { input, InputLayer, type InputOptions } from './engine/input.js';
export { modelFromJSON } from './engine/model-json.js';
export { loadModel, type LoadModelOptions } from './saving/model-file.js';
export * as saving from './saving/index.js';
export { plotModel, modelToDot, type ModelPlot } from './engine/plot-model.js';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as optimizers from './optimizers/index.js';
export * as datasets from './datasets/index.js';
export { printGraph } from '../compiler/ir/printer.js';
export { compileModel, type CompileModelOptions, type CompiledArtifact } from '../compiler/aot/compile-model.js';
export { loadPredictor, Predictor, type PredictorInput, type LoadPredictorOptions } from '../runtime/artifact/load-predictor.js';
export type { TensorInfo as ArtifactTensorInfo, Manifest as ArtifactManifest } from '../runtime/artifact/manifest.js';
export * as callbacks from './callbacks/index.js';
export * as onnx from './onnx/index.js';
export type { CompileOptions } from './engine/trainer/compile-options.js';
export type {
  FitOptions, EvaluateOptions, PredictOptions, Verbose, BatchIterable, AsyncBatchIterable, InputData,
} from './engine/trainer/loops.js';
export type { BatchLike } from './engine/trainer/batches.js';
