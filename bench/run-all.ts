// Entry of `npm run bench`: runs every benchmark in one process and prints the tables (see bench/RESULTS.md).
// Set KILN_BENCH=eager, KILN_BENCH=matmul, KILN_BENCH=mlp, KILN_BENCH=predict or KILN_BENCH=fit to run one of them.
import { cpus } from 'node:os';
import { native } from '../src/core/native.js';
import { formatEagerOverhead, runEagerOverhead } from './eager-overhead.js';
import { formatFit, runFit } from './fit.js';
import { dnnlVersion, formatMatmul, runMatmul } from './matmul.js';
import { formatMlpTrain, runMlpTrain } from './mlp-train.js';
import { formatPredict, runPredict } from './predict.js';

const only = process.env.KILN_BENCH;
console.log(`kiln bench — ${new Date().toISOString()} — node ${process.version} — ${cpus()[0]?.model ?? '?'} ` +
  `× ${cpus().length} — kiln threads ${native.numThreads()}`);

if (!only || only === 'eager') {
  console.log('\nEager per-op overhead (median of 9 batches of 20000 ops; output allocation and GC included)\n');
  console.log(formatEagerOverhead(runEagerOverhead()));
}
if (!only || only === 'matmul') {
  console.log('\nMatmul float32, kiln.ops.matmul vs dnnl_sgemm called directly (median and fastest timed call)\n');
  const rows = runMatmul();
  console.log(formatMatmul(rows));
  console.log(`oneDNN ${dnnlVersion}`);
}
if (!only || only === 'mlp') {
  console.log('\nMLP 784-512-256-10 train step (relu, softmax crossentropy, Adam), batch 128: median of 7 samples\n');
  console.log(formatMlpTrain(await runMlpTrain()));
}
if (!only || only === 'predict') {
  console.log('\nMLP 784-512-256-10 inference: batch-1 latency over 2000 calls, batch-128 throughput (median of 5)\n');
  console.log(formatPredict(await runPredict()));
}
if (!only || only === 'fit') {
  const threads = Number(process.env.KILN_FIT_THREADS ?? 1);
  console.log(`\nfit() throughput: MLP, CNN, Embedding(maskZero) → LSTM(64); Adam; each configuration in its own ` +
    `process on ${threads} thread(s) (KILN_FIT_THREADS)\n`);
  console.log(formatFit(await runFit(threads, undefined, (s) => console.log(s))));
}
