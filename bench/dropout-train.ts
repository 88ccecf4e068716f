// A Dropout MLP (784-512-Dropout 0.3-256-Dropout 0.3-10, Adam, batch 128) trained with trainOnBatch: eagerly,
// and compiled now that random ops run in compiled steps (they used to force the whole step back to eager).
// Run: npx tsx bench/dropout-train.ts
import * as kiln from '../src/index.js';
import { median, now } from './timing.js';

const BATCH = 128;

function model(runEagerly: boolean): kiln.Sequential {
  kiln.ops.setRandomSeed(1);
  const m = new kiln.Sequential([
    new kiln.layers.Dense({ units: 512, activation: 'relu' }), new kiln.layers.Dropout({ rate: 0.3, seed: 2 }),
    new kiln.layers.Dense({ units: 256, activation: 'relu' }), new kiln.layers.Dropout({ rate: 0.3, seed: 3 }),
    new kiln.layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', runEagerly });
  return m;
}

/** Median milliseconds per train step over `samples` samples of `steps` steps (after a warm-up sample). */
function msPerStep(runEagerly: boolean, steps: number, samples: number): number {
  const m = model(runEagerly);
  const x = kiln.ops.randomUniform([BATCH, 784], { seed: 4 });
  const y = kiln.ops.randomUniform([BATCH], { seed: 5, minval: 0, maxval: 10, dtype: 'int32' });
  const times: number[] = [];
  for (let s = 0; s <= samples; s++) {
    const t0 = now();
    for (let i = 0; i < steps; i++) kiln.tidy(() => m.trainOnBatch(x, y));
    if (s > 0) times.push(((now() - t0) / steps) * 1e3);
  }
  return median(times);
}

const eager = msPerStep(true, 10, 5);
const compiled = msPerStep(false, 10, 5);
console.log(`Dropout MLP train step, batch ${BATCH}: eager ${eager.toFixed(2)} ms, compiled ${compiled.toFixed(2)} ms ` +
  `(${(eager / compiled).toFixed(2)}x)`);
