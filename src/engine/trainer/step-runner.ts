// How a step function runs: eagerly, or through kiln.jit (one trace per input signature) on the native plan
// executor or the graph interpreter. Random ops (Dropout in training) draw from seeds fixed at trace time, so a
// traced graph would repeat the same draws every step: such steps fall back to eager execution.
import type { Tensor } from '../../core/tensor.js';
import { jit } from '../../../compiler/jit/jit.js';
import { interpretGraph, type Compile } from '../../../compiler/jit/executable.js';
import type { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { compilePlanned } from '../../../runtime/executable/compile-plan.js';

/** A step: tensors in, a record of named scalar tensors (or the predictions) out. */
export type StepFn<R> = (...args: Tensor[]) => R;

/** A runnable step and how it runs. */
export interface StepRunner<R> {
  (args: readonly Tensor[]): R;
  /** 'eager', or 'compiled' while traced graphs run it. */
  readonly mode: 'eager' | 'compiled';
}

// Thrown by the compile hook, before the graph runs, when the traced step holds random ops.
class NeedsEager extends Error {}

function hasRandomOps(graph: FuncGraph): boolean {
  return graph.nodes.some((n) => n.prim.kind === 'random');
}

/** Makes `fn` runnable: eagerly when `runEagerly`, else jitted (native when `jitCompile`, interpreted otherwise). */
export function makeStepRunner<R extends Tensor | Tensor[] | Record<string, Tensor>>(
  name: string, fn: StepFn<R>, runEagerly: boolean, jitCompile: boolean): StepRunner<R> {
  let mode: 'eager' | 'compiled' = runEagerly ? 'eager' : 'compiled';
  const compile: Compile = (graph) => {
    if (hasRandomOps(graph)) throw new NeedsEager();
    return jitCompile ? compilePlanned(graph) : interpretGraph(graph);
  };
  const jitted = jit(fn, { name, compile });
  const run = (args: readonly Tensor[]): R => {
    if (mode === 'eager') return fn(...args);
    try {
      return jitted(...args);
    } catch (e) {
      if (!(e instanceof NeedsEager)) throw e;
      mode = 'eager';
      return fn(...args);
    }
  };
  return Object.defineProperty(run, 'mode', { get: () => mode }) as StepRunner<R>;
}
