// float64 references of the Keras 3 recurrent cells and time loop, in plain JS loops, and a weight-gradient check
// shared by the recurrent layer tests.
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { expectClose, randomTensor, uniformValues } from './../util/check.js';
import type { AnyLayer } from '../../src/engine/index.js';
import { checkWeightGradientsOf } from './layer-check.js';

/** Flat row-major weights of a cell: kernel [F, G], recurrent kernel [U, G], bias (per cell) or null. */
export interface RefWeights {
  kernel: number[];
  rec: number[];
  bias: number[] | null;
}

/** One step: input x_t [F] and states (each [U]) → new states; the first is the output. */
export type RefStep = (x: number[], states: number[][], w: RefWeights) => number[][];

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** x·M for a vector x [n] and a flat matrix M [n, m], plus an optional bias slice starting at `b0`. */
function affine(x: number[], m: number[], cols: number, bias: number[] | null = null, b0 = 0): number[] {
  const out = new Array<number>(cols).fill(0);
  for (let j = 0; j < cols; j++) {
    let s = bias ? bias[b0 + j] : 0;
    for (let i = 0; i < x.length; i++) s += x[i] * m[i * cols + j];
    out[j] = s;
  }
  return out;
}

/** SimpleRNN: h = act(x·K + b + h·R). */
export function simpleStep(units: number, act: (v: number) => number = Math.tanh): RefStep {
  return (x, [h], w) => {
    const a = affine(x, w.kernel, units, w.bias);
    const r = affine(h, w.rec, units);
    return [a.map((v, j) => act(v + r[j]))];
  };
}

/** LSTM with gate blocks i, f, c, o. */
export function lstmStep(units: number): RefStep {
  return (x, [h, c], w) => {
    const a = affine(x, w.kernel, 4 * units, w.bias);
    const r = affine(h, w.rec, 4 * units);
    const z = a.map((v, j) => v + r[j]);
    const hn: number[] = [], cn: number[] = [];
    for (let j = 0; j < units; j++) {
      const i = sigmoid(z[j]), f = sigmoid(z[units + j]), g = Math.tanh(z[2 * units + j]), o = sigmoid(z[3 * units + j]);
      cn.push(f * c[j] + i * g);
      hn.push(o * Math.tanh(cn[j]));
    }
    return [hn, cn];
  };
}

/** GRU with gate blocks z, r, h; resetAfter uses a [2, 3U] bias (input row, recurrent row). */
export function gruStep(units: number, resetAfter: boolean): RefStep {
  const u = units;
  return (x, [h], w) => {
    const a = affine(x, w.kernel, 3 * u, w.bias, 0);
    const hn: number[] = [];
    if (resetAfter) {
      const r = affine(h, w.rec, 3 * u, w.bias, 3 * u);
      for (let j = 0; j < u; j++) {
        const z = sigmoid(a[j] + r[j]);
        const rr = sigmoid(a[u + j] + r[u + j]);
        const hh = Math.tanh(a[2 * u + j] + rr * r[2 * u + j]);
        hn.push(z * h[j] + (1 - z) * hh);
      }
    } else {
      const r = affine(h, w.rec, 3 * u);
      const zs: number[] = [], rs: number[] = [];
      for (let j = 0; j < u; j++) {
        zs.push(sigmoid(a[j] + r[j]));
        rs.push(sigmoid(a[u + j] + r[u + j]));
      }
      const rh = h.map((v, k) => v * rs[k]);
      for (let j = 0; j < u; j++) {
        let s = a[2 * u + j];
        for (let k = 0; k < u; k++) s += rh[k] * w.rec[k * 3 * u + 2 * u + j];
        hn.push(zs[j] * h[j] + (1 - zs[j]) * Math.tanh(s));
      }
    }
    return [hn];
  };
}

/** Options of the reference loop (Keras `backend.rnn` semantics). */
export interface RefLoopOptions {
  mask?: boolean[][] | null;
  goBackwards?: boolean;
  returnSequences?: boolean;
  zeroOutputForMask?: boolean;
  /** Initial states, each flat [B, U] (default zeros). */
  initialStates?: ArrayLike<number>[] | null;
}

/** Runs `step` over x [B, T, F]; gives the output (flat) and the final states (each flat [B, U]). */
export function runRef(x: ArrayLike<number>, [B, T, F]: number[], units: number, stateCount: number, step: RefStep,
                       w: RefWeights, opts: RefLoopOptions = {}): { output: number[]; states: number[][] } {
  const seqs: number[][][] = [];
  const finals: number[][][] = [];
  const lasts: number[][] = [];
  for (let b = 0; b < B; b++) {
    const init = opts.initialStates;
    let states = Array.from({ length: stateCount }, (_, s) =>
      (init ? Array.from({ length: units }, (_, j) => init[s][b * units + j]) : new Array<number>(units).fill(0)));
    let prev = new Array<number>(units).fill(0);
    const outs: number[][] = [];
    for (let k = 0; k < T; k++) {
      const t = opts.goBackwards ? T - 1 - k : k;
      const xt = Array.from({ length: F }, (_, f) => x[(b * T + t) * F + f]);
      const next = step(xt, states, w);
      let out = next[0];
      if (opts.mask && !opts.mask[b][t]) {
        out = opts.zeroOutputForMask ? new Array<number>(units).fill(0) : prev;
      } else {
        states = next;
      }
      outs.push(out);
      prev = out;
    }
    seqs.push(outs);
    lasts.push(prev);
    finals.push(states);
  }
  const output = opts.returnSequences ? seqs.flat(2) : lasts.flat();
  const states = Array.from({ length: stateCount }, (_, s) => finals.flatMap((st) => st[s]));
  return { output, states };
}

/** Seeded weights set on a built float64 recurrent layer; gives them flat for the reference. */
export function seedWeights(layer: WeightedLayer, seed: number, scale = 0.6): RefWeights {
  const ws = layer.getWeights();
  const vals = ws.map((t, i) => uniformValues(t.size, seed + i, -scale, scale));
  layer.setWeights(ws.map((t, i) => kiln.tensor(vals[i], [...t.shape], 'float64')));
  return { kernel: vals[0], rec: vals[1], bias: vals.length > 2 ? vals[2] : null };
}

/** What the weight-gradient check needs of a layer. */
export interface WeightedLayer {
  readonly trainableWeights: kiln.LayerWeight[];
  getWeights(): Tensor[];
  setWeights(values: readonly Tensor[]): void;
}

/** Tape gradients of Σ f()·c with respect to the layer's trainable weights vs central differences. */
export function checkWeightGradients(layer: AnyLayer, f: () => Tensor, eps = 1e-6): void {
  checkWeightGradientsOf(layer, f, { eps });
}

/** A [B, T] bool mask tensor and its JS form. */
export function maskOf(rows: boolean[][]): { tensor: Tensor; rows: boolean[][] } {
  return { tensor: kiln.tensor(rows.flat().map((v) => (v ? 1 : 0)), [rows.length, rows[0].length], 'bool'), rows };
}
