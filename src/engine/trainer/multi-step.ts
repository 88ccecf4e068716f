// stepsPerExecution: K steps over K stacked batches in ONE native call (the plan executor's runSteps). A step that
// runs eagerly or on the interpreter runs its K batches one by one; either way the result is that of K single steps.
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { stack } from '../../ops/prims/concat.js';
import { trace } from '../../../compiler/trace/trace.js';
import type { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { fmtType } from '../../../compiler/ir/printer.js';
import { compileGraph, type PlanExecutable } from '../../../runtime/executable/compile-plan.js';
import type { StepFn, StepRunner } from './step-runner.js';

/** Runs K batches' steps (each batch: the step's arguments); returns the last step's results. */
export interface MultiStepRunner<R> {
  (batches: readonly (readonly Tensor[])[]): R;
  /** Native calls that ran several steps at once (for tests and diagnostics). */
  readonly stackedCalls: number;
}

/** K steps of `fn` per call: stacked on the native executor when `single` runs compiled there, else one by one. */
export function makeMultiStepRunner<R extends Record<string, Tensor>>(
  name: string, fn: StepFn<R>, single: StepRunner<R>, jitCompile: boolean): MultiStepRunner<R> {
  const cache = new Map<string, { graph: FuncGraph; exe: PlanExecutable }>();
  let stackedCalls = 0;
  const oneByOne = (batches: readonly (readonly Tensor[])[]): R => {
    let out: R | undefined;
    for (const b of batches) out = single(b);
    if (!out) throw new ValueError(`${name}: no batches to run`);
    return out;
  };
  const run = (batches: readonly (readonly Tensor[])[]): R => {
    const K = batches.length;
    if (K < 2 || !jitCompile || single.mode === 'eager') return oneByOne(batches);
    const key = batches[0].map(fmtType).join(',');
    if (batches.some((b) => b.map(fmtType).join(',') !== key)) return oneByOne(batches);
    let entry = cache.get(key);
    if (!entry) {
      const graph = trace(fn, batches[0].map((a) => ({ shape: a.shape, dtype: a.dtype })), { name });
      entry = { graph, exe: compileGraph(graph) };
      cache.set(key, entry);
    }
    const stacked = batches[0].map((_, i) => stack(batches.map((b) => b[i]), 0));
    const outs = entry.exe.runSteps(stacked, K);
    stackedCalls++;
    const { structure } = entry.graph;
    if (structure.kind !== 'record') throw new ValueError(`${name}: a step must return a record of tensors`);
    return Object.fromEntries(structure.keys.map((k, i) => [k, outs[i]])) as R;
  };
  return Object.defineProperty(run, 'stackedCalls', { get: () => stackedCalls }) as MultiStepRunner<R>;
}
