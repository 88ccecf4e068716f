// stepsPerExecution: K steps over K stacked batches in ONE native call (the plan executor's runSteps). A step that
// runs eagerly or on the interpreter runs its K batches one by one; either way the result is that of K single steps.
// Batches of another signature than their neighbours (the last, partial batch) run on their own.
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { stack } from '../../ops/prims/concat.js';
import { reshape } from '../../ops/prims/movement.js';
import { trace } from '../../../compiler/trace/trace.js';
import type { FuncGraph, OutputStructure } from '../../../compiler/ir/func-graph.js';
import { fmtType } from '../../../compiler/ir/printer.js';
import { compileGraph, type PlanExecutable } from '../../../runtime/executable/compile-plan.js';
import type { StepFn, StepRunner } from './step-runner.js';

type StepResult = Tensor | Tensor[] | Record<string, Tensor>;

/** Runs K batches' steps (each batch: the step's arguments); returns the last step's results. */
export interface MultiStepRunner<R extends StepResult> {
  (batches: readonly (readonly Tensor[])[]): R;
  /**
   * Runs K batches' steps and returns all their outputs, as parts that joined along axis 0, in order, are the K
   * steps' outputs joined: one part per step run on its own, one part per stacked call (the call's [K, n, ...]
   * outputs viewed as [K·n, ...], which is their concatenation; predict joins its batches so).
   */
  collect(batches: readonly (readonly Tensor[])[]): R[];
  /** Native calls that ran several steps at once (for tests and diagnostics). */
  readonly stackedCalls: number;
}

const signature = (args: readonly Tensor[]): string => args.map(fmtType).join(',');

/** Consecutive runs of batches with one signature (so a partial batch does not keep its neighbours from stacking). */
function runsOf(batches: readonly (readonly Tensor[])[]): (readonly (readonly Tensor[])[])[] {
  const runs: (readonly Tensor[])[][] = [];
  let last = '';
  for (const b of batches) {
    const key = signature(b);
    if (runs.length === 0 || key !== last) runs.push([]);
    runs[runs.length - 1].push(b);
    last = key;
  }
  return runs;
}

function rebuild(structure: OutputStructure, outs: readonly Tensor[]): StepResult {
  if (structure.kind === 'tensor') return outs[0];
  if (structure.kind === 'array') return [...outs];
  return Object.fromEntries(structure.keys.map((k, i) => [k, outs[i]]));
}

/** K steps of `fn` per call: stacked on the native executor when `single` runs compiled there, else one by one. */
export function makeMultiStepRunner<R extends StepResult>(
  name: string, fn: StepFn<R>, single: StepRunner<R>, jitCompile: boolean): MultiStepRunner<R> {
  const cache = new Map<string, { graph: FuncGraph; exe: PlanExecutable }>();
  let stackedCalls = 0;
  const stackable = (run: readonly (readonly Tensor[])[]): boolean =>
    run.length >= 2 && jitCompile && single.mode !== 'eager';
  const compiled = (first: readonly Tensor[]): { graph: FuncGraph; exe: PlanExecutable } => {
    const key = signature(first);
    let entry = cache.get(key);
    if (!entry) {
      const graph = trace(fn, first.map((a) => ({ shape: a.shape, dtype: a.dtype })), { name });
      entry = { graph, exe: compileGraph(graph) };
      cache.set(key, entry);
    }
    return entry;
  };
  // The run's K steps in one native call; `collect`: every step's outputs, stacked, else the last step's.
  const stacked = (run: readonly (readonly Tensor[])[], collect: boolean) => {
    const entry = compiled(run[0]);
    const inputs = run[0].map((_, i) => stack(run.map((b) => b[i]), 0));
    const outs = entry.exe.runSteps(inputs, run.length, { collectOutputs: collect });
    stackedCalls++;
    return { graph: entry.graph, outs };
  };

  const last = (batches: readonly (readonly Tensor[])[]): R => {
    let out: R | undefined;
    for (const run of runsOf(batches)) {
      if (!stackable(run)) {
        for (const b of run) out = single(b);
        continue;
      }
      const { graph, outs } = stacked(run, false);
      if (graph.structure.kind !== 'record') throw new ValueError(`${name}: a step must return a record of tensors`);
      out = rebuild(graph.structure, outs) as R;
    }
    if (!out) throw new ValueError(`${name}: no batches to run`);
    return out;
  };

  const collect = (batches: readonly (readonly Tensor[])[]): R[] => {
    const parts: R[] = [];
    for (const run of runsOf(batches)) {
      // A step output of rank 0 has no sample axis to join along: those steps run one by one.
      const scalarOut = stackable(run) && compiled(run[0]).graph.outputs.some((v) => v.shape.length === 0);
      if (!stackable(run) || scalarOut) {
        for (const b of run) parts.push(single(b));
        continue;
      }
      const { graph, outs } = stacked(run, true);
      const joined = outs.map((t) => reshape(t, [t.shape[0] * t.shape[1], ...t.shape.slice(2)]));
      parts.push(rebuild(graph.structure, joined) as R);
    }
    return parts;
  };

  Object.defineProperty(last, 'collect', { value: collect });
  return Object.defineProperty(last, 'stackedCalls', { get: () => stackedCalls }) as MultiStepRunner<R>;
}
