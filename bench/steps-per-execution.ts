// fit() with stepsPerExecution = 1 vs K on a small MLP with small batches, where the per-call cost of the loop
// (data slicing, one native call, one host read of the logs, callbacks) is a large share of a step.
// Run: npx tsx bench/steps-per-execution.ts (not part of run-all: a quick check for the lead on a quiet machine).
import * as kiln from '../src/index.js';

const N = 8192, BATCH = 16, EPOCHS = 3;

function seconds(K: number): number {
  kiln.ops.setRandomSeed(1);
  const model = new kiln.Sequential([
    new kiln.layers.Dense({ units: 64, activation: 'relu' }), new kiln.layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], stepsPerExecution: K });
  const x = kiln.ops.randomNormal([N, 32], { seed: 2 });
  const y = kiln.ops.randomUniform([N], { minval: 0, maxval: 10, dtype: 'int32', seed: 3 });
  model.fit(x, y, { batchSize: BATCH, epochs: 1, verbose: 0 }); // traces and warms up
  const t0 = performance.now();
  model.fit(x, y, { batchSize: BATCH, epochs: EPOCHS, verbose: 0 });
  return (performance.now() - t0) / 1000;
}

const base = seconds(1);
console.log(`stepsPerExecution 1: ${base.toFixed(2)} s for ${EPOCHS} epochs of ${N / BATCH} batches of ${BATCH}`);
for (const K of [4, 16, 64]) {
  const s = seconds(K);
  console.log(`stepsPerExecution ${K}: ${s.toFixed(2)} s (${(base / s).toFixed(2)}× faster)`);
}
