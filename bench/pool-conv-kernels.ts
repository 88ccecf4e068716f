// Times the native pooling and convolution kernels at the shapes of the Fashion-MNIST CNN's train step
// (examples/fashion-mnist-cnn.ts, batch 128): conv 3×3 1→32 on 28×28, 2×2 max-pool on 26×26×32. Reports the
// minimum and median of many calls per kernel (the minimum is the steadier number on a shared machine).
// Run: `npx tsx bench/pool-conv-kernels.ts [reps] [threads]`; KILN_ADDON=<path/kiln.node> compares builds.
import { kernel, native } from '../src/core/native.js';
import { now } from './timing.js';

const reps = Number(process.argv[2] ?? 50);
if (process.argv[3]) native.setNumThreads(Number(process.argv[3]));
const F32 = 0;
const N = 128, H = 28, W = 28, C = 1, OC = 32, K = 3, OH = 26, OW = 26, PH = 13, PW = 13;

function random(n: number): Float32Array {
  const a = native.alloc(F32, n) as Float32Array;
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

const x = random(N * H * W * C), f = random(K * K * C * OC), y = random(N * OH * OW * OC);
const dy = random(N * OH * OW * OC), dx = random(N * H * W * C), df = random(K * K * C * OC);
const p = random(N * PH * PW * OC), dp = random(N * PH * PW * OC), dxp = random(N * OH * OW * OC);
const convArgs = [N, H, W, C, OH, OW, OC, K, K, 1, 1, 1, 1, 0, 0];
const poolArgs = [N, OH, OW, OC, PH, PW, 2, 2, 2, 2, 0, 0];

const cases: [string, () => void][] = [
  ['conv2d', () => kernel('conv2d').call([x, f], [y], convArgs)],
  ['conv2d_backprop_filter', () => kernel('conv2d_backprop_filter').call([x, dy], [df], convArgs)],
  ['conv2d_backprop_input', () => kernel('conv2d_backprop_input').call([dy, f], [dx], convArgs)],
  ['max_pool2d', () => kernel('max_pool2d').call([y], [p], poolArgs)],
  ['max_pool2d_grad', () => kernel('max_pool2d_grad').call([y, dp], [dxp], poolArgs)],
  ['avg_pool2d', () => kernel('avg_pool2d').call([y], [p], poolArgs)],
  ['avg_pool2d_grad', () => kernel('avg_pool2d_grad').call([dp], [dxp], poolArgs)],
];

console.log(`${reps} reps, ${native.numThreads()} threads, addon ${process.env.KILN_ADDON ?? 'build/'}`);
for (const [name, fn] of cases) {
  for (let i = 0; i < 3; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    fn();
    t.push(now() - t0);
  }
  t.sort((a, b) => a - b);
  console.log(`${name.padEnd(24)} min ${(t[0] * 1e3).toFixed(3)} ms  median ${(t[t.length >> 1] * 1e3).toFixed(3)} ms`);
}
