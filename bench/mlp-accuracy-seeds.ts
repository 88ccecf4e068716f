// Issue 5's Fashion-MNIST MLP acceptance (≥ 88% test accuracy after 5 epochs) over many seeds, side by side with
// the independent NumPy reference of Keras 3's math (bench/reference/fashion-mnist-mlp-numpy.py) on the same seeds.
// Both draw their own initial weights and shuffles from the seed, so the comparison is between the two
// distributions, not run by run. Usage: npx tsx bench/mlp-accuracy-seeds.ts [FIRST_SEED] [LAST_SEED] [--no-reference]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as kiln from '../src/index.js';
import { trainFashionMnistMlp } from '../examples/fashion-mnist-mlp.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const first = Number(args[0] ?? 1);
const last = Number(args[1] ?? 10);
const withReference = !process.argv.includes('--no-reference');
const script = fileURLToPath(new URL('./reference/fashion-mnist-mlp-numpy.py', import.meta.url));

/** The reference's last line is `epoch 5: ... test accuracy 0.8712`. */
function referenceAccuracy(seed: number): number {
  const run = spawnSync('python3', [script, String(seed)], {
    encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
  const match = /test accuracy ([0-9.]+)\s*$/.exec(run.stdout ?? '');
  if (run.status !== 0 || !match) throw new Error(`reference failed for seed ${seed}: ${run.stderr}`);
  return Number(match[1]);
}

function summary(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  const reached = values.filter((v) => v >= 0.88).length;
  const pct = (v: number) => (v * 100).toFixed(2);
  return `${name}: mean ${pct(mean)}% sd ${pct(sd)} min ${pct(sorted[0])} median ` +
    `${pct(sorted[Math.floor(sorted.length / 2)])} max ${pct(sorted[sorted.length - 1])}; ≥ 88%: ${reached}/${values.length}`;
}

const kilnAcc: number[] = [];
const refAcc: number[] = [];
console.log('| seed | Kiln test accuracy | NumPy Keras-math reference |\n|---:|---:|---:|');
for (let seed = first; seed <= last; seed++) {
  kiln.ops.setRandomSeed(seed);
  const { testAccuracy } = trainFashionMnistMlp({ epochs: 5, verbose: 0 });
  kilnAcc.push(testAccuracy);
  const ref = withReference ? referenceAccuracy(seed) : NaN;
  if (withReference) refAcc.push(ref);
  console.log(`| ${seed} | ${(testAccuracy * 100).toFixed(2)}% | ${withReference ? (ref * 100).toFixed(2) + '%' : '—'} |`);
}
console.log(summary('Kiln', kilnAcc));
if (withReference) console.log(summary('reference', refAcc));
