// Plain-JS float64 references for the composite-op tests (no Kiln ops involved).
import { unravel } from '../../util/check.js';

/** Applies `f` to every 1-D lane of `values` (row-major, `shape`) along `axis`; the result has the same shape. */
export function mapLanes(values: ArrayLike<number>, shape: readonly number[], axis: number,
                         f: (lane: number[]) => number[]): number[] {
  const out = new Array<number>(values.length);
  for (const idx of laneIndices(shape, [axis])) {
    const res = f(idx.map((i) => values[i]));
    idx.forEach((i, k) => (out[i] = res[k]));
  }
  return out;
}

/** Reduces `values` over `axes` with `f`; returns the values in row-major order of the kept dims. */
export function reduceLanes(values: ArrayLike<number>, shape: readonly number[], axes: readonly number[],
                            f: (vals: number[]) => number): number[] {
  return laneIndices(shape, axes).map((idx) => f(idx.map((i) => values[i])));
}

/** Flat indices grouped by the kept (non-`axes`) coordinates, groups in row-major order of the kept dims. */
function laneIndices(shape: readonly number[], axes: readonly number[]): number[][] {
  const size = shape.reduce((a, b) => a * b, 1);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const keptShape = kept.map((i) => shape[i]);
  const groups: number[][] = Array.from({ length: keptShape.reduce((a, b) => a * b, 1) }, () => []);
  for (let i = 0; i < size; i++) {
    const idx = unravel(i, shape);
    let g = 0;
    kept.forEach((d, k) => (g = g * keptShape[k] + idx[d]));
    groups[g].push(i);
  }
  return groups;
}

/** The error function, to ~1e-15: Maclaurin series for |x| < 2.5, else a continued fraction for erfc. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x, s = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      s += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * s;
  }
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
  let cf = ax;
  for (let k = 80; k >= 1; k--) cf = ax + (k / 2) / cf;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / cf;
  return Math.sign(x) * (1 - erfc);
}

/** log(1 + eˣ), stable. */
export function softplusRef(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** A Float64 grid of interesting inputs: extremes, zero, kinks' neighbourhoods and ordinary values. */
export const GRID = [-100, -30, -6.5, -3.5, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 3.5, 6.5, 30, 100];
