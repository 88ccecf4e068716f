// How a step function runs: eagerly, or through kiln.jit (one trace per input signature) on the native plan
// executor or the graph interpreter. Random ops (Dropout in training) need no fallback: their generators' state
// is graph state, so every compiled run draws what the eager step would have drawn.
import type { Tensor } from '../../core/tensor.js';
import { jit } from '../../../compiler/jit/jit.js';

/** A step: tensors in, a record of named scalar tensors (or the predictions) out. */
export type StepFn<R> = (...args: Tensor[]) => R;

/** A runnable step and how it runs. */
export interface StepRunner<R> {
  (args: readonly Tensor[]): R;
  /** 'eager', or 'compiled' while traced graphs run it. */
  readonly mode: 'eager' | 'compiled';
}

/** Makes `fn` runnable: eagerly when `runEagerly`, else jitted (native when `jitCompile`, interpreted otherwise). */
export function makeStepRunner<R extends Tensor | Tensor[] | Record<string, Tensor>>(
  name: string, fn: StepFn<R>, runEagerly: boolean, jitCompile: boolean): StepRunner<R> {
  const mode: 'eager' | 'compiled' = runEagerly ? 'eager' : 'compiled';
  const jitted = jit(fn, { name, compile: jitCompile ? 'plan' : 'interpret' });
  const run = (args: readonly Tensor[]): R => (mode === 'eager' ? fn(...args) : jitted(...args));
  return Object.defineProperty(run, 'mode', { get: () => mode }) as StepRunner<R>;
}
