// Shared data and plain-JS references for the training tests.
import * as kiln from '../../src/index.js';
import { rng } from '../util/check.js';

/** n samples of `dim` features in [-1, 1) and a class label: which of `classes` feature sums is largest. */
export function classificationData(n: number, dim: number, classes: number, seed: number):
  { x: kiln.Tensor; y: kiln.Tensor; xs: Float32Array; ys: Int32Array } {
  const r = rng(seed);
  const xs = Float32Array.from({ length: n * dim }, () => r() * 2 - 1);
  const ys = Int32Array.from({ length: n }, (_, i) => {
    let best = 0, bestV = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = xs[i * dim + (c % dim)] - xs[i * dim + ((c + 1) % dim)] * 0.5;
      if (v > bestV) [best, bestV] = [c, v];
    }
    return best;
  });
  return { x: kiln.tensor(xs, [n, dim], 'float32'), y: kiln.tensor(ys, [n], 'int32'), xs, ys };
}

/** A dense MLP forward in plain JS (float64): layers of [kernel, bias, activation]. */
export function mlpForward(x: ArrayLike<number>, n: number, dims: number[],
                           layers: { kernel: ArrayLike<number>; bias: ArrayLike<number>; act: 'relu' | 'softmax' | 'linear' }[]):
  number[] {
  let h = Array.from(x);
  layers.forEach((l, k) => {
    const [din, dout] = [dims[k], dims[k + 1]];
    const out = new Array<number>(n * dout).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dout; j++) {
        let s = l.bias[j];
        for (let p = 0; p < din; p++) s += h[i * din + p] * l.kernel[p * dout + j];
        out[i * dout + j] = l.act === 'relu' ? Math.max(0, s) : s;
      }
      if (l.act === 'softmax') {
        const row = out.slice(i * dout, (i + 1) * dout);
        const m = Math.max(...row);
        const e = row.map((v) => Math.exp(v - m));
        const z = e.reduce((a, b) => a + b, 0);
        e.forEach((v, j) => (out[i * dout + j] = v / z));
      }
    }
    h = out;
  });
  return h;
}

/** Mean sparse categorical crossentropy and accuracy of probabilities `p` [n, c] against labels (plain JS). */
export function sparseCeAndAccuracy(p: ArrayLike<number>, labels: ArrayLike<number>, c: number): [number, number] {
  const n = labels.length;
  let loss = 0, correct = 0;
  const eps = 1e-7;
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: c }, (_, j) => p[i * c + j]);
    loss -= Math.log(Math.min(1 - eps, Math.max(eps, row[labels[i]])));
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  return [loss / n, correct / n];
}
