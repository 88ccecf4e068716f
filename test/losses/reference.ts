// Plain-JS float64 references for the loss tests: per-sample values over the last axis of row-major data, and the
// Keras weighting and reductions, written independently of Kiln's ops.
import { uniformValues } from '../util/check.js';

/** Rows of `cols` values from flat data. */
export function rows(data: ArrayLike<number>, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += cols) out.push(Array.from(data).slice(i, i + cols));
  return out;
}

const EPS = 1e-7;
const clip = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sumOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** A per-sample reference: one row of targets and one of predictions → one value. */
export type RowLoss = (t: number[], p: number[]) => number;

/** Applies a row loss to every row. */
export function perSample(f: RowLoss, t: ArrayLike<number>, p: ArrayLike<number>, cols: number): number[] {
  const tr = rows(t, cols), pr = rows(p, cols);
  return pr.map((row, i) => f(tr[i], row));
}

export const mse: RowLoss = (t, p) => mean(p.map((x, j) => (t[j] - x) ** 2));
export const mae: RowLoss = (t, p) => mean(p.map((x, j) => Math.abs(t[j] - x)));

export function bce(labelSmoothing = 0, fromLogits = false): RowLoss {
  return (t0, p) => mean(p.map((x, j) => {
    const t = t0[j] * (1 - labelSmoothing) + 0.5 * labelSmoothing;
    if (fromLogits) return softplus(x) - x * t;
    const q = clip(x, EPS, 1 - EPS);
    return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
  }));
}

export function cce(labelSmoothing = 0, fromLogits = false): RowLoss {
  return (t0, p) => {
    const t = t0.map((v) => v * (1 - labelSmoothing) + labelSmoothing / t0.length);
    let logp: number[];
    if (fromLogits) {
      const m = Math.max(...p);
      const lse = m + Math.log(sumOf(p.map((x) => Math.exp(x - m))));
      logp = p.map((x) => x - lse);
    } else {
      const s = sumOf(p);
      logp = p.map((x) => Math.log(clip(x / s, EPS, 1 - EPS)));
    }
    return -sumOf(t.map((v, j) => v * logp[j]));
  };
}

/** Sparse crossentropy of one label against a row of probabilities (or logits). */
export function scce(label: number, p: number[], fromLogits = false): number {
  const oneHot = p.map((_, j) => (j === label ? 1 : 0));
  return cce(0, fromLogits)(oneHot, p);
}

export const kld: RowLoss = (t0, p0) => sumOf(p0.map((x, j) => {
  const t = clip(t0[j], EPS, 1), p = clip(x, EPS, 1);
  return t * Math.log(t / p);
}));

export const poisson: RowLoss = (t, p) => mean(p.map((x, j) => x - t[j] * Math.log(x + EPS)));

export const cosine: RowLoss = (t, p) => {
  const nt = Math.max(Math.sqrt(sumOf(t.map((x) => x * x))), EPS);
  const np = Math.max(Math.sqrt(sumOf(p.map((x) => x * x))), EPS);
  return -sumOf(t.map((x, j) => (x / nt) * (p[j] / np)));
};

export function huber(delta = 1): RowLoss {
  return (t, p) => mean(p.map((x, j) => {
    const e = x - t[j];
    return Math.abs(e) <= delta ? 0.5 * e * e : delta * Math.abs(e) - 0.5 * delta * delta;
  }));
}

/** Hinge over rows; `binary` says whether the whole label tensor is 0/1 (then converted to -1/1). */
export function hinge(binary: boolean): RowLoss {
  return (t, p) => mean(p.map((x, j) => Math.max(1 - (binary ? 2 * t[j] - 1 : t[j]) * x, 0)));
}

/** Keras reductions of per-sample values v weighted by w (same length; w = 1 when absent). */
export function reduce(v: number[], w: number[] | null, reduction: string): number | number[] {
  const wv = v.map((x, i) => x * (w ? w[i] : 1));
  if (reduction === 'none') return wv;
  const total = sumOf(wv);
  if (reduction === 'sum') return total;
  if (reduction === 'mean_with_sample_weight' && w) return sumOf(w) === 0 ? 0 : total / sumOf(w);
  return total / v.length;
}

/** Seeded 0/1 labels. */
export function binaryLabels(n: number, seed: number): number[] {
  return uniformValues(n, seed, 0, 1).map((x) => (x < 0.5 ? 0 : 1));
}

/** Seeded one-hot rows. */
export function oneHotRows(n: number, classes: number, seed: number): number[] {
  const labels = intLabels(n, classes, seed);
  return labels.flatMap((l) => Array.from({ length: classes }, (_, j) => (j === l ? 1 : 0)));
}

/** Seeded integer labels in [0, classes). */
export function intLabels(n: number, classes: number, seed: number): number[] {
  return uniformValues(n, seed, 0, classes).map((x) => Math.min(Math.floor(x), classes - 1));
}

/** Seeded probability rows (each sums to 1). */
export function probabilityRows(n: number, classes: number, seed: number): number[] {
  const raw = uniformValues(n * classes, seed, 0.05, 1);
  return rows(raw, classes).flatMap((r) => r.map((x) => x / sumOf(r)));
}
