// Where a Keras-style model's compiled train step spends its time, next to the hand-written MLP step of
// bench/mlp-step.ts: the same 784-512-256-10 network as Sequential([Dense relu, Dense relu, Dense softmax]) compiled
// with adam + sparse_categorical_crossentropy, batch 128, one thread. Traces the trainer's own step function (what
// trainOnBatch / fit jit), compiles it with the executor's per-step timer on (KILN_PROFILE_STEPS) and prints ms per
// plan step and per kind of step for both; then times, interleaved, the two executables, the trainer's runner,
// model.trainOnBatch and fit, with the JS time outside the native executor call (wall minus native run) beside.
// Run: `npx tsx bench/model-step-profile.ts [steps] [rounds]` (defaults 50, 5; PRINT_PLAN=1 also prints the plan).
import * as kiln from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { native } from '../src/core/native.js';
import { Trainer } from '../src/engine/trainer/trainer.js';
import { optimize } from '../compiler/passes/pipeline.js';
import { planGraph } from '../compiler/plan/make-plan.js';
import { printPlan, type ExecutionPlan } from '../compiler/plan/plan.js';
import { compilePlan, type PlanExecutable } from '../runtime/executable/compile-plan.js';
import { NativeExecutor } from '../runtime/executable/native-executor.js';
import { filled } from './eager-overhead.js';
import { mlpAdamStep } from './mlp-step.js';
import { timePlanSteps } from './plan-step-times.js';
import { formatTable, median, now } from './timing.js';

const BATCH = 128;
const steps = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 5);
process.env.KILN_PROFILE_STEPS = '1';
native.setNumThreads(1);

const init = (shape: number[], seed: number): Tensor =>
  kiln.tensor(filled(shape.reduce((a, b) => a * b, 1), seed).map((v) => v * 0.05), shape);
const x = kiln.tensor(filled(BATCH * 784, 7).map((v) => (v + 1) / 2), [BATCH, 784]);
const y = kiln.tensor(Array.from({ length: BATCH }, (_, i) => (i * 7) % 10), [BATCH], 'int32');
const specs = [{ shape: [BATCH, 784] }, { shape: [BATCH], dtype: 'int32' as const }];

function compiled(graph: kiln.FuncGraph): { plan: ExecutionPlan; exe: PlanExecutable } {
  const plan = planGraph(optimize(graph));
  return { plan, exe: compilePlan(plan) };
}

// The hand-written step.
const hand = mlpAdamStep(init);
const handC = compiled(kiln.trace(hand.step, specs, { name: 'mlp_adam_step' }));

// The model and, separately, a Trainer of the same configuration whose step function we trace ourselves.
function sequential(): kiln.Model {
  const L = kiln.layers;
  const model = new kiln.Sequential([new L.Dense({ units: 512, activation: 'relu' }),
    new L.Dense({ units: 256, activation: 'relu' }), new L.Dense({ units: 10, activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  return model;
}
const model = sequential();
const profiled = sequential();
const trainer = new Trainer(profiled as never, { optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
trainer.ensureBuilt([x]);
const stepFn = trainer['trainStepFn'](1, 1);
const modelC = compiled(kiln.trace(stepFn, specs, { name: 'train_step' }));

// The kind of a printed plan step, for the per-kind totals.
function kindOf(line: string): string {
  if (/: matmul\(/.test(line)) return 'gemm';
  if (/\{sub, mul, add, square/.test(line)) return 'adam update';
  if (/: reduce_/.test(line)) return 'reduce (softmax, loss, bias grads, trackers)';
  if (/: assign\(/.test(line)) return 'assign copy';
  if (/output copies/.test(line)) return 'output copies';
  return 'other fused';
}

function profile(label: string, { plan, exe }: { plan: ExecutionPlan; exe: PlanExecutable }): void {
  const { wall, total, rows } = timePlanSteps(plan, exe, [x, y], steps);
  console.log(`\n${label}: ${(wall * 1e3).toFixed(3)} ms/step wall, ${(total * 1e3).toFixed(3)} ms in steps; ` +
    `${plan.steps.length} plan steps; in place: ${exe.inPlace.filter(Boolean).length} of ${exe.inPlace.length}`);
  const kinds: Record<string, number> = {};
  for (const r of rows) kinds[kindOf(r.line)] = (kinds[kindOf(r.line)] ?? 0) + r.s * 1e3;
  console.log(Object.entries(kinds).map(([k, ms]) => `${k} ${ms.toFixed(3)}`).join(', '));
  console.log(formatTable([['plan step', 'ms/step', '%'],
    ...rows.map((r) => [r.line.length > 120 ? `${r.line.slice(0, 117)}...` : r.line, (r.s * 1e3).toFixed(3),
      ((100 * r.s) / total).toFixed(1)])]));
}
profile('hand-written', handC);
profile('model train_step', modelC);
if (process.env.PRINT_PLAN) console.log(printPlan(modelC.plan));

// Interleaved wall times (ms per batch): the two executables (with the executor's own time), the trainer's runner
// (jit: signature key, cache, executable), trainOnBatch (+ argument checks, tidy, logs as numbers) and fit.
const FIT_BATCHES = 40;
const fx = kiln.tensor(filled(FIT_BATCHES * BATCH * 784, 9).map((v) => (v + 1) / 2), [FIT_BATCHES * BATCH, 784]);
const fy = kiln.tensor(Array.from({ length: FIT_BATCHES * BATCH }, (_, i) => (i * 7) % 10), [FIT_BATCHES * BATCH],
  'int32');
const fitModel = sequential();
const runnerTrainer = new Trainer(sequential() as never,
  { optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
runnerTrainer.ensureBuilt([x]);
const batch = { xs: [x], ys: [y], sws: [] };
// One call of each; fit's call runs FIT_BATCHES batches.
const timers: Record<string, [() => void, number]> = {
  'hand exe.run': [() => handC.exe.run([x, y]), 1],
  'model exe.run': [() => modelC.exe.run([x, y]), 1],
  'trainer.trainStep': [() => kiln.tidy(() => runnerTrainer.trainStep(batch).loss.dataSync()), 1],
  'model.trainOnBatch': [() => model.trainOnBatch(x, y), 1],
  'fit (shuffle)': [() => fitModel.fit(fx, fy, { batchSize: BATCH, epochs: 1, verbose: 0 }), FIT_BATCHES],
  'fit (no shuffle)': [() => fitModel.fit(fx, fy, { batchSize: BATCH, epochs: 1, verbose: 0, shuffle: false }),
    FIT_BATCHES],
};
const exes: Record<string, PlanExecutable> = { 'hand exe.run': handC.exe, 'model exe.run': modelC.exe };
// Time inside the native run call (every executor's, the jitted ones included): wall minus this is the JS cost.
let nativeSeconds = 0;
const nativeRun = NativeExecutor.prototype.run;
NativeExecutor.prototype.run = function (this: NativeExecutor, ...a: Parameters<typeof nativeRun>): void {
  const t = now();
  nativeRun.apply(this, a);
  nativeSeconds += now() - t;
};
for (const [f] of Object.values(timers)) for (let i = 0; i < 3; i++) f();
const walls: Record<string, number[]> = {}, inExe: Record<string, number[]> = {}, js: Record<string, number[]> = {};
const sum = (e: PlanExecutable): number => e.stepSeconds()!.reduce((a, b) => a + b, 0);
for (let r = 0; r < rounds; r++) {
  for (const [name, [f, per]] of Object.entries(timers)) {
    const calls = Math.max(1, Math.round(steps / per));
    const s0 = exes[name] ? sum(exes[name]) : 0;
    const n0 = nativeSeconds, t0 = now();
    for (let i = 0; i < calls; i++) f();
    const wall = now() - t0;
    (walls[name] ??= []).push((wall / (calls * per)) * 1e3);
    (js[name] ??= []).push(((wall - (nativeSeconds - n0)) / (calls * per)) * 1e3);
    if (exes[name]) (inExe[name] ??= []).push(((sum(exes[name]) - s0) / calls) * 1e3);
  }
}
console.log(`\nms per batch, median (min) of ${rounds} interleaved rounds of ~${steps} batches:`);
console.log(formatTable([['call', 'wall ms', 'min wall', 'in plan steps ms', 'JS outside native run ms'],
  ...Object.keys(timers).map((k) => [k, median(walls[k]).toFixed(3), Math.min(...walls[k]).toFixed(3),
    inExe[k] ? median(inExe[k]).toFixed(3) : '', median(js[k]).toFixed(3)])]));
