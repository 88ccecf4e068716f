/**
 * Kiln: Keras-style deep learning for TypeScript, built as a graph compiler.
 * @packageDocumentation
 */
export { Tensor, type TensorLike } from './core/tensor.js';
export { Variable } from './core/variable.js';
export type { DType, TypedArray } from './core/dtype.js';
export { KilnError, ShapeError, ValueError, TraceError, DisposedError } from './core/errors.js';
export { tidy } from './core/tidy.js';
export { GradientTape, type GradientTapeOptions, type GradientSource } from './autodiff/tape.js';
export * as ops from './ops/index.js';
export { tensor, scalar, zeros, ones, fill, zerosLike, onesLike, eye, range } from './ops/creation.js';
export { stopGradient } from './ops/prims/stop-gradient.js';
import './ops/variable-ops.js';
export { trace, type FuncGraph, type InputSpec, type TraceOptions, type TraceOutput } from '../compiler/trace/trace.js';
