// Where the compiled train step of a Fashion-MNIST convnet spends its time, batch 128, RMSprop: 'example' is the
// model of examples/fashion-mnist-cnn.ts (Conv2D 32 → max-pool → Dense 128 → Dense 10), 'dlwp' the DLwP two-conv
// net (Conv2D 32 → max-pool → Conv2D 64 → max-pool → Dense 10). Runs the traced step with the executor's per-step
// timer on (KILN_PROFILE_STEPS) and prints milliseconds per plan step, largest first.
// Run: `npx tsx bench/cnn-profile.ts [steps] [example|dlwp]` (or node dist/bench/cnn-profile.js after build:ts).
import * as kiln from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { optimize } from '../compiler/passes/pipeline.js';
import { planGraph } from '../compiler/plan/make-plan.js';
import { printPlan } from '../compiler/plan/plan.js';
import { compilePlan } from '../runtime/executable/compile-plan.js';
import { formatTable, now } from './timing.js';

const BATCH = 128;
const steps = Number(process.argv[2] ?? 20);
process.env.KILN_PROFILE_STEPS = '1';
kiln.ops.setRandomSeed(1);
const { layers, ops } = kiln;
const head = process.argv[3] === 'dlwp'
  ? [new layers.Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }), new layers.MaxPooling2D({ poolSize: 2 }),
    new layers.Flatten()]
  : [new layers.Flatten(), new layers.Dense({ units: 128, activation: 'relu' })];
const model = new kiln.Sequential([
  new layers.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
  new layers.MaxPooling2D({ poolSize: 2 }),
  ...head,
  new layers.Dense({ units: 10, activation: 'softmax' }),
]);
model.apply(ops.zeros([1, 28, 28, 1]));
const weights = model.trainableWeights;
const optimizer = new kiln.optimizers.RMSprop();
const step = (x: Tensor, y: Tensor): Tensor => {
  const { value, grads } = kiln.valueAndGrad(
    () => ops.mean(kiln.losses.sparseCategoricalCrossentropy(y, model.apply(x, { training: true }) as Tensor)), weights);
  optimizer.applyGradients(grads.map((g, k) => [g, weights[k]] as const));
  return value;
};
const graph = kiln.trace(step, [{ shape: [BATCH, 28, 28, 1] }, { shape: [BATCH], dtype: 'int32' }], { name: 'cnn_step' });
const plan = planGraph(optimize(graph));
const exe = compilePlan(plan);
const batch: [Tensor, Tensor] = [ops.randomUniform([BATCH, 28, 28, 1]),
  kiln.tensor(Array.from({ length: BATCH }, (_, i) => (i * 7) % 10), [BATCH], 'int32')];
for (let i = 0; i < 3; i++) exe.run(batch);
const warm = exe.stepSeconds()!.slice();
const cpu0 = process.cpuUsage();
const t0 = now();
for (let i = 0; i < steps; i++) exe.run(batch);
const wall = (now() - t0) / steps;
const cpu = process.cpuUsage(cpu0);
const seconds = exe.stepSeconds()!.map((s, i) => (s - warm[i]) / steps);
const lines = printPlan(plan).split('\n').slice(2);
const total = seconds.reduce((a, b) => a + b, 0);
const rows = seconds.map((s, i) => ({ s, line: (lines[i] ?? '  (output copies)').trim() }))
  .sort((a, b) => b.s - a.s).filter((r) => r.s > 0);
console.log(`${steps} steps: ${(wall * 1e3).toFixed(1)} ms/step wall, ${((cpu.user + cpu.system) / 1e3 / steps).toFixed(1)} ` +
  `ms/step CPU, ${(total * 1e3).toFixed(1)} ms in steps; one 60000-sample epoch ≈ ${(wall * 469).toFixed(0)} s wall`);
console.log(formatTable([['plan step', 'ms/step', '%'],
  ...rows.slice(0, 25).map((r) => [r.line.length > 110 ? `${r.line.slice(0, 107)}...` : r.line, (r.s * 1e3).toFixed(3),
    ((100 * r.s) / total).toFixed(1)])]));
