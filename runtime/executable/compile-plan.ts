// compilePlan: an ExecutionPlan made into an Executable that runs the whole plan in ONE native call (the plan
// executor), optionally K times over K stacked batches. It owns the output tensors it returns. An assigned
// variable is updated in place when the plan allows it and no tensor outside the variable can see its buffer
// (copy on write: once read, the next run writes a new buffer, so tensors read earlier keep their values).
// compileGraph does the same for a traced graph through the plan cache (plan-cache.ts), which kiln.jit uses.
import type { TypedArray } from '../../src/core/dtype.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';
import { allocBuffer } from '../../src/core/buffers.js';
import { DTYPE_CODE } from '../../src/core/dtype.js';
import { sizeOf, Tensor } from '../../src/core/tensor.js';
import type { Executable, Compile } from '../../compiler/jit/executable.js';
import type { FuncGraph, Value } from '../../compiler/ir/func-graph.js';
import { fmtType } from '../../compiler/ir/printer.js';
import { lowerStep } from '../../compiler/lower/cpu/lower-step.js';
import type { ExecutionPlan } from '../../compiler/plan/plan.js';
import { describePlan, type PlanDescription } from './describe-plan.js';
import { NativeExecutor } from './native-executor.js';
import { compiledPlanFor, compiledPlanOf, type CompiledPlan } from './plan-cache.js';
import { sameShape } from '../../src/ops/shape-utils.js';

/** Options of compilePlan. */
export interface CompilePlanOptions {
  /** Run fused steps as LLVM-JIT kernels where the CPU lowering handles them (default true). */
  jit?: boolean;
}

/** Options of PlanExecutable.runSteps. */
export interface RunStepsOptions {
  /** Return every step's outputs, stacked on a new leading axis ([steps, ...]), not only the last step's. */
  collectOutputs?: boolean;
}

/** An Executable over the native plan executor. */
export interface PlanExecutable extends Executable {
  /**
   * Runs the plan once per batch over `steps` batches stacked on a new leading axis of every input; returns the
   * last step's outputs, or with `collectOutputs` all of them, stacked (collected natively, in the same call).
   */
  runSteps(inputs: readonly Tensor[], steps: number, options?: RunStepsOptions): Tensor[];
  /** The arena's address (stable: the arena is allocated once, when compiled). */
  readonly arenaAddress: number;
  /** How the plan's steps were mapped (JIT kernels vs registry kernels). */
  readonly mapping: Pick<PlanDescription, 'jitSteps' | 'kernelSteps'>;
  /** Per graph state value: whether the plan can update it in its own buffer. */
  readonly inPlace: readonly boolean[];
  /**
   * Seconds per plan step (index = plan step; one more entry for the final output copies), summed over all runs,
   * when KILN_PROFILE_STEPS was set when compiled; else null.
   */
  stepSeconds(): number[] | null;
}

/** Builds the native executor of `plan` (every slot and size is checked here, once). */
export function compilePlan(plan: ExecutionPlan, options: CompilePlanOptions = {}): PlanExecutable {
  const described = describePlan(plan, options.jit === false ? null : lowerStep);
  return executableOf(plan.graph, compiledPlanOf(plan, described, plan.graph));
}

/**
 * Compiles a traced graph onto the native executor through the plan cache (plan-cache.ts): a graph compiled
 * before, in this process or (from disk) in another, skips optimize, planning and lowering.
 */
export function compileGraph(graph: FuncGraph): PlanExecutable {
  return executableOf(graph, compiledPlanFor(graph));
}

/** The executable of `compiled` bound to `graph`'s inputs, outputs, variables and constants. */
function executableOf(graph: FuncGraph, compiled: CompiledPlan): PlanExecutable {
  const op = `compilePlan @${graph.name}`;
  const { described } = compiled;
  const executor = new NativeExecutor(described.description);
  const assigned = described.description.assigned;
  const state = compiled.stateOrder.map((i) => graph.state[i]);
  const inPlace = state.map((_, j) => described.description.inPlace?.[j] === 1);
  const variables = state.map((s) => graph.variableOf(s));
  // Per variable, values already checked against its traced shape (a value's shape never changes; weak sets keep
  // no value alive).
  const checked = state.map(() => new WeakSet<Tensor>());
  const constants = compiled.constants.map((c) => {
    if (typeof c !== 'number') return c;
    const v = graph.constants[c];
    if (v.def.kind !== 'constant') throw new ValueError(`${op}: constant %${v.id} has no value`);
    return v.def.tensor.dataSync();
  });
  const checkInputs = (inputs: readonly Tensor[], steps: number): void => {
    if (inputs.length !== graph.inputs.length)
      throw new ValueError(`${op}: expected ${graph.inputs.length} inputs, got ${inputs.length}`);
    graph.inputs.forEach((v: Value, i) => {
      const t = inputs[i];
      const shape = steps === 1 ? v.shape : [steps, ...v.shape];
      if (t.dtype !== v.dtype || !sameShape(t.shape, shape)) {
        const Err = t.dtype !== v.dtype ? ValueError : ShapeError;
        throw new Err(`${op}: input ${i}${v.name ? ` "${v.name}"` : ''} expected ${v.dtype}[${shape.join(',')}]` +
          `${steps === 1 ? '' : ` (${steps} stacked batches)`}, got ${fmtType(t)}`);
      }
    });
  };

  const run = (inputs: readonly Tensor[], steps: number, options: RunStepsOptions = {}): Tensor[] => {
    if (!Number.isInteger(steps) || steps < 1) throw new ValueError(`${op}: steps must be a positive integer, got ${steps}`);
    checkInputs(inputs, steps);
    // The variables' buffers are read without `read()`: that would expose them (and so forbid in-place updates).
    // In place where allowed and unseen; else a new buffer (fresh) the variable adopts after the run. One plain
    // loop: this runs between two native runs, when little of the JS heap is still in cache.
    const stateIn: TypedArray[] = new Array<TypedArray>(state.length);
    const stateOut: (TypedArray | null)[] = new Array<TypedArray | null>(state.length);
    let fresh: number[] | null = null;
    for (let j = 0; j < state.length; j++) {
      const variable = variables[j], value = variable.current;
      if (!checked[j].has(value)) {
        if (!sameShape(value.shape, state[j].shape) || value.dtype !== state[j].dtype)
          throw new ShapeError(`${op}: variable "${variable.name}" is ${fmtType(value)}, the graph was traced ` +
            `with ${fmtType(state[j])}`);
        checked[j].add(value);
      }
      const data = value.dataSync();
      stateIn[j] = data;
      if (!assigned[j]) stateOut[j] = null;
      else if (inPlace[j] && variable.privateData()) stateOut[j] = data;
      else {
        stateOut[j] = allocBuffer(DTYPE_CODE[state[j].dtype], sizeOf(state[j].shape));
        (fresh ??= []).push(j);
      }
    }
    const collect = options.collectOutputs === true;
    const outputs = graph.outputs.map((v) => Tensor.alloc(collect ? [steps, ...v.shape] : v.shape, v.dtype));
    executor.run({
      inputs: inputs.map((t) => t.dataSync()),
      outputs: outputs.map((t) => t.dataSync()),
      stateIn,
      stateOut,
      constants,
    }, steps, collect);
    if (fresh) for (const j of fresh) variables[j].adoptData(stateOut[j]!);
    return outputs;
  };

  return {
    run: (inputs) => run(inputs, 1),
    runSteps: run,
    get arenaAddress() {
      return executor.arenaAddress;
    },
    mapping: { jitSteps: described.jitSteps, kernelSteps: described.kernelSteps },
    inPlace,
    stepSeconds: () => {
      const seconds = executor.stepSeconds();
      if (!seconds) return null;
      const perPlanStep = new Array<number>(compiled.planSteps + 1).fill(0);
      described.stepOrigins.forEach((origin, i) => (perPlanStep[origin] += seconds[i]));
      return perPlanStep;
    },
  };
}

/** jit's compile through the native executor: compileGraph (optimize → planGraph → compilePlan, cached). */
export const compilePlanned: Compile = compileGraph;
