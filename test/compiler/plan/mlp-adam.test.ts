// Acceptance test of fusion (issue 3): the MLP train step 784-512-256-10 (relu, softmax + sparse categorical
// crossentropy, Adam, batch 128), traced through valueAndGrad + applyGradients, optimized and planned, is 3 forward
// GEMMs, 5 backward GEMMs and a small number of fused loops and reductions; compiled, it runs as the interpreter
// does, writes every variable's new value from the loop that computes it (no copies) in the variable's own buffer
// (no allocation per step), and a second compile of the same step is a code-cache hit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import type { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { optimize } from '../../../compiler/passes/pipeline.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import { printPlan, type ExecutionPlan, type StepKind } from '../../../compiler/plan/plan.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { clearCodeCache, codeCacheStats } from '../../../runtime/executable/code-cache.js';
import { compilePlan } from '../../../runtime/executable/compile-plan.js';
import { describePlan } from '../../../runtime/executable/describe-plan.js';
import { StepKind as ExecutorStepKind } from '../../../runtime/executable/native-executor.js';
import { lowerStep } from '../../../compiler/lower/cpu/lower-step.js';
import { mlpAdamStep } from '../../../bench/mlp-step.js';
import { expectClose, randomTensor } from '../../util/check.js';

const BATCH = 128;
const cacheDir = mkdtempSync(join(tmpdir(), 'kiln-mlp-adam-'));

beforeAll(() => {
  process.env.KILN_CACHE_DIR = cacheDir;
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** The model's variables (fixed seeds), its Adam optimizer and the traced train step. */
function mlpAdam(): { graph: FuncGraph; variables: kiln.Variable[] } {
  const model = mlpAdamStep((shape, seed) => randomTensor(shape, seed, 'float32', -0.05, 0.05));
  const graph = kiln.trace(model.step, [{ shape: [BATCH, 784] }, { shape: [BATCH], dtype: 'int32' }],
    { name: 'mlp_adam_step' });
  return { graph, variables: [...model.weights, ...model.optimizer.variables] };
}

function countKinds(plan: ExecutionPlan): Record<StepKind, number> {
  const counts: Record<StepKind, number> = { libraryCall: 0, fusedLoop: 0, fusedReduce: 0, movement: 0, view: 0,
    state: 0, kernel: 0 };
  for (const s of plan.steps) counts[s.kind]++;
  return counts;
}

function batch(seed: number): [Tensor, Tensor] {
  const labels = Array.from({ length: BATCH }, (_, i) => (i * 7 + seed) % 10);
  return [randomTensor([BATCH, 784], seed, 'float32', 0, 1), kiln.tensor(labels, [BATCH], 'int32')];
}

describe('MLP 784-512-256-10 train step with Adam', () => {
  test('plans to 3 forward GEMMs, 5 backward GEMMs and 21 fused loops and reductions', () => {
    const plan = planGraph(optimize(mlpAdam().graph));
    console.log(printPlan(plan));
    const gemms = plan.steps.filter((s) => s.kind === 'libraryCall');
    expect(gemms.every((s) => s.root?.op === 'matmul')).toBe(true);
    // Forward: x·W + b for each layer, the bias add fused as the GEMM's epilogue.
    const forward = gemms.filter((s) => s.epilogue.length === 1 && s.epilogue[0].op === 'add');
    expect(forward.map((s) => s.root!.outputs[0].shape)).toEqual([[BATCH, 512], [BATCH, 256], [BATCH, 10]]);
    // Backward: dW for the 3 layers and dx for layers 3 and 2 (none for the first layer: x is not
    // differentiated); each dx GEMM takes relu's mask (a multiply) as its epilogue.
    const backward = gemms.filter((s) => !forward.includes(s));
    expect(backward.map((s) => s.root!.outputs[0].shape).sort()).toEqual(
      [[BATCH, 256], [256, 10], [BATCH, 512], [512, 256], [784, 512]].sort());
    expect(backward.filter((s) => s.epilogue.length === 1 && s.epilogue[0].op === 'mul')).toHaveLength(2);
    const kinds = countKinds(plan);
    // Measured: 11 fused loops (2 relu + relu-mask loops, 2 `square` loops of the softmax backward, 1 scalar loop for
    // Adam's step count and bias correction, 6 Adam updates: one loop per weight writing its m, v and new value) and
    // 10 fused reductions (softmax max, Σexp, normalize, crossentropy, mean, 2 in the softmax backward + its bias
    // gradient column sum, and the bias-gradient column sums of layers 2 and 1); no movement or standalone kernel.
    expect(kinds).toEqual({ libraryCall: 8, fusedLoop: 11, fusedReduce: 10, movement: 0, view: 4, state: 19,
      kernel: 0 });
    const adamUpdates = plan.steps.filter((s) => s.kind === 'fusedLoop' && s.outputs.length === 3);
    expect(adamUpdates.map((s) => s.space)).toEqual([[784, 512], [512], [512, 256], [256], [256, 10], [10]]);
    // 19 assigns: each of the 6 weights, its 2 Adam slots, and the iteration count.
    expect(plan.steps.filter((s) => s.kind === 'state')).toHaveLength(6 * 3 + 1);
  });

  test('compiles in one LLVM module, runs as the interpreter does, and recompiles from the code cache', () => {
    const { graph, variables } = mlpAdam();
    clearCodeCache();
    const compile = () => {
      const t = performance.now();
      const exe = compilePlan(planGraph(optimize(graph)));
      return { exe, ms: performance.now() - t };
    };
    const cold = compile();
    expect(codeCacheStats()).toMatchObject({ compiles: 1, memoryHits: 0 });
    // JIT kernels: the 5 GEMM epilogues (3 bias adds, 2 relu masks), 11 loops and 10 reductions; the 3 dW GEMMs
    // have no epilogue and are plain registry (oneDNN) calls.
    expect(cold.exe.mapping).toEqual({ jitSteps: 26, kernelSteps: 3 });
    const warm = compile();
    expect(codeCacheStats()).toMatchObject({ compiles: 1, memoryHits: 1 });
    clearCodeCache();
    const disk = compile();
    expect(codeCacheStats()).toMatchObject({ compiles: 0, diskHits: 1 });
    console.log(`MLP/Adam step compile (optimize + plan + lower + LLVM): cold ${cold.ms.toFixed(0)} ms, ` +
      `warm (in-process cache hit) ${warm.ms.toFixed(0)} ms, warm (disk cache hit) ${disk.ms.toFixed(0)} ms`);
    expect(warm.ms).toBeLessThan(cold.ms);
    // Each assigned value is written by its loop straight into the variable's buffer: the executor copies nothing.
    const { description } = describePlan(planGraph(optimize(graph)), lowerStep);
    expect(description.steps.filter((s) => s.kind === ExecutorStepKind.copy)).toHaveLength(0);
    expect(description.inPlace?.filter((f) => f === 1)).toHaveLength(19);

    // Two steps through the interpreter, then the same two steps compiled from the same starting values.
    const start = variables.map((v) => v.read());
    const batches = [batch(1), batch(2)];
    const want = batches.map((b) => interpret(graph, b)[0].item());
    const wantVariables = variables.map((v) => v.read());
    variables.forEach((v, i) => v.assign(start[i]));
    const got = batches.map((b) => warm.exe.run(b)[0].item());
    expect(Math.abs(got[0] - Math.log(10))).toBeLessThan(0.1);
    expectClose(kiln.tensor(got), want, [2], 1e-5, 1e-4);
    variables.forEach((v, i) => expectClose(v.read(), wantVariables[i].dataSync(), [...v.shape], 1e-5, 1e-4));

    // From the second run on, a step updates every variable in its own buffer (nothing read them in between).
    warm.exe.run(batches[0]);
    const buffers = variables.map((v) => v.current.dataSync());
    for (let k = 0; k < 3; k++) warm.exe.run(batches[k % 2]);
    variables.forEach((v, i) => expect(v.current.dataSync()).toBe(buffers[i]));
  });
});
