// Cost of finding output shapes on symbolic inputs with unknown dims (two traces with placeholder sizes per layer
// call): an LSTM over an unknown number of time steps traces one step per placeholder step, so this is the case
// the probe sizes in src/engine/node.ts trade against. Run: npx tsx bench/symbolic-probe.ts
import * as kiln from '../src/index.js';

function time(label: string, fn: () => void, reps = 5): void {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  console.log(`${label}: ${((performance.now() - t0) / reps).toFixed(1)} ms per call`);
}

time('LSTM(16) on [null, null, 8] (unknown time)', () => {
  new kiln.layers.LSTM({ units: 16 }).apply(kiln.input({ shape: [null, 8] }));
});
time('LSTM(16) on [null, 10, 8] (known time)', () => {
  new kiln.layers.LSTM({ units: 16 }).apply(kiln.input({ shape: [10, 8] }));
});
time('Conv2D(8, 3) on [null, null, null, 3]', () => {
  new kiln.layers.Conv2D({ filters: 8, kernelSize: 3 }).apply(kiln.input({ shape: [null, null, 3] }));
});
