// Test helper: runs a plan with its lowered steps JIT-compiled (fused loops, fused reductions, library-call
// epilogues) and every other step node by node on the eager kernels, without an arena (the memory plan is
// tested elsewhere). A library call's epilogue runs in place: its result buffer is the step's last output.
import type { TypedArray } from '../../../src/core/dtype.js';
import { jitCompile, type JitModule } from '../../../src/core/jit-native.js';
import { Tensor } from '../../../src/core/tensor.js';
import type { Value } from '../../../compiler/ir/func-graph.js';
import { linkKernels } from '../../../compiler/lower/cpu/link-kernels.js';
import { lowerStep, type LoweredKernel } from '../../../compiler/lower/cpu/lower-step.js';
import type { ExecutionPlan } from '../../../compiler/plan/plan.js';

/** A plan's lowered kernels, compiled into one module, with compile times. */
export interface CompiledPlan {
  readonly plan: ExecutionPlan;
  readonly kernels: ReadonlyMap<number, LoweredKernel>;
  readonly module: JitModule;
  /** Milliseconds to compile each kernel as a module of its own. */
  readonly separateMs: readonly number[];
  /** Milliseconds to compile all kernels as one linked module. */
  readonly linkedMs: number;
}

function compileTimed(ir: string, kernels: readonly LoweredKernel[]): { module: JitModule; ms: number } {
  const t0 = performance.now();
  const module = jitCompile(ir);
  for (const k of kernels) module.kernel(k.symbol, { buffers: k.operands.length, ints: k.ints.length });
  return { module, ms: performance.now() - t0 };
}

/** Lowers every step of `plan` that has a CPU kernel and compiles them (separately for timing, then linked). */
export function compilePlanKernels(plan: ExecutionPlan): CompiledPlan {
  const kernels = new Map<number, LoweredKernel>();
  for (const step of plan.steps) {
    const lowered = lowerStep(step, plan);
    if (lowered) kernels.set(step.index, lowered);
  }
  const separateMs = [...kernels.values()].map((k) => {
    const { module, ms } = compileTimed(k.ir, [k]);
    module.dispose();
    return ms;
  });
  const all = [...kernels.values()];
  const { module, ms } = compileTimed(linkKernels(all), all);
  return { plan, kernels, module, separateMs, linkedMs: ms };
}

/** Runs a compiled plan on `inputs` (variables are read, never assigned) and returns the graph's outputs. */
export function runLowered({ plan, kernels, module }: CompiledPlan, inputs: readonly Tensor[]): Tensor[] {
  const { graph } = plan;
  const env = new Map<Value, Tensor>();
  graph.inputs.forEach((v, i) => env.set(v, inputs[i]));
  for (const s of graph.state) env.set(s, graph.variableOf(s).read());
  for (const c of graph.constants) if (c.def.kind === 'constant') env.set(c, c.def.tensor);
  const get = (v: Value): Tensor => {
    const t = env.get(v);
    if (!t) throw new Error(`runLowered: %${v.id} was never computed`);
    return t;
  };
  for (const step of plan.steps) {
    const lowered = kernels.get(step.index);
    if (step.kind === 'state') continue;
    if (!lowered) {
      for (const n of step.nodes)
        n.prim.eager(n.inputs.map(get), n.attrs, n.outputs).forEach((t, k) => env.set(n.outputs[k], t));
      continue;
    }
    const buffers = new Map<Value, Tensor>();
    if (step.kind === 'libraryCall') {
      const root = step.root!;
      const [result] = root.prim.eager(root.inputs.map(get), root.attrs, root.outputs);
      env.set(root.outputs[0], result);
      const last = step.outputs[step.outputs.length - 1];
      // In place: the epilogue overwrites the library call's result, unless that result is itself stored.
      if (!step.outputs.includes(root.outputs[0])) buffers.set(last, result);
    }
    for (const v of lowered.operands)
      if (!buffers.has(v)) buffers.set(v, env.get(v) ?? Tensor.alloc(v.shape, v.dtype));
    const data: TypedArray[] = lowered.operands.map((v) => buffers.get(v)!.dataSync());
    module.kernel(lowered.symbol, { buffers: data.length, ints: lowered.ints.length }).run(data, lowered.ints);
    for (const v of step.outputs) env.set(v, buffers.get(v)!);
  }
  return graph.outputs.map(get);
}
